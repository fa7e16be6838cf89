import { getJson, requireCurator, send, showError } from './api.js';
import { renderNav } from './nav.js';

const el = id => document.getElementById(id);
const ap = v => (v === null || v === undefined ? '–' : v.toFixed(3));

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

function lineage(l) {
  const section = document.createElement('section');
  section.dataset.model = l.model;
  const h = document.createElement('h3');
  h.textContent = `${l.model} — live v${l.live}` + (l.live !== l.latest ? ` (rolled back from v${l.latest} by ${l.pinnedBy})` : '');
  const acq = document.createElement('div');
  acq.className = 'dim';
  acq.textContent = l.acquisitions.length ? `acquisitions: ${l.acquisitions.join(', ')}` : 'no acquisition assigned explicitly';
  const table = document.createElement('table');
  const head = table.insertRow();
  for (const t of ['version', 'parent', 'AP@0.5 before → after', 'corrected frames', 'created', '', '']) {
    const th = document.createElement('th');
    th.textContent = t;
    head.append(th);
  }
  for (const v of [...l.versions].reverse()) {
    const row = table.insertRow();
    row.dataset.version = v.version;
    cell(row, `v${v.version}`);
    cell(row, v.parentVersion ? `v${v.parentVersion}` : 'base');
    cell(row, `${ap(v.apBefore)} → ${ap(v.apAfter)}`);
    cell(row, String(v.correctedFrames));
    cell(row, new Date(v.createdAt).toLocaleString());
    cell(row, v.live ? 'live' : '', 'live');
    const action = cell(row, '');
    if (!v.live) {
      const b = document.createElement('button');
      b.textContent = v.version < l.live ? `Roll back to v${v.version}` : `Make v${v.version} live`;
      b.addEventListener('click', () => setLive(l.model, v.version));
      action.append(b);
    }
  }
  const licences = document.createElement('div');
  licences.className = 'licences';
  licences.textContent = l.licences.length
    ? 'data licences: ' + l.licences.map(c => `${c.data}: ${c.title}${c.nonCommercial ? ' (non-commercial)' : ''}${c.via ? ` via ${c.via}` : ''}`).join(' · ')
    : 'data licences: none recorded for this model';
  section.append(h, acq, licences);
  if (l.nonCommercialNotice) {
    const notice = document.createElement('div');
    notice.className = 'notice non-commercial';
    notice.textContent = l.nonCommercialNotice;
    section.append(notice);
  }
  section.append(table);
  return section;
}

/** Each zoo model with the version this service segments its frames with now (its registry's live version). */
function zooTable(zoo) {
  const section = document.createElement('section');
  section.className = 'zoo';
  section.id = 'zoo';
  const h = document.createElement('h3');
  h.textContent = 'Zoo models in this service';
  section.append(h);
  if (!zoo.configured) {
    const none = document.createElement('div');
    none.className = 'dim';
    none.textContent = 'This service has no model zoo folder (Models:ZooRoot): it segments with configured weight files only.';
    section.append(none);
    return section;
  }
  const table = document.createElement('table');
  const head = table.insertRow();
  for (const t of ['model', 'live version (used for new frames)', 'zoo version', '']) {
    const th = document.createElement('th');
    th.textContent = t;
    head.append(th);
  }
  for (const m of zoo.models) {
    const row = table.insertRow();
    row.dataset.model = m.model;
    cell(row, m.model);
    const live = cell(row, m.live === null ? 'not used yet' : `v${m.live}`, m.live === null ? 'live-version unused' : 'live-version live');
    live.dataset.live = m.live ?? '';
    cell(row, m.zooVersion === null ? '–' : `v${m.zooVersion}`);
    let note = '';
    if (m.problem) note = m.problem;
    else if (m.live === null) note = `its first frame registers zoo v${m.zooVersion} as the live version`;
    else if (m.pinnedBy) note = `rolled back from v${m.latest} by ${m.pinnedBy}`;
    cell(row, note, 'dim');
  }
  section.append(table);
  return section;
}

async function setLive(model, version) {
  if (!confirm(`Serve new frames of ${model} with v${version}?`)) return;
  try {
    const r = await send('POST', `/api/models/${encodeURIComponent(model)}/live`, { version });
    el('status').textContent = `${model}: v${r.live} is live (${r.acquisitions.length} acquisitions reassigned)`;
    await load();
  } catch (e) {
    showError(el('error'), e);
  }
}

async function load() {
  try {
    const [zoo, lineages] = await Promise.all([getJson('/api/models/zoo'), getJson('/api/models')]);
    el('zoo').replaceWith(zooTable(zoo));
    el('lineages').replaceChildren(...lineages.map(lineage));
    if (!lineages.length) el('lineages').textContent = 'No model versions recorded yet.';
  } catch (e) {
    showError(el('error'), e);
  }
}

(async () => {
  await requireCurator();
  await renderNav('models.html');
  await load();
})();
