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
  img.alt = `frame ${f.id}`;
  img.src = `/api/frames/${f.id}/thumbnail.png?size=200`;
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
  div.append(img, reasons, meta, time);
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

(async () => {
  me = (await requireCurator()).curator;
  await renderNav('queue.html');
  for (const id of ['reason', 'sort']) el(id).addEventListener('change', load);
  for (const id of ['acquisition', 'model']) el(id).addEventListener('change', load);
  el('refresh').addEventListener('click', load);
  await load();
  setInterval(load, 15000);
})();
