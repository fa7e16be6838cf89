import { requireCurator, showError } from './api.js';
import { renderNav } from './nav.js';
import { parseMetrics, quantile, sum } from './metrics.js';
import { drawTimeChart } from './chart.js';

const el = id => document.getElementById(id);
const history = [];
const points = [];
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

const chartSpanMs = 10 * 60 * 1000;

/** Frames/s and latency over the last 10 minutes, one point per poll (latency is a gap while no frame finished). */
function charts() {
  const since = Date.now() - chartSpanMs;
  while (points.length && points[0].t < since) points.shift();
  drawTimeChart(el('rateChart'), {
    title: 'Frames segmented per second (30 s window)', yLabel: 'frames/s', maxSpanMs: chartSpanMs,
    series: [{ name: 'frames/s', colour: '#4fa3ff', points: points.map(p => ({ t: p.t, v: p.rate })) }],
  });
  drawTimeChart(el('latencyChart'), {
    title: 'Segmentation latency per frame (30 s window)', yLabel: 'latency (s)', maxSpanMs: chartSpanMs,
    series: [
      { name: 'p50', colour: '#5fd38d', points: points.map(p => ({ t: p.t, v: p.p50 })) },
      { name: 'p95', colour: '#ffc46b', dash: [6, 4], points: points.map(p => ({ t: p.t, v: p.p95 })) },
    ],
  });
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
    // The first poll has nothing to compare with: no rate yet (a gap, not a zero).
    const rate = dt > 0 ? (segmented - sum(first.samples, 'acqseg_frames_segmented_total')) / dt : null;
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
    points.push({ t: Date.now(), rate, p50, p95 });
    charts();
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
