// The mask editor: a frame with its mask of class ids painted over it. Tools: brush, eraser
// (paints void), flood fill, polygon, pan; undo/redo; zoom (wheel, buttons, pinch) and pan
// (pan tool, middle button, space + drag, two fingers); overlay opacity. Mouse, pen and touch
// all arrive as pointer events. The mask is a Uint8Array of class ids (void = the class set's
// void id) and leaves as an 8-bit gray PNG, the format the bridge's API takes.
// Some 350 lines: every tool paints the same two canvases (frame and overlay) through the same
// view transform and undo stack, so they share this one class.
'use strict';

class Editor {
  constructor(canvas, palette, voidId) {
    this.canvas = canvas;
    this.g = canvas.getContext('2d');
    this.palette = palette; // [[r, g, b], ...] by class id
    this.voidId = voidId;
    this.tool = 'brush';
    this.cls = 0;
    this.size = 9;
    this.opacity = 0.55;
    this.editable = false;
    this.ids = null;
    this.undoStack = [];
    this.redoStack = [];
    this.polygon = [];
    this.pointers = new Map();
    this.listeners = [];
    this.bind();
  }

  onChange(fn) { this.listeners.push(fn); }

  changed() { for (const fn of this.listeners) fn(this); }

  // A frame (ImageBitmap) and its starting mask (class ids, or null for all void).
  load(image, ids) {
    this.image = image;
    this.w = image.width;
    this.h = image.height;
    this.ids = ids ? Uint8Array.from(ids) : new Uint8Array(this.w * this.h).fill(this.voidId);
    this.start = Uint8Array.from(this.ids);
    this.undoStack = [];
    this.redoStack = [];
    this.polygon = [];
    this.overlay = document.createElement('canvas');
    this.overlay.width = this.w;
    this.overlay.height = this.h;
    this.og = this.overlay.getContext('2d');
    this.paintOverlay(0, 0, this.w, this.h);
    this.fit();
    this.changed();
  }

  fit() {
    const cw = this.canvas.width, ch = this.canvas.height;
    this.scale = Math.min(cw / this.w, ch / this.h);
    this.ox = (cw - this.w * this.scale) / 2;
    this.oy = (ch - this.h * this.scale) / 2;
    this.render();
  }

  zoom(factor, cx, cy) {
    if (!this.ids) return;
    if (cx === undefined) { cx = this.canvas.width / 2; cy = this.canvas.height / 2; }
    const s = Math.min(64, Math.max(0.1, this.scale * factor));
    factor = s / this.scale;
    this.ox = cx - (cx - this.ox) * factor;
    this.oy = cy - (cy - this.oy) * factor;
    this.scale = s;
    this.render();
  }

  // Canvas pixels of a pointer event, and the image coordinates under them.
  canvasPoint(e) {
    const r = this.canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * this.canvas.width / r.width, (e.clientY - r.top) * this.canvas.height / r.height];
  }

  imagePoint(e) {
    const [cx, cy] = this.canvasPoint(e);
    return [(cx - this.ox) / this.scale, (cy - this.oy) / this.scale];
  }

  // --- edits ---------------------------------------------------------------------------------

  snapshot() {
    this.undoStack.push(Uint8Array.from(this.ids));
    if (this.undoStack.length > 100) this.undoStack.shift();
    this.redoStack = [];
  }

  undo() { this.travel(this.undoStack, this.redoStack); }

  redo() { this.travel(this.redoStack, this.undoStack); }

  // Shows the newest state of `from`, keeping the one on screen on `to` (undo and redo).
  travel(from, to) {
    if (!from.length) return;
    to.push(this.ids);
    this.ids = from.pop();
    this.paintOverlay(0, 0, this.w, this.h);
    this.render();
    this.changed();
  }

  paintClass() { return this.tool === 'eraser' ? this.voidId : this.cls; }

  // Every pixel whose centre lies within size/2 of the segment (x0,y0)-(x1,y1): a brush stroke.
  stroke(x0, y0, x1, y1) {
    const r = this.size / 2, v = this.paintClass();
    const minX = Math.max(0, Math.floor(Math.min(x0, x1) - r)), maxX = Math.min(this.w - 1, Math.ceil(Math.max(x0, x1) + r));
    const minY = Math.max(0, Math.floor(Math.min(y0, y1) - r)), maxY = Math.min(this.h - 1, Math.ceil(Math.max(y0, y1) + r));
    const dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    for (let y = minY; y <= maxY; y++) {
      for (let x = minX; x <= maxX; x++) {
        const px = x + 0.5, py = y + 0.5;
        let t = len2 === 0 ? 0 : ((px - x0) * dx + (py - y0) * dy) / len2;
        t = Math.max(0, Math.min(1, t));
        const ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
        if (ex * ex + ey * ey <= r * r) this.ids[y * this.w + x] = v;
      }
    }
    if (maxX >= minX && maxY >= minY) this.paintOverlay(minX, minY, maxX - minX + 1, maxY - minY + 1);
  }

  // The 4-connected region of the clicked pixel's class becomes the chosen class.
  fill(ix, iy) {
    const x0 = Math.floor(ix), y0 = Math.floor(iy);
    if (x0 < 0 || y0 < 0 || x0 >= this.w || y0 >= this.h) return;
    const from = this.ids[y0 * this.w + x0], to = this.cls;
    if (from === to) return;
    this.snapshot();
    const stack = [y0 * this.w + x0];
    this.ids[stack[0]] = to;
    while (stack.length) {
      const i = stack.pop(), x = i % this.w, y = (i - x) / this.w;
      if (x > 0 && this.ids[i - 1] === from) { this.ids[i - 1] = to; stack.push(i - 1); }
      if (x < this.w - 1 && this.ids[i + 1] === from) { this.ids[i + 1] = to; stack.push(i + 1); }
      if (y > 0 && this.ids[i - this.w] === from) { this.ids[i - this.w] = to; stack.push(i - this.w); }
      if (y < this.h - 1 && this.ids[i + this.w] === from) { this.ids[i + this.w] = to; stack.push(i + this.w); }
    }
    this.paintOverlay(0, 0, this.w, this.h);
    this.render();
    this.changed();
  }

  // Pixels whose centre is inside the polygon (even-odd rule) become the chosen class.
  closePolygon() {
    const p = this.polygon;
    this.polygon = [];
    if (p.length < 3) { this.render(); return; }
    this.snapshot();
    const xs = p.map((q) => q[0]), ys = p.map((q) => q[1]);
    const minY = Math.max(0, Math.floor(Math.min(...ys))), maxY = Math.min(this.h - 1, Math.ceil(Math.max(...ys)));
    const minX = Math.max(0, Math.floor(Math.min(...xs))), maxX = Math.min(this.w - 1, Math.ceil(Math.max(...xs)));
    for (let y = minY; y <= maxY; y++) {
      for (let x = minX; x <= maxX; x++) {
        const px = x + 0.5, py = y + 0.5;
        let inside = false;
        for (let i = 0, j = p.length - 1; i < p.length; j = i++) {
          if ((p[i][1] > py) !== (p[j][1] > py) && px < (p[j][0] - p[i][0]) * (py - p[i][1]) / (p[j][1] - p[i][1]) + p[i][0]) inside = !inside;
        }
        if (inside) this.ids[y * this.w + x] = this.cls;
      }
    }
    this.paintOverlay(0, 0, this.w, this.h);
    this.render();
    this.changed();
  }

  // --- drawing -------------------------------------------------------------------------------

  paintOverlay(x, y, w, h) {
    const data = this.og.createImageData(w, h);
    const px = data.data;
    for (let yy = 0; yy < h; yy++) {
      for (let xx = 0; xx < w; xx++) {
        const id = this.ids[(y + yy) * this.w + x + xx], o = (yy * w + xx) * 4, c = this.palette[id];
        if (c) { px[o] = c[0]; px[o + 1] = c[1]; px[o + 2] = c[2]; px[o + 3] = 255; } else { px[o + 3] = 0; }
      }
    }
    this.og.putImageData(data, x, y);
  }

  render() {
    const g = this.g;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.image) return;
    g.imageSmoothingEnabled = false;
    g.setTransform(this.scale, 0, 0, this.scale, this.ox, this.oy);
    g.globalAlpha = 1;
    g.drawImage(this.image, 0, 0);
    g.globalAlpha = this.opacity;
    g.drawImage(this.overlay, 0, 0);
    g.globalAlpha = 1;
    if (this.polygon.length) {
      const c = this.palette[this.cls];
      g.strokeStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
      g.lineWidth = 2 / this.scale;
      g.beginPath();
      this.polygon.forEach((q, i) => (i ? g.lineTo(q[0], q[1]) : g.moveTo(q[0], q[1])));
      g.stroke();
    }
  }

  // --- input ---------------------------------------------------------------------------------

  bind() {
    const c = this.canvas;
    c.style.touchAction = 'none';
    c.addEventListener('contextmenu', (e) => e.preventDefault());
    c.addEventListener('pointerdown', (e) => this.down(e));
    c.addEventListener('pointermove', (e) => this.move(e));
    c.addEventListener('pointerup', (e) => this.up(e));
    c.addEventListener('pointercancel', (e) => this.up(e));
    c.addEventListener('dblclick', (e) => { if (this.tool === 'polygon') { e.preventDefault(); this.closePolygon(); } });
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const [cx, cy] = this.canvasPoint(e);
      this.zoom(e.deltaY < 0 ? 1.25 : 0.8, cx, cy);
    }, { passive: false });
  }

  panning(e) { return this.tool === 'pan' || e.button === 1 || this.spaceDown || this.pointers.size > 1; }

  down(e) {
    if (!this.ids) return;
    this.canvas.setPointerCapture(e.pointerId);
    this.pointers.set(e.pointerId, this.canvasPoint(e));
    if (this.pointers.size === 2) { // a second finger: the stroke becomes a pinch
      if (this.drawing) { this.undo(); this.redoStack.pop(); this.drawing = false; }
      this.pinch = this.pinchState();
      return;
    }
    if (this.panning(e)) { this.drag = this.canvasPoint(e); return; }
    if (!this.editable) return;
    const [ix, iy] = this.imagePoint(e);
    if (this.tool === 'fill') { this.fill(ix, iy); return; }
    if (this.tool === 'polygon') {
      const first = this.polygon[0];
      if (first && this.polygon.length >= 3 && Math.hypot(first[0] - ix, first[1] - iy) * this.scale < 8) this.closePolygon();
      else { this.polygon.push([ix, iy]); this.render(); }
      return;
    }
    this.snapshot();
    this.drawing = true;
    this.last = [ix, iy];
    this.stroke(ix, iy, ix, iy);
    this.render();
  }

  pinchState() {
    const [a, b] = [...this.pointers.values()];
    return { d: Math.hypot(a[0] - b[0], a[1] - b[1]), m: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] };
  }

  move(e) {
    if (!this.pointers.has(e.pointerId)) return;
    this.pointers.set(e.pointerId, this.canvasPoint(e));
    if (this.pinch && this.pointers.size === 2) {
      const now = this.pinchState();
      this.ox += now.m[0] - this.pinch.m[0];
      this.oy += now.m[1] - this.pinch.m[1];
      if (this.pinch.d > 0) this.zoom(now.d / this.pinch.d, now.m[0], now.m[1]);
      this.pinch = now;
      this.render();
      return;
    }
    if (this.drag) {
      const p = this.canvasPoint(e);
      this.ox += p[0] - this.drag[0];
      this.oy += p[1] - this.drag[1];
      this.drag = p;
      this.render();
      return;
    }
    if (this.drawing) {
      const [ix, iy] = this.imagePoint(e);
      this.stroke(this.last[0], this.last[1], ix, iy);
      this.last = [ix, iy];
      this.render();
    }
  }

  up(e) {
    // the browser may coalesce the last moves into the release: the stroke ends where it does
    if (this.drawing && e.type === 'pointerup') {
      const [ix, iy] = this.imagePoint(e);
      this.stroke(this.last[0], this.last[1], ix, iy);
      this.render();
    }
    this.pointers.delete(e.pointerId);
    if (this.pointers.size < 2) this.pinch = null;
    this.drag = null;
    if (this.drawing) { this.drawing = false; this.changed(); }
  }

  // --- results -------------------------------------------------------------------------------

  counts() {
    const n = new Map();
    for (const v of this.ids) n.set(v, (n.get(v) || 0) + 1);
    return n;
  }

  changedPixels() {
    let n = 0;
    for (let i = 0; i < this.ids.length; i++) if (this.ids[i] !== this.start[i]) n++;
    return n;
  }

  // The mask as an 8-bit gray PNG of class ids (filter 0 on every row, zlib via the browser).
  async png() {
    const w = this.w, h = this.h;
    const raw = new Uint8Array((w + 1) * h);
    for (let y = 0; y < h; y++) raw.set(this.ids.subarray(y * w, (y + 1) * w), y * (w + 1) + 1);
    const z = new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer());
    const ihdr = new Uint8Array(13);
    const dv = new DataView(ihdr.buffer);
    dv.setUint32(0, w);
    dv.setUint32(4, h);
    ihdr.set([8, 0, 0, 0, 0], 8); // 8 bits, grayscale, deflate, no filter choice, no interlace
    return new Blob([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', z), chunk('IEND', new Uint8Array(0))], { type: 'image/png' });
  }
}

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function chunk(type, data) {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  let c = 0xffffffff;
  for (let i = 4; i < 8 + data.length; i++) c = CRC[(c ^ out[i]) & 0xff] ^ (c >>> 8);
  dv.setUint32(8 + data.length, (c ^ 0xffffffff) >>> 0);
  return out;
}

window.Editor = Editor;
