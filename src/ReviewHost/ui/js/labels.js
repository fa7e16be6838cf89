// The label image being edited: every change goes through an Edit so it can be undone, and per-label pixel counts
// and boxes are kept up to date so the added / removed tallies and finding an ROI never need a full scan.

export class LabelModel {
  constructor(labels, width, height) {
    this.labels = labels;
    this.width = width;
    this.height = height;
    this.counts = new Map();
    this.boxes = new Map();
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i];
      if (!v) continue;
      this.counts.set(v, (this.counts.get(v) || 0) + 1);
      this.grow(v, i);
    }
    this.original = new Set(this.counts.keys());
    this.nextLabel = 1;
    for (const k of this.counts.keys()) this.nextLabel = Math.max(this.nextLabel, k + 1);
    this.undoStack = [];
    this.redoStack = [];
    this.listeners = [];
  }

  at(x, y) {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return 0;
    return this.labels[y * this.width + x];
  }

  onChange(listener) { this.listeners.push(listener); }

  begin(name) { return new Edit(this, name); }

  /** Sets one pixel (through an edit). */
  set(index, value) {
    const old = this.labels[index];
    if (old === value) return;
    if (old) this.bump(old, -1);
    if (value) {
      this.bump(value, 1);
      this.grow(value, index);
    }
    this.labels[index] = value;
  }

  /** Widens a label's box to hold a pixel. Boxes only grow (an erased edge leaves it wider): they hold, not hug, an ROI. */
  grow(label, index) {
    const x = index % this.width, y = (index - x) / this.width;
    const b = this.boxes.get(label);
    if (!b) {
      this.boxes.set(label, { x0: x, y0: y, x1: x, y1: y });
      return;
    }
    if (x < b.x0) b.x0 = x;
    if (x > b.x1) b.x1 = x;
    if (y < b.y0) b.y0 = y;
    if (y > b.y1) b.y1 = y;
  }

  bump(label, delta) {
    const n = (this.counts.get(label) || 0) + delta;
    if (n > 0) this.counts.set(label, n); else this.counts.delete(label);
  }

  commit(edit) {
    if (edit.size === 0) return false;
    this.undoStack.push(edit.freeze());
    if (this.undoStack.length > 200) this.undoStack.shift();
    this.redoStack.length = 0;
    this.changed(edit.box);
    return true;
  }

  undo() { return this.replay(this.undoStack, this.redoStack, 'before'); }

  redo() { return this.replay(this.redoStack, this.undoStack, 'after'); }

  replay(from, to, which) {
    const step = from.pop();
    if (!step) return null;
    const values = step[which];
    for (let k = 0; k < step.index.length; k++) this.set(step.index[k], values[k]);
    to.push(step);
    this.changed(step.box);
    return step.name;
  }

  changed(box) { for (const l of this.listeners) l(box); }

  get dirty() { return this.undoStack.length > 0; }

  /** ROIs now present, drawn since opening, and removed since opening (a merged-away ROI counts as removed). */
  tally() {
    let added = 0, removed = 0;
    for (const k of this.counts.keys()) if (!this.original.has(k)) added++;
    for (const k of this.original) if (!this.counts.has(k)) removed++;
    return { total: this.counts.size, added, removed };
  }

  newLabel() { return this.nextLabel++; }

  // ---- operations, each one undo step ----

  deleteLabel(label) {
    if (!label) return false;
    const edit = this.begin(`delete ROI ${label}`);
    const box = this.boxOf(label);
    if (!box) return false;
    for (let y = box.y0; y <= box.y1; y++) {
      for (let x = box.x0, i = y * this.width + box.x0; x <= box.x1; x++, i++) {
        if (this.labels[i] === label) edit.set(i, 0);
      }
    }
    return this.commit(edit);
  }

  /** Pixels of <from> become <into>. */
  merge(into, from) {
    if (!into || !from || into === from) return false;
    const box = this.boxOf(from);
    if (!box) return false;
    const edit = this.begin(`merge ROI ${from} into ${into}`);
    for (let y = box.y0; y <= box.y1; y++) {
      for (let x = box.x0, i = y * this.width + box.x0; x <= box.x1; x++, i++) {
        if (this.labels[i] === from) edit.set(i, into);
      }
    }
    return this.commit(edit);
  }

  /** Fills the freehand polygon (frame coordinates) with a new label, taking only unlabelled pixels. */
  fillPolygon(points) {
    if (points.length < 3) return 0;
    let minY = Infinity, maxY = -Infinity;
    for (const [, y] of points) { minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
    const label = this.nextLabel;
    const edit = this.begin(`draw ROI ${label}`);
    const y0 = Math.max(0, Math.floor(minY)), y1 = Math.min(this.height - 1, Math.ceil(maxY));
    const xs = [];
    for (let y = y0; y <= y1; y++) {
      const cy = y + 0.5;
      xs.length = 0;
      for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
        const [xa, ya] = points[j], [xb, yb] = points[i];
        if ((ya <= cy) === (yb <= cy)) continue;
        xs.push(xa + (cy - ya) / (yb - ya) * (xb - xa));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const from = Math.max(0, Math.ceil(xs[k] - 0.5)), to = Math.min(this.width - 1, Math.floor(xs[k + 1] - 0.5));
        for (let x = from, i = y * this.width + from; x <= to; x++, i++) {
          if (this.labels[i] === 0) edit.set(i, label);
        }
      }
    }
    if (edit.size === 0) return 0;
    this.nextLabel++;
    this.commit(edit);
    return label;
  }

  /** Paints a disc into an open edit: brush (label > 0, only onto unlabelled pixels) or eraser (label 0). */
  dab(edit, cx, cy, radius, label, eraseOnly) {
    const r2 = radius * radius;
    const y0 = Math.max(0, Math.floor(cy - radius)), y1 = Math.min(this.height - 1, Math.ceil(cy + radius));
    const x0 = Math.max(0, Math.floor(cx - radius)), x1 = Math.min(this.width - 1, Math.ceil(cx + radius));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0, i = y * this.width + x0; x <= x1; x++, i++) {
        const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
        if (dx * dx + dy * dy > r2) continue;
        const v = this.labels[i];
        if (label) {
          if (v === 0) edit.set(i, label);
        } else if (v && (!eraseOnly || v === eraseOnly)) {
          edit.set(i, 0);
        }
      }
    }
  }

  /**
   * Replaces the whole label image with another of the same size (a re-segmentation) as one undo step. Its ROIs get
   * labels no ROI here had, so the tallies count them as added and the ones they replace as removed. Returns its ROI count.
   */
  replaceAll(next, name) {
    if (next.length !== this.labels.length) throw new Error(`the new labels have ${next.length} pixels, this frame ${this.labels.length}`);
    const edit = this.begin(name);
    const renamed = new Map();
    for (let i = 0; i < next.length; i++) {
      const v = next[i];
      let target = 0;
      if (v) {
        target = renamed.get(v);
        if (target === undefined) {
          target = this.nextLabel++;
          renamed.set(v, target);
        }
      }
      edit.set(i, target);
    }
    this.commit(edit);
    return renamed.size;
  }

  /** A box holding every pixel of the label (null when it has none). */
  boxOf(label) {
    if (!this.counts.has(label)) return null;
    const b = this.boxes.get(label);
    return { x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 };
  }
}

/** One undoable step: the pixels it touched with their values before and after. */
export class Edit {
  constructor(model, name) {
    this.model = model;
    this.name = name;
    this.before = new Map();
    this.box = { x0: Infinity, y0: Infinity, x1: -1, y1: -1 };
  }

  get size() { return this.before.size; }

  set(index, value) {
    const m = this.model;
    if (m.labels[index] === value) return;
    if (!this.before.has(index)) this.before.set(index, m.labels[index]);
    m.set(index, value);
    const x = index % m.width, y = (index / m.width) | 0;
    const b = this.box;
    if (x < b.x0) b.x0 = x;
    if (x > b.x1) b.x1 = x;
    if (y < b.y0) b.y0 = y;
    if (y > b.y1) b.y1 = y;
  }

  /** Applies nothing by itself: reverts what this open edit did (a cancelled stroke). */
  revert() {
    for (const [i, v] of this.before) this.model.set(i, v);
    this.model.changed(this.box);
  }

  freeze() {
    const n = this.before.size;
    const index = new Int32Array(n), before = new Int32Array(n), after = new Int32Array(n);
    let k = 0;
    for (const [i, v] of this.before) {
      index[k] = i;
      before[k] = v;
      after[k] = this.model.labels[i];
      k++;
    }
    return { name: this.name, index, before, after, box: this.box };
  }
}
