import { ApiError, getJson, requireCurator, send, showError } from './api.js';
import { renderNav } from './nav.js';

const el = id => document.getElementById(id);
const error = el('error');
let me = null;

function query() {
  const p = new URLSearchParams();
  for (const key of ['reason', 'acquisition', 'model', 'sort']) {
    const v = el(key).value.trim();
    if (v) p.set(key, v);
  }
  return p.toString();
}

function renderCounts(counts) {
  const box = el('counts');
  box.replaceChildren();
  const select = el('reason');
  const chosen = select.value;
  select.replaceChildren(new Option('any', ''));
  for (const c of counts) {
    const chip = document.createElement('span');
    chip.className = 'chip' + (c.reason === chosen ? ' active' : '');
    chip.textContent = `${c.reason}: ${c.frames}`;
    chip.addEventListener('click', () => {
      select.value = c.reason === chosen ? '' : c.reason;
      load();
    });
    box.append(chip);
    select.append(new Option(`${c.reason} (${c.frames})`, c.reason));
  }
  select.value = chosen;
}

function card(f) {
  const div = document.createElement('div');
  div.className = 'card';
  div.dataset.frame = f.id;
  const img = document.createElement('img');
  img.loading = 'lazy';
  img.alt = f.fileName;
  img.src = `/api/frames/${f.id}/thumbnail.png?size=200`;
  const name = document.createElement('div');
  name.className = 'name';
  name.textContent = f.fileName;
  name.title = f.fileName;
  const reasons = document.createElement('div');
  reasons.className = 'reasons';
  reasons.textContent = f.reasons.map(r => r.reason).join(', ') || '(no reason)';
  reasons.title = f.reasons.map(r => `${r.reason}: ${r.detail}`).join('\n');
  const meta = document.createElement('div');
  meta.className = 'dim';
  meta.textContent = `${f.acquisition} · ${f.model}${f.modelVersion ? ' v' + f.modelVersion : ''} · ${f.objectCount ?? '?'} objects`;
  const time = document.createElement('div');
  time.className = 'dim';
  time.textContent = f.completedAt ? new Date(f.completedAt).toLocaleString() : '';
  const open = document.createElement('button');
  open.className = 'primary open';
  open.textContent = 'Open';
  div.append(img, name, reasons, meta, time);
  if (f.claim && f.claim.curator !== me) {
    const claimed = document.createElement('div');
    claimed.className = 'claimed';
    claimed.textContent = `claimed by ${f.claim.curator} until ${new Date(f.claim.expiresAt).toLocaleTimeString()}`;
    div.append(claimed);
    open.disabled = true;
  }
  open.addEventListener('click', () => openFrame(f.id));
  div.append(open);
  return div;
}

export async function openFrame(id) {
  try {
    await send('POST', `/api/frames/${id}/claim`);
    location.href = `/ui/editor.html?id=${id}`;
  } catch (e) {
    showError(error, e);
    if (e instanceof ApiError && e.status === 409) load();
  }
}

async function load() {
  error.textContent = '';
  try {
    const q = await getJson('/api/queue?' + query());
    renderCounts(q.reasonCounts);
    el('total').textContent = `${q.frames.length} shown of ${q.flagged} flagged`;
    el('frames').replaceChildren(...q.frames.map(card));
  } catch (e) {
    showError(error, e);
  }
}

// ---------- sending any frame to review ----------

function recentQuery() {
  const p = new URLSearchParams({ limit: '100' });
  const acquisition = el('sendAcquisition').value.trim();
  if (acquisition) p.set('acquisition', acquisition);
  if (el('sendState').value) p.set('state', el('sendState').value);
  return p.toString();
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.append(td);
  return td;
}

function recentRow(table, f) {
  const row = table.insertRow();
  row.dataset.frame = f.id;
  cell(row, f.path.split('/').pop()).title = f.path;
  cell(row, f.acquisition);
  cell(row, f.state);
  cell(row, f.objectCount ?? '–');
  cell(row, f.completedAt ? new Date(f.completedAt).toLocaleString() : '');
  const action = cell(row, '');
  if (f.sendable) {
    const b = document.createElement('button');
    b.className = 'send';
    b.textContent = 'Send to review';
    b.addEventListener('click', () => sendFrame(f, b));
    action.append(b);
  } else {
    action.className = 'dim';
    action.textContent = f.state === 'Flagged' ? 'in review' : 'no masks';
  }
}

async function loadRecent() {
  const r = await getJson('/api/frames?' + recentQuery());
  const list = el('acquisitions');
  list.replaceChildren(...r.acquisitions.map(a => {
    const o = document.createElement('option');
    o.value = a;
    return o;
  }));
  const table = el('recent');
  table.replaceChildren();
  const head = table.insertRow();
  for (const t of ['frame', 'acquisition', 'state', 'objects', 'completed', '']) {
    const th = document.createElement('th');
    th.textContent = t;
    head.append(th);
  }
  for (const f of r.frames) recentRow(table, f);
  el('recentTotal').textContent = r.frames.length ? `${r.frames.length} shown, newest first` : 'no frame matches';
}

/** Runs a send, then refreshes both lists; the outcome is shown after the refresh (which clears the error line). */
async function sending(action) {
  let text = '', failure = null;
  try {
    text = await action();
  } catch (e) {
    failure = e;
  }
  await load();
  await loadRecent().catch(e => { failure ??= e; });
  el('sendStatus').textContent = text;
  if (failure) showError(error, failure);
}

function sendFrame(f, button) {
  button.disabled = true;
  const name = f.path.split('/').pop();
  return sending(async () => {
    const r = await send('POST', `/api/frames/${f.id}/send-to-review`);
    return r.outcome === 'sent' ? `Sent ${name} to review (was ${r.previousState}).` : `${name} is in review already.`;
  });
}

function sendWhole() {
  const acquisition = el('sendAcquisition').value.trim();
  if (!acquisition) {
    showError(error, 'type or pick an acquisition first: every frame of it that has masks is sent');
    return;
  }
  if (!confirm(`Send every frame of ${acquisition} that has masks and is not in review to the review queue?`)) return;
  return sending(async () => {
    const path = acquisition.split('/').map(encodeURIComponent).join('/');
    const r = await send('POST', `/api/acquisitions/${path}/send-to-review`);
    const without = Object.entries(r.notEligible).map(([state, n]) => `${n} ${state}`).join(', ');
    return `${r.acquisition}: ${r.sent} sent, ${r.alreadyInReview} in review already` + (without ? `, left alone (no masks): ${without}.` : '.');
  });
}

function showRecent() {
  error.textContent = '';
  loadRecent().catch(e => showError(error, e));
}

(async () => {
  me = (await requireCurator()).curator;
  await renderNav('queue.html');
  for (const id of ['reason', 'sort']) el(id).addEventListener('change', load);
  for (const id of ['acquisition', 'model']) el(id).addEventListener('change', load);
  el('refresh').addEventListener('click', load);
  el('sendPanel').addEventListener('toggle', () => { if (el('sendPanel').open) showRecent(); });
  el('listFrames').addEventListener('click', showRecent);
  for (const id of ['sendAcquisition', 'sendState']) el(id).addEventListener('change', showRecent);
  el('sendWhole').addEventListener('click', sendWhole);
  await load();
  setInterval(load, 15000);
})();
