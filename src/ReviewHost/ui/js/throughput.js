import { requireCurator, showError } from './api.js';
import { renderNav } from './nav.js';
import { parseMetrics, quantile, sum } from './metrics.js';

const el = id => document.getElementById(id);
const history = [];
const rates = [];
const windowSeconds = 30;

function tile(label, value) {
  const d = document.createElement('div');
  d.className = 'metric';
  const v = document.createElement('div');
  v.className = 'value';
  v.textContent = value;
  const l = document.createElement('div');
  l.className = 'dim';
  l.textContent = label;
  d.append(v, l);
  return d;
}

const fmt = (v, digits = 2) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits));

function spark() {
  const c = el('spark');
  const dpr = window.devicePixelRatio || 1;
  c.width = c.clientWidth * dpr;
  c.height = c.clientHeight * dpr;
  const g = c.getContext('2d');
  g.scale(dpr, dpr);
  const w = c.clientWidth, h = c.clientHeight;
  const max = Math.max(0.1, ...rates);
  g.strokeStyle = '#4fa3ff';
  g.beginPath();
  rates.forEach((r, k) => {
    const x = w * k / Math.max(1, rates.length - 1), y = h - 10 - (h - 20) * r / max;
    if (k === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
  g.fillStyle = '#9aa0a6';
  g.fillText(`frames/s (max ${max.toFixed(2)})`, 8, 14);
}

async function poll() {
  try {
    // /api/metrics, not /metrics: the scraper's endpoint answers this machine only, the curator's wherever they sign in.
    const r = await fetch('/api/metrics', { cache: 'no-store', credentials: 'same-origin' });
    if (!r.ok) throw new Error(`metrics: ${r.status} ${r.statusText}`);
    const samples = parseMetrics(await r.text());
    const now = performance.now() / 1000;
    history.push({ t: now, samples });
    while (history.length > 2 && now - history[0].t > windowSeconds) history.shift();
    const first = history[0];
    const dt = now - first.t;
    const segmented = sum(samples, 'acqseg_frames_segmented_total');
    const rate = dt > 0 ? (segmented - sum(first.samples, 'acqseg_frames_segmented_total')) / dt : 0;
    rates.push(rate);
    if (rates.length > 150) rates.shift();
    const total = l => l.stage === 'total';
    const p50 = quantile(first.samples, samples, 'acqseg_segment_seconds', 0.5, total);
    const p95 = quantile(first.samples, samples, 'acqseg_segment_seconds', 0.95, total);
    el('metrics').replaceChildren(
      tile('frames/s (30 s)', fmt(rate)),
      tile('latency p50 / p95 (s)', `${fmt(p50)} / ${fmt(p95)}`),
      tile('waiting to be segmented', String(sum(samples, 'acqseg_queue_depth', l => l.queue === 'segment'))),
      tile('in flight', String(sum(samples, 'acqseg_frames_in_flight'))),
      tile('review queue', String(sum(samples, 'acqseg_review_queue_size'))),
      tile('segmented (total)', String(segmented)),
      tile('flag reasons (total)', String(sum(samples, 'acqseg_frames_flagged_total'))),
      tile('failed (total)', String(sum(samples, 'acqseg_frames_failed_total'))),
    );
    spark();
    el('error').textContent = '';
  } catch (e) {
    showError(el('error'), e);
  }
}

(async () => {
  await requireCurator();
  await renderNav('throughput.html');
  await poll();
  setInterval(poll, 2000);
})();
