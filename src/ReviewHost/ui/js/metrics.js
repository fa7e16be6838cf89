// Reads Prometheus' text exposition format into samples: { name, labels: {k: v}, value }.

export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: parseFloat(m[4]) });
  }
  return samples;
}

export function sum(samples, name, filter = () => true) {
  let total = 0;
  for (const s of samples) if (s.name === name && filter(s.labels)) total += s.value;
  return total;
}

/** Quantile from the growth of cumulative histogram buckets between two scrapes (linear within a bucket). */
export function quantile(before, after, name, q, filter = () => true) {
  const buckets = new Map();
  for (const [samples, sign] of [[after, 1], [before, -1]]) {
    for (const s of samples) {
      if (s.name !== name + '_bucket' || !filter(s.labels)) continue;
      const le = s.labels.le === '+Inf' ? Infinity : parseFloat(s.labels.le);
      buckets.set(le, (buckets.get(le) || 0) + sign * s.value);
    }
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.length ? sorted[sorted.length - 1][1] : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0, prevCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + (le - prevLe) * (count === prevCount ? 0 : (rank - prevCount) / (count - prevCount));
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
