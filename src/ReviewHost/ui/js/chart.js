// Time-series charts on a canvas: clock-time axis, y axis labelled with its unit, a legend naming every line.

const colours = { text: '#e6e6e6', dim: '#9aa0a6', grid: '#33373d' };

/** A "nice" tick step (1, 2 or 5 times a power of ten) giving about `count` ticks over `span`. */
function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

const clock = t => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * Draws series over time. series: [{ name, colour, dash?, points: [{ t (ms since epoch), v (null = gap) }] }].
 * The time axis covers the points' age, at least minSpanMs and at most maxSpanMs back from the newest.
 * Sets data-points on the canvas to the number of points drawn (tests read it).
 */
export function drawTimeChart(canvas, { title, yLabel, series, minSpanMs = 60_000, maxSpanMs = 600_000 }) {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = canvas.clientWidth * dpr;
  canvas.height = canvas.clientHeight * dpr;
  const g = canvas.getContext('2d');
  g.scale(dpr, dpr);
  const w = canvas.clientWidth, h = canvas.clientHeight;
  const left = 58, right = 16, top = 26, bottom = 58;
  const pw = w - left - right, ph = h - top - bottom;
  g.font = '12px system-ui, sans-serif';

  const all = series.flatMap(s => s.points);
  const now = all.length ? Math.max(...all.map(p => p.t)) : Date.now();
  const oldest = all.length ? Math.min(...all.map(p => p.t)) : now;
  const spanMs = Math.min(maxSpanMs, Math.max(minSpanMs, now - oldest));
  const t1 = now, t0 = now - spanMs;
  const values = all.filter(p => p.v !== null && Number.isFinite(p.v)).map(p => p.v);
  const step = niceStep(Math.max(...values, 0) || 1, 4);
  const vmax = Math.max(step, Math.ceil(Math.max(...values, 0) / step) * step);
  const x = t => left + pw * (t - t0) / (t1 - t0);
  const y = v => top + ph * (1 - v / vmax);

  g.fillStyle = colours.text;
  g.textAlign = 'left';
  g.fillText(title, left, 16);

  // y axis: ticks, grid, label with the unit
  g.strokeStyle = colours.grid;
  g.fillStyle = colours.dim;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let v = 0; v <= vmax + step / 2; v += step) {
    g.beginPath();
    g.moveTo(left, y(v));
    g.lineTo(left + pw, y(v));
    g.stroke();
    g.fillText(String(+v.toPrecision(3)), left - 6, y(v));
  }
  g.save();
  g.translate(14, top + ph / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.fillText(yLabel, 0, 0);
  g.restore();

  // time axis: clock times at round seconds
  g.textAlign = 'center';
  g.textBaseline = 'top';
  const tickMs = [5, 10, 15, 30, 60, 120, 300, 600].map(s => s * 1000).find(s => spanMs / s <= 6) ?? 600000;
  for (let t = Math.ceil(t0 / tickMs) * tickMs; t <= t1; t += tickMs) {
    g.beginPath();
    g.moveTo(x(t), top + ph);
    g.lineTo(x(t), top + ph + 4);
    g.stroke();
    g.fillText(clock(t), x(t), top + ph + 6);
  }
  g.fillText('time (local clock)', left + pw / 2, top + ph + 22);
  g.strokeStyle = colours.dim;
  g.strokeRect(left, top, pw, ph);

  // lines, then the legend below the axes
  let drawn = 0;
  g.lineWidth = 2;
  for (const s of series) {
    g.strokeStyle = s.colour;
    g.fillStyle = s.colour;
    g.setLineDash(s.dash ?? []);
    g.beginPath();
    let open = false;
    for (const p of s.points) {
      if (p.v === null || !Number.isFinite(p.v) || p.t < t0) { open = false; continue; }
      if (open) g.lineTo(x(p.t), y(p.v)); else g.moveTo(x(p.t), y(p.v));
      open = true;
      drawn++;
    }
    g.stroke();
    g.setLineDash([]);
    for (const p of s.points) {
      if (p.v === null || !Number.isFinite(p.v) || p.t < t0) continue;
      g.beginPath();
      g.arc(x(p.t), y(p.v), 2.5, 0, 2 * Math.PI);
      g.fill();
    }
  }
  g.lineWidth = 1;
  g.textAlign = 'left';
  g.textBaseline = 'middle';
  let lx = left;
  const ly = h - 10;
  for (const s of series) {
    g.strokeStyle = s.colour;
    g.lineWidth = 2;
    g.setLineDash(s.dash ?? []);
    g.beginPath();
    g.moveTo(lx, ly);
    g.lineTo(lx + 22, ly);
    g.stroke();
    g.setLineDash([]);
    g.lineWidth = 1;
    g.fillStyle = colours.text;
    g.fillText(s.name, lx + 28, ly);
    lx += 28 + g.measureText(s.name).width + 24;
  }
  canvas.dataset.points = String(drawn);
}
