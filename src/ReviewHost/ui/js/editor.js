import { ApiError, getBlob, getJson, getPixels, requireCurator, send, showError } from './api.js';
import { renderNav } from './nav.js';
import { LabelModel } from './labels.js';
import { encodeLabelTiff } from './tiff.js';

// The mask editor. The frame and the mask overlay live in full-resolution offscreen canvases; the visible canvas
// only ever draws the part of them that is on screen, and edits repaint the overlay inside their bounding box only,
// so zoom, pan and brushing stay smooth on 2048x2048 frames. Besides the image, the flows and cell-probability views
// (Cellpose's, rendered by the service from the flows file the worker keeps) can take the overlay's place underneath.

const el = id => document.getElementById(id);
const frameId = new URLSearchParams(location.search).get('id');
const status = el('status');
const error = el('error');
const canvas = el('canvas');
const ctx = canvas.getContext('2d');

const state = {
  tool: 'select', selected: 0, zoom: 1, ox: 0, oy: 0, showMasks: true, style: 'outlines', opacity: 0.6, brush: 4,
  stroke: null, edit: null, pan: null, pointer: null, space: false, done: false, me: null, claimLost: false,
  view: 'image', input: null,
};
let W = 0, H = 0, model = null, planes = [], plane = null, planeRange = [0, 1], meanPlane = null;
const imageCanvas = document.createElement('canvas');
const overlayCanvas = document.createElement('canvas');
const palette = new Map();

// ---------- contrast ----------

const slotSelects = ['chanR', 'chanG', 'chanB'];
const composite = () => el('channel').value === 'rgb';

function planeFor(choice) {
  if (choice !== 'mean') return planes[parseInt(choice, 10)];
  if (planes.length === 1) return planes[0];
  if (!meanPlane) {
    meanPlane = new Float32Array(W * H);
    for (const p of planes) for (let i = 0; i < meanPlane.length; i++) meanPlane[i] += p[i] / planes.length;
  }
  return meanPlane;
}

/** A sorted sample of a plane (at most about 200,000 values), kept: percentiles without sorting millions of pixels. */
const samples = new Map();
function sampleOf(values) {
  let s = samples.get(values);
  if (!s) {
    const step = Math.max(1, Math.floor(values.length / 200000));
    s = new Float32Array(Math.ceil(values.length / step));
    for (let i = 0, k = 0; i < values.length; i += step, k++) s[k] = values[i];
    s.sort();
    samples.set(values, s);
  }
  return s;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))];

function chooseChannel() {
  const rgb = composite();
  el('composite').hidden = !rgb;
  if (!rgb) plane = planeFor(el('channel').value);
  autoContrast();
}

/**
 * 1st-99th percentile. On one plane the sliders are values between its smallest and largest; in the RGB composite they
 * are percentiles, so that each channel is stretched between its own.
 */
function autoContrast() {
  if (composite()) {
    el('min').value = 10;
    el('max').value = 990;
  } else {
    const s = sampleOf(plane);
    planeRange = [s[0], s[s.length - 1] > s[0] ? s[s.length - 1] : s[0] + 1];
    const span = planeRange[1] - planeRange[0];
    el('min').value = Math.round(1000 * (quantile(s, 0.01) - planeRange[0]) / span);
    el('max').value = Math.round(1000 * (quantile(s, 0.99) - planeRange[0]) / span);
  }
  el('gamma').value = 1;
  renderImage();
}

/** Writes one plane, stretched between lo and hi through the gamma table, into every 4th byte of px from offset on. */
function stretch(values, lo, hi, lut, px, offset) {
  const scale = 1023 / (hi - lo);
  for (let i = 0, o = offset; i < values.length; i++, o += 4) {
    let t = (values[i] - lo) * scale;
    t = t < 0 ? 0 : t > 1023 ? 1023 : t;
    px[o] = lut[t | 0];
  }
}

function renderImage() {
  const gamma = parseFloat(el('gamma').value);
  const lut = new Uint8ClampedArray(1024);
  for (let k = 0; k < 1024; k++) lut[k] = 255 * Math.pow(k / 1023, gamma);
  const image = new ImageData(W, H);
  const px = image.data;
  if (composite()) {
    const qlo = el('min').value / 1000, qhi = Math.max(qlo + 0.001, el('max').value / 1000);
    const parts = [];
    slotSelects.forEach((id, slot) => {
      const choice = el(id).value;
      if (choice === '') {
        parts.push(`${'RGB'[slot]} none`);
        return;
      }
      const values = planes[parseInt(choice, 10)], s = sampleOf(values);
      const lo = quantile(s, qlo), hi = Math.max(quantile(s, qhi), lo + 1e-6 * Math.max(1, Math.abs(lo)));
      stretch(values, lo, hi, lut, px, slot);
      parts.push(`${'RGB'[slot]} ch ${parseInt(choice, 10) + 1}: ${lo.toPrecision(4)}–${hi.toPrecision(4)}`);
    });
    for (let o = 3; o < px.length; o += 4) px[o] = 255;
    el('range').textContent = `percentiles ${(100 * qlo).toFixed(1)}–${(100 * qhi).toFixed(1)}, gamma ${gamma}; ${parts.join(' · ')}`;
  } else {
    const span = planeRange[1] - planeRange[0];
    const lo = planeRange[0] + span * el('min').value / 1000;
    let hi = planeRange[0] + span * el('max').value / 1000;
    if (hi <= lo) hi = lo + span / 1000;
    el('range').textContent = `${lo.toPrecision(4)} – ${hi.toPrecision(4)}, gamma ${gamma}`;
    stretch(plane, lo, hi, lut, px, 0);
    for (let o = 0; o < px.length; o += 4) {
      px[o + 1] = px[o + 2] = px[o];
      px[o + 3] = 255;
    }
  }
  imageCanvas.getContext('2d').putImageData(image, 0, 0);
  requestDraw();
}

// ---------- views ----------

const viewOrder = ['image', 'flows', 'cellprob'];
const viewNames = { image: 'image', flows: 'flows', cellprob: 'cell probability' };
const viewImages = new Map();
const viewLoads = new Map();
let viewsUnavailable = null;

/** Enables the flows and cell-probability buttons, or disables them saying why (the frame detail's reason). */
function describeViews(views) {
  viewsUnavailable = views?.flows ? null : views?.flowsUnavailable || 'the service did not say whether this frame has flows';
  for (const view of ['flows', 'cellprob']) {
    const button = document.querySelector(`[data-view="${view}"]`);
    button.disabled = viewsUnavailable !== null;
    if (viewsUnavailable) {
      // A disabled button gets no pointer events in some browsers: its slot carries the tooltip too.
      button.title = el(`${view}Slot`).title = `No ${viewNames[view]} view: ${viewsUnavailable}`;
    }
  }
  const note = el('viewNote');
  note.hidden = viewsUnavailable === null;
  note.textContent = viewsUnavailable ? `Flows and cell probability: ${viewsUnavailable}.` : '';
}

/** The view's picture, fetched once (the service renders it from the flows file). */
function loadView(view) {
  let pending = viewLoads.get(view);
  if (!pending) {
    pending = getBlob(`/api/frames/${frameId}/${view}.png`).then(createImageBitmap).then(bitmap => {
      if (bitmap.width !== W || bitmap.height !== H) throw new Error(`the ${viewNames[view]} view is ${bitmap.width}x${bitmap.height}, the frame ${W}x${H}`);
      viewImages.set(view, bitmap);
      return bitmap;
    });
    pending.catch(() => viewLoads.delete(view));
    viewLoads.set(view, pending);
  }
  return pending;
}

async function setView(view) {
  if (view !== 'image' && viewsUnavailable) {
    showError(error, `No ${viewNames[view]} view: ${viewsUnavailable}`);
    return;
  }
  if (view !== 'image' && !viewImages.has(view)) {
    say(`loading the ${viewNames[view]} view…`);
    try {
      await loadView(view);
    } catch (e) {
      showError(error, e);
      return;
    }
    say(`${viewNames[view]} view`);
  }
  state.view = view;
  document.body.dataset.view = view;
  for (const b of document.querySelectorAll('[data-view]')) b.classList.toggle('active', b.dataset.view === view);
  requestDraw();
}

/** W / S as in Cellpose's GUI: the previous or next view. */
function stepView(delta) {
  if (viewsUnavailable) {
    showError(error, `Only the image view: ${viewsUnavailable}`);
    return;
  }
  setView(viewOrder[(viewOrder.indexOf(state.view) + delta + viewOrder.length) % viewOrder.length]);
}

// ---------- mask overlay ----------

function colour(label) {
  let c = palette.get(label);
  if (!c) {
    const h = (label * 0.618033988749895) % 1, s = 0.85, l = 0.55;
    const f = n => {
      const k = (n + h * 12) % 12;
      return Math.round(255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
    };
    c = [f(0), f(8), f(4)];
    palette.set(label, c);
  }
  return c;
}

/** Repaints the overlay inside a frame-coordinate box (grown by one pixel: outlines depend on neighbours). */
function paintOverlay(box) {
  const x0 = Math.max(0, Math.floor(box.x0) - 1), y0 = Math.max(0, Math.floor(box.y0) - 1);
  const x1 = Math.min(W - 1, Math.ceil(box.x1) + 1), y1 = Math.min(H - 1, Math.ceil(box.y1) + 1);
  if (x1 < x0 || y1 < y0) return;
  const w = x1 - x0 + 1, h = y1 - y0 + 1;
  const region = new ImageData(w, h);
  const px = region.data, lab = model.labels, style = state.style, selected = state.selected;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const i = y * W + x, v = lab[i];
      if (!v) continue;
      const edge = x === 0 || y === 0 || x === W - 1 || y === H - 1 || lab[i - 1] !== v || lab[i + 1] !== v || lab[i - W] !== v || lab[i + W] !== v;
      if (style === 'outlines' && !edge && v !== selected) continue;
      const o = 4 * ((y - y0) * w + (x - x0));
      if (v === selected) {
        px[o] = 255; px[o + 1] = 255; px[o + 2] = edge ? 255 : 160; px[o + 3] = edge ? 255 : 110;
        continue;
      }
      const c = colour(v);
      px[o] = c[0]; px[o + 1] = c[1]; px[o + 2] = c[2];
      px[o + 3] = edge ? 255 : style === 'fill' ? 255 : 120;
    }
  }
  overlayCanvas.getContext('2d').putImageData(region, x0, y0);
  requestDraw();
}

function paintAll() { paintOverlay({ x0: 0, y0: 0, x1: W - 1, y1: H - 1 }); }

function select(label) {
  const old = state.selected;
  state.selected = label;
  for (const l of [old, label]) {
    const box = l ? model.boxOf(l) : null;
    if (box) paintOverlay(box);
  }
  updateCounts();
  highlightRow();
}

// ---------- ROI list ----------

let roiListPending = false;
/** The list is rebuilt once the frame showing the edit is painted: the canvas answers the hand first. */
function requestRoiList() {
  if (roiListPending) return;
  roiListPending = true;
  requestAnimationFrame(() => afterPaint(renderRoiList));
}

/** Every ROI with its area, in the chosen order; rebuilt after each edit (not during a stroke: edits commit on release). */
function renderRoiList() {
  roiListPending = false;
  const sort = el('roiSort').value;
  const rows = [...model.counts.entries()];
  if (sort === 'label') rows.sort((a, b) => a[0] - b[0]);
  else if (sort === '-area') rows.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  else rows.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  const fragment = document.createDocumentFragment();
  for (const [label, area] of rows) {
    const tr = document.createElement('tr');
    tr.dataset.label = label;
    const name = document.createElement('td');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = `rgb(${colour(label).join(',')})`;
    name.append(swatch, String(label));
    const size = document.createElement('td');
    size.className = 'num';
    size.textContent = String(area);
    tr.append(name, size);
    fragment.append(tr);
  }
  el('roiRows').replaceChildren(fragment);
  el('roiList').dataset.rows = rows.length;
  highlightRow();
}

/** Marks the selected ROI's row and scrolls the list (only the list) to it. */
function highlightRow() {
  const body = el('roiRows');
  for (const tr of body.querySelectorAll('tr.selected')) tr.classList.remove('selected');
  const row = state.selected ? body.querySelector(`tr[data-label="${state.selected}"]`) : null;
  if (!row) return;
  row.classList.add('selected');
  const list = el('roiList');
  const top = row.offsetTop, bottom = top + row.offsetHeight, head = row.offsetHeight;
  if (top - head < list.scrollTop) list.scrollTop = top - head;
  else if (bottom > list.scrollTop + list.clientHeight) list.scrollTop = bottom - list.clientHeight;
}

/** Pans so that an ROI picked in the list is on screen (the zoom stays). */
function reveal(label) {
  const box = model.boxOf(label);
  if (!box) return;
  const cw = canvas.clientWidth, ch = canvas.clientHeight;
  const [sx0, sy0] = toScreen(box.x0, box.y0), [sx1, sy1] = toScreen(box.x1 + 1, box.y1 + 1);
  if (sx0 >= 0 && sy0 >= 0 && sx1 <= cw && sy1 <= ch) return;
  state.ox = cw / 2 - (box.x0 + box.x1 + 1) / 2 * state.zoom;
  state.oy = ch / 2 - (box.y0 + box.y1 + 1) / 2 * state.zoom;
  requestDraw();
}

// ---------- view ----------

let drawPending = false;
function requestDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(draw);
}

// What the page measured, for `acqseg bench --ui`: when the frame was first painted (ms since navigation), and per edit
// or pan step the time from its input event to the frame that shows it painted.
const timings = { firstPaint: null, inputs: [] };

/** Runs fn once the frame being produced now is painted: a message posted during a frame is handled after it. */
function afterPaint(fn) {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => fn(performance.now());
  channel.port2.postMessage(null);
}

function inputHappened(event, name) {
  state.input = { at: event ? event.timeStamp : performance.now(), name };
}

function draw() {
  drawPending = false;
  const dpr = window.devicePixelRatio || 1;
  const cw = canvas.clientWidth, ch = canvas.clientHeight;
  if (canvas.width !== Math.round(cw * dpr) || canvas.height !== Math.round(ch * dpr)) {
    canvas.width = Math.round(cw * dpr);
    canvas.height = Math.round(ch * dpr);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, cw, ch);
  if (!model) return;
  const z = state.zoom;
  // Only the visible part of the frame is drawn.
  const fx0 = Math.max(0, Math.floor(-state.ox / z)), fy0 = Math.max(0, Math.floor(-state.oy / z));
  const fx1 = Math.min(W, Math.ceil((cw - state.ox) / z)), fy1 = Math.min(H, Math.ceil((ch - state.oy) / z));
  if (fx1 > fx0 && fy1 > fy0) {
    const args = [fx0, fy0, fx1 - fx0, fy1 - fy0, state.ox + fx0 * z, state.oy + fy0 * z, (fx1 - fx0) * z, (fy1 - fy0) * z];
    ctx.imageSmoothingEnabled = z < 1;
    ctx.drawImage(state.view === 'image' ? imageCanvas : viewImages.get(state.view), ...args);
    if (state.showMasks) {
      ctx.globalAlpha = state.opacity;
      ctx.drawImage(overlayCanvas, ...args);
      ctx.globalAlpha = 1;
    }
  }
  if (state.stroke && state.stroke.length > 1) {
    ctx.strokeStyle = '#ffe14d';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    state.stroke.forEach(([x, y], k) => {
      const [sx, sy] = toScreen(x, y);
      if (k === 0) ctx.moveTo(sx, sy); else ctx.lineTo(sx, sy);
    });
    ctx.stroke();
  }
  if (state.pointer && (state.tool === 'brush' || state.tool === 'eraser')) {
    const [sx, sy] = toScreen(state.pointer[0], state.pointer[1]);
    ctx.strokeStyle = state.tool === 'brush' ? '#ffffff' : '#ff6b6b';
    ctx.beginPath();
    ctx.arc(sx, sy, state.brush * z, 0, 2 * Math.PI);
    ctx.stroke();
  }
  if (timings.firstPaint === null) {
    timings.firstPaint = false;
    afterPaint(now => { timings.firstPaint = now; });
  }
  if (state.input) {
    const input = state.input;
    state.input = null;
    afterPaint(now => {
      timings.inputs.push({ name: input.name, ms: now - input.at });
      if (timings.inputs.length > 500) timings.inputs.shift();
    });
  }
}

function toScreen(x, y) { return [state.ox + x * state.zoom, state.oy + y * state.zoom]; }

function toFrame(event) {
  const r = canvas.getBoundingClientRect();
  return [(event.clientX - r.left - state.ox) / state.zoom, (event.clientY - r.top - state.oy) / state.zoom];
}

function fit() {
  const cw = canvas.clientWidth, ch = canvas.clientHeight;
  state.zoom = Math.min(cw / W, ch / H) * 0.96;
  state.ox = (cw - W * state.zoom) / 2;
  state.oy = (ch - H * state.zoom) / 2;
  requestDraw();
}

function zoomAt(factor, sx, sy) {
  const z = Math.min(64, Math.max(0.05, state.zoom * factor));
  state.ox = sx - (sx - state.ox) * (z / state.zoom);
  state.oy = sy - (sy - state.oy) * (z / state.zoom);
  state.zoom = z;
  requestDraw();
}

// ---------- tools ----------

function setTool(tool) {
  state.tool = tool;
  for (const b of document.querySelectorAll('[data-tool]')) b.classList.toggle('active', b.dataset.tool === tool);
  canvas.style.cursor = tool === 'select' ? 'default' : 'crosshair';
  requestDraw();
}

function labelAt([x, y]) { return model.at(Math.floor(x), Math.floor(y)); }

function say(text) {
  status.textContent = text;
  error.textContent = '';
}

function deleteRoi(label) {
  if (!label) return;
  if (state.selected === label) state.selected = 0;
  if (model.deleteLabel(label)) say(`deleted ROI ${label}`);
}

function dabLine(from, to) {
  const r = state.brush;
  const steps = Math.max(1, Math.ceil(Math.hypot(to[0] - from[0], to[1] - from[1]) / Math.max(0.5, r / 2)));
  const label = state.tool === 'brush' ? state.selected : 0;
  for (let k = 1; k <= steps; k++) {
    const x = from[0] + (to[0] - from[0]) * k / steps, y = from[1] + (to[1] - from[1]) * k / steps;
    model.dab(state.edit, x, y, r, label, state.tool === 'eraser' ? state.selected : 0);
  }
  const xs = [from[0], to[0]], ys = [from[1], to[1]];
  paintOverlay({ x0: Math.min(...xs) - r, y0: Math.min(...ys) - r, x1: Math.max(...xs) + r, y1: Math.max(...ys) + r });
}

function pointerDown(event) {
  if (!model || state.done) return;
  canvas.focus();
  canvas.setPointerCapture(event.pointerId);
  const p = toFrame(event);
  state.pointer = p;
  if (event.button === 1 || event.button === 2 || state.space) {
    state.pan = { x: event.clientX, y: event.clientY, moved: 99 };
    return;
  }
  if (event.button !== 0) return;
  if (event.ctrlKey || event.metaKey) {
    const hit = labelAt(p);
    if (hit) inputHappened(event, 'delete');
    deleteRoi(hit);
    return;
  }
  const label = labelAt(p);
  switch (state.tool) {
    case 'select':
      state.pan = { x: event.clientX, y: event.clientY, moved: 0, label, shift: event.shiftKey };
      break;
    case 'draw':
      state.stroke = [p];
      break;
    case 'merge':
      if (!label) break;
      inputHappened(event, 'merge');
      if (!state.selected || state.selected === label) {
        select(label);
        say(`merge: ROI ${label} selected; click the ROI to merge into it`);
      } else {
        const into = state.selected;
        if (model.merge(into, label)) say(`merged ROI ${label} into ${into}`);
        select(into);
      }
      break;
    case 'brush':
      if (!state.selected && label) select(label);
      if (!state.selected) {
        showError(error, 'brush: select an ROI first (click it), or draw a new one');
        break;
      }
      inputHappened(event, 'brush');
      state.edit = model.begin(`brush ROI ${state.selected}`);
      dabLine(p, p);
      break;
    case 'eraser':
      inputHappened(event, 'erase');
      state.edit = model.begin(state.selected ? `erase ROI ${state.selected}` : 'erase');
      dabLine(p, p);
      break;
  }
  requestDraw();
}

function pointerMove(event) {
  if (!model) return;
  const p = toFrame(event);
  const last = state.pointer;
  state.pointer = p;
  if (state.pan) {
    const dx = event.clientX - state.pan.x, dy = event.clientY - state.pan.y;
    state.pan.moved += Math.abs(dx) + Math.abs(dy);
    if (state.pan.moved > 3) {
      inputHappened(event, 'pan');
      state.ox += dx;
      state.oy += dy;
    }
    state.pan.x = event.clientX;
    state.pan.y = event.clientY;
  } else if (state.stroke) {
    const [lx, ly] = state.stroke[state.stroke.length - 1];
    if (Math.hypot(p[0] - lx, p[1] - ly) >= 0.5) state.stroke.push(p);
  } else if (state.edit && last) {
    dabLine(last, p);
  }
  requestDraw();
}

function pointerUp(event) {
  if (state.pan) {
    const pan = state.pan;
    state.pan = null;
    if (pan.moved <= 3 && state.tool === 'select') {
      if (pan.shift && state.selected && pan.label && pan.label !== state.selected) {
        const into = state.selected;
        if (model.merge(into, pan.label)) say(`merged ROI ${pan.label} into ${into}`);
        select(into);
      } else {
        select(pan.label);
      }
    }
  }
  if (state.stroke) {
    const points = state.stroke;
    state.stroke = null;
    inputHappened(event, 'draw');
    const label = model.fillPolygon(points);
    if (label) {
      say(`drew ROI ${label} (${model.counts.get(label)} px)`);
      select(label);
    } else if (points.length > 2) {
      showError(error, 'draw: the outline enclosed no unlabelled pixel');
    }
  }
  if (state.edit) {
    const edit = state.edit;
    state.edit = null;
    if (model.commit(edit)) say(edit.name);
  }
  requestDraw();
}

function undo() {
  cancelStroke();
  const name = model.undo();
  say(name ? `undid: ${name}` : 'nothing to undo');
}

function redo() {
  cancelStroke();
  const name = model.redo();
  say(name ? `redid: ${name}` : 'nothing to redo');
}

function cancelStroke() {
  state.stroke = null;
  if (state.edit) {
    state.edit.revert();
    state.edit = null;
  }
  requestDraw();
}

function updateCounts() {
  const t = model.tally();
  const box = el('counts');
  box.textContent = `ROIs ${t.total} · added ${t.added} · removed ${t.removed}` + (state.selected ? ` · selected ${state.selected}` : '');
  box.dataset.total = t.total;
  box.dataset.added = t.added;
  box.dataset.removed = t.removed;
}

// ---------- save / accept / next ----------

function finish(text) {
  state.done = true;
  model.undoStack.length = 0;
  for (const id of ['save', 'accept']) el(id).disabled = true;
  rsEnable();
  say(text);
}

async function save() {
  if (state.done) return;
  cancelStroke();
  error.textContent = '';
  try {
    const blob = encodeLabelTiff(model.labels, W, H);
    const r = await send('POST', `/api/frames/${frameId}/correction`, blob);
    finish(`Saved correction: ${r.objects} ROIs (N: next frame)`);
  } catch (e) {
    if (!showClaimHolder(e)) showError(error, e);
  }
}

/** A refusal because another curator holds the frame: says who and until what local time, in its own line. */
function showClaimHolder(e) {
  const holder = e instanceof ApiError && e.status === 409 ? e.problem?.claimedBy : null;
  if (!holder) return false;
  const until = new Date(e.problem.claimExpiresAt);
  const note = el('claim');
  note.textContent = `${holder} is reviewing this frame until ${until.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
    + ' (your time). You can look; Save and Accept come back when they leave it or the claim runs out.';
  note.title = until.toLocaleString();
  note.hidden = false;
  return true;
}

async function accept() {
  if (state.done) return;
  if (model.dirty && !confirm('Discard your edits and accept the model\'s masks as they are?')) return;
  try {
    await send('POST', `/api/frames/${frameId}/accept`);
    finish('Accepted as is (N: next frame)');
  } catch (e) {
    if (!showClaimHolder(e)) showError(error, e);
  }
}

async function next() {
  if (!state.done && model && model.dirty && !confirm('Leave this frame without saving your edits?')) return;
  try {
    const q = await getJson('/api/queue?limit=1000');
    const candidates = q.frames.filter(f => f.id !== frameId && (!f.claim || f.claim.curator === state.me));
    for (const f of candidates) {
      try {
        await send('POST', `/api/frames/${f.id}/claim`);
      } catch (e) {
        if (e instanceof ApiError && e.status === 409) continue;
        throw e;
      }
      await release();
      state.leaving = true;
      location.href = `/ui/editor.html?id=${f.id}`;
      return;
    }
    say('No other frame is waiting for review.');
  } catch (e) {
    showError(error, e);
  }
}

/** Puts a frame that is not in review into the queue, then reopens it: the editor claims it and edits are saved. */
async function sendToReview() {
  error.textContent = '';
  try {
    await send('POST', `/api/frames/${frameId}/send-to-review`);
    state.leaving = true;
    location.reload();
  } catch (e) {
    showError(error, e);
  }
}

// ---------- re-segment ----------

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const rsFields = [['rsDiameter', 'diameter'], ['rsFlow', 'flowThreshold'], ['rsCellprob', 'cellprobThreshold']];

function rsSay(text) { el('rsStatus').textContent = text; }

function rsEnable() {
  el('rsRun').disabled = state.done || state.claimLost || state.resegmenting;
  for (const [id] of rsFields) el(id).disabled = state.done || state.claimLost;
}

/**
 * Cellpose's "run the model again with another diameter": the service's segment worker runs the frame with these
 * settings, and the result replaces the masks here as one undoable edit. Nothing is stored until Save.
 */
async function resegment() {
  if (state.done || state.claimLost || state.resegmenting || !model) return;
  error.textContent = '';
  const body = {};
  for (const [id, key] of rsFields) {
    const text = el(id).value.trim();
    if (text === '') continue;
    const value = Number(text);
    if (!Number.isFinite(value)) {
      showError(error, `${el(id).parentElement.textContent.trim()}: '${text}' is not a number`);
      return;
    }
    body[key] = value;
  }
  state.resegmenting = true;
  rsEnable();
  try {
    let r;
    try {
      r = await send('POST', `/api/frames/${frameId}/resegment`, body);
    } catch (e) {
      // A request of this frame is still waiting (a reload while it ran): follow it instead.
      const pending = e instanceof ApiError && e.status === 409 ? e.problem?.pending : null;
      if (!pending) throw e;
      r = await getJson(`/api/resegmentations/${pending}`);
    }
    while (r.state === 'Requested') {
      rsSay(r.waiting ? `Still waiting after ${Math.round(r.waitedSeconds)} s: ${r.waiting}` : `Running on a segment worker… ${Math.round(r.waitedSeconds)} s`);
      await sleep(r.waitedSeconds < 5 ? 300 : 1000);
      r = await getJson(`/api/resegmentations/${r.id}`);
    }
    if (r.state !== 'Done') throw new Error(`Re-segment failed: ${r.reason}`);
    const labels = await getPixels(r.labelsUrl);
    if (labels.width !== W || labels.height !== H) throw new Error(`the re-segmented masks are ${labels.width}x${labels.height}, the frame ${W}x${H}`);
    cancelStroke();
    select(0);
    const settings = `diameter ${r.diameterUsed.toFixed(1)} px (${r.diameterSource.replace('_', ' ')}), flow threshold ${r.flowThresholdUsed}, cellprob threshold ${r.cellprobThresholdUsed}`;
    const count = model.replaceAll(labels.data, `re-segment: ${r.objectCount} ROIs at ${settings}`);
    el('rsDiameter').placeholder = r.diameterUsed.toFixed(1);
    rsSay(`${count} ROIs from ${r.model} v${r.modelVersion} at ${settings}, in ${r.seconds.toFixed(1)} s. Save keeps them as your correction; Undo goes back.`);
    say(`re-segmented: ${count} ROIs`);
    el('rsRun').dataset.done = String((parseInt(el('rsRun').dataset.done || '0', 10)) + 1);
  } catch (e) {
    rsSay('');
    if (!showClaimHolder(e)) showError(error, e);
  } finally {
    state.resegmenting = false;
    rsEnable();
  }
}

async function release() {
  if (state.done || state.claimLost) return;
  try {
    await send('DELETE', `/api/frames/${frameId}/claim`, undefined, { keepalive: true });
  } catch { /* the claim expires by itself */ }
}

// ---------- wiring ----------

function onKey(event) {
  const t = event.target;
  if (t instanceof HTMLInputElement && t.type !== 'range' && t.type !== 'checkbox') return;
  if (t instanceof HTMLSelectElement) return;
  const k = event.key, ctrl = event.ctrlKey || event.metaKey;
  const handled = () => event.preventDefault();
  if (ctrl && (k === 'z' || k === 'Z')) { handled(); inputHappened(event, 'undo'); if (event.shiftKey) redo(); else undo(); return; }
  if (ctrl && (k === 'y' || k === 'Y')) { handled(); inputHappened(event, 'redo'); redo(); return; }
  if (ctrl && (k === 's' || k === 'S')) { handled(); save(); return; }
  if (ctrl) return;
  const tools = { v: 'select', 1: 'select', d: 'draw', 2: 'draw', b: 'brush', 3: 'brush', e: 'eraser', 4: 'eraser', m: 'merge', 5: 'merge' };
  const key = k.toLowerCase();
  if (event.shiftKey && key === 'a') { handled(); accept(); return; }
  if (tools[key]) { handled(); setTool(tools[key]); return; }
  switch (k) {
    case 'Delete': case 'Backspace': handled(); if (state.selected) inputHappened(event, 'delete'); deleteRoi(state.selected); break;
    case 'Escape': cancelStroke(); select(0); break;
    case '[': state.brush = Math.max(1, state.brush - 1); el('brush').value = state.brush; requestDraw(); break;
    case ']': state.brush = Math.min(40, state.brush + 1); el('brush').value = state.brush; requestDraw(); break;
    case '+': case '=': zoomAt(1.25, canvas.clientWidth / 2, canvas.clientHeight / 2); break;
    case '-': zoomAt(0.8, canvas.clientWidth / 2, canvas.clientHeight / 2); break;
    case '0': fit(); break;
    case 'o': case 'O': {
      const styles = ['outlines', 'fill', 'both'];
      el('maskStyle').value = state.style = styles[(styles.indexOf(state.style) + 1) % styles.length];
      paintAll();
      break;
    }
    case 'x': case 'X': el('showMasks').checked = state.showMasks = !state.showMasks; requestDraw(); break;
    case 'i': case 'I': setView('image'); break;
    case 'f': case 'F': setView('flows'); break;
    case 'p': case 'P': setView('cellprob'); break;
    case 'w': case 'W': stepView(-1); break;
    case 's': case 'S': stepView(1); break;
    case 'n': case 'N': next(); break;
    case ' ': state.space = true; handled(); break;
    default: return;
  }
}

function wire() {
  canvas.addEventListener('pointerdown', pointerDown);
  canvas.addEventListener('pointermove', pointerMove);
  canvas.addEventListener('pointerup', pointerUp);
  canvas.addEventListener('pointercancel', pointerUp);
  canvas.addEventListener('pointerleave', () => { state.pointer = null; requestDraw(); });
  canvas.addEventListener('contextmenu', e => e.preventDefault());
  canvas.addEventListener('wheel', e => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    zoomAt(Math.pow(1.0015, -e.deltaY), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  document.addEventListener('keydown', onKey);
  document.addEventListener('keyup', e => { if (e.key === ' ') state.space = false; });
  for (const b of document.querySelectorAll('[data-tool]')) b.addEventListener('click', () => setTool(b.dataset.tool));
  el('delete').addEventListener('click', () => deleteRoi(state.selected));
  el('undo').addEventListener('click', undo);
  el('redo').addEventListener('click', redo);
  el('fit').addEventListener('click', fit);
  el('brush').addEventListener('input', () => { state.brush = parseInt(el('brush').value, 10); });
  el('showMasks').addEventListener('change', () => { state.showMasks = el('showMasks').checked; requestDraw(); });
  el('maskStyle').addEventListener('change', () => { state.style = el('maskStyle').value; paintAll(); });
  el('opacity').addEventListener('input', () => { state.opacity = parseFloat(el('opacity').value); requestDraw(); });
  el('channel').addEventListener('change', chooseChannel);
  for (const id of slotSelects) el(id).addEventListener('change', renderImage);
  for (const b of document.querySelectorAll('[data-view]')) b.addEventListener('click', () => setView(b.dataset.view));
  el('roiSort').addEventListener('change', renderRoiList);
  el('roiRows').addEventListener('click', e => {
    const row = e.target.closest('tr[data-label]');
    if (!row) return;
    const label = parseInt(row.dataset.label, 10);
    select(label);
    reveal(label);
  });
  for (const id of ['min', 'max', 'gamma']) el(id).addEventListener('input', renderImage);
  el('autoContrast').addEventListener('click', autoContrast);
  el('save').addEventListener('click', save);
  el('accept').addEventListener('click', accept);
  el('next').addEventListener('click', next);
  el('sendToReview').addEventListener('click', sendToReview);
  el('rsRun').addEventListener('click', resegment);
  for (const [id] of rsFields) el(id).addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); resegment(); } });
  new ResizeObserver(requestDraw).observe(el('viewport'));
  window.addEventListener('beforeunload', e => {
    if (!state.done && !state.leaving && model && model.dirty) e.preventDefault();
  });
  window.addEventListener('pagehide', () => { if (!state.leaving) release(); });
}

async function load() {
  const session = await requireCurator();
  state.me = session.curator;
  if (!frameId) {
    await renderNav('');
    showError(error, 'no frame given: open one from the queue');
    return;
  }
  // The large reads start at once, beside the frame's details and the claim (reading needs no claim).
  const transfers = Promise.all([getPixels(`/api/frames/${frameId}/pixels`), getPixels(`/api/frames/${frameId}/labels`)]);
  transfers.catch(() => { /* reported where it is awaited */ });
  const [detail] = await Promise.all([getJson(`/api/frames/${frameId}`), renderNav('')]);
  const inReview = detail.frame.state === 'Flagged';
  if (inReview) {
    try {
      await send('POST', `/api/frames/${frameId}/claim`);
    } catch (e) {
      state.claimLost = true;
      if (!showClaimHolder(e)) showError(error, e);
      for (const id of ['save', 'accept']) el(id).disabled = true;
    }
  }
  const [pixels, labels] = await transfers;
  W = pixels.width;
  H = pixels.height;
  if (labels.width !== W || labels.height !== H) throw new Error(`the masks are ${labels.width}x${labels.height}, the frame ${W}x${H}`);
  // Planes stay in the type they came in (uint8, uint16 or float32): drawing only reads them.
  planes = Array.from({ length: pixels.channels }, (_, c) => pixels.data.subarray(c * W * H, (c + 1) * W * H));
  for (const c of [imageCanvas, overlayCanvas]) { c.width = W; c.height = H; }
  model = new LabelModel(labels.data instanceof Int32Array ? labels.data : Int32Array.from(labels.data), W, H);
  model.onChange(box => { paintOverlay(box); updateCounts(); requestRoiList(); });

  el('title').textContent = detail.frame.path.split('/').pop();
  el('meta').textContent = `${detail.frame.acquisition} · ${detail.frame.model} v${detail.frame.modelVersion ?? '?'} · ${W}x${H}`
    + (labels.source === 'correction' ? ' · masks: the latest correction' : '');
  el('reasons').textContent = detail.reasons.map(r => `${r.reason}: ${r.detail}`).join('; ');
  const channel = el('channel');
  if (planes.length > 1) {
    // Several channels open as Cellpose's GUI shows them: an RGB composite (channel 1 red, 2 green, 3 blue).
    channel.append(new Option('RGB composite', 'rgb'), new Option('mean', 'mean'));
    slotSelects.forEach((id, slot) => {
      const select = el(id);
      select.append(new Option('none', ''));
      planes.forEach((_, c) => select.append(new Option(`channel ${c + 1}`, String(c))));
      select.value = slot < planes.length ? String(slot) : '';
    });
  }
  planes.forEach((_, c) => channel.append(new Option(`channel ${c + 1}`, String(c))));
  describeViews(detail.views);
  const recorded = detail.stats?.diameter;
  el('rsDiameter').placeholder = recorded ? `${recorded.toFixed(1)} (as segmented)` : "worker's";
  if (!inReview) {
    const sendable = ['Segmented', 'Accepted', 'Corrected', 'Skipped'].includes(detail.frame.state);
    finish(sendable
      ? `This frame is ${detail.frame.state}, not in review: Send to review to correct it.`
      : `This frame is ${detail.frame.state}; it has no masks to review.`);
    el('sendToReview').hidden = !sendable;
  }
  wire();
  rsEnable();
  setTool('select');
  chooseChannel();
  paintAll();
  updateCounts();
  renderRoiList();
  setView('image');
  fit();
  setInterval(() => { if (!state.done && !state.claimLost) send('POST', `/api/frames/${frameId}/claim`).catch(e => showError(error, e)); }, 5 * 60 * 1000);
  // Automation (and curious users) can map frame pixels to the page.
  window.acqsegEditor = {
    toClient(x, y) {
      const r = canvas.getBoundingClientRect();
      const [sx, sy] = toScreen(x, y);
      return { x: r.left + sx, y: r.top + sy };
    },
    tally: () => model.tally(),
    labelAt: (x, y) => model.at(x, y),
    labels: () => model.labels,
    pixels: () => planes[0],
    selected: () => state.selected,
    sampleTypes: { pixels: pixels.type, labels: labels.type },
    timings,
  };
  document.body.dataset.ready = 'true';
}

load().catch(e => showError(error, e));
