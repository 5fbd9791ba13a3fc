// The demo dashboard: polls /api/state and draws numbers, frames with their overlay, charts.
'use strict';

const $ = (id) => document.getElementById(id);
const drawn = new Map(); // frameId -> canvas already drawn

function fixed(v, digits) { return v === null || v === undefined ? '–' : Number(v).toFixed(digits); }

function pct(v) { return v === null || v === undefined ? '–' : (100 * v).toFixed(1) + ' %'; }

function numbers(s) {
  const items = [
    ['frames in', s.framesIn],
    ['labels requested / sent', `${s.labelsRequested} / ${s.labelsSent}`],
    ['trainer step', s.trainerStep],
    ['loss sup / unsup', `${fixed(s.supervisedLoss, 3)} / ${fixed(s.unsupervisedLoss, 3)}`],
    ['validation mIoU', pct(s.validationMiou)],
    ['published version', s.publishedVersion < 0 ? '–' : 'v' + s.publishedVersion],
    ['serving version', s.servingVersion < 0 ? '–' : 'v' + s.servingVersion],
    ['inference frames/s', fixed(s.inferenceFramesPerSecond, 1)],
    ['consumer lag', s.consumerLag],
    ['swaps', s.swaps],
  ];
  $('numbers').innerHTML = '';
  for (const [label, value] of items) {
    const d = document.createElement('div');
    d.className = 'num';
    d.innerHTML = '<b></b><small></small>';
    d.querySelector('b').textContent = value;
    d.querySelector('small').textContent = label;
    $('numbers').appendChild(d);
  }
  $('status-text').textContent = `trainer: ${s.trainerStatus} · inference: ${s.inferenceStatus}`;
}

async function frameFigure(r) {
  if (drawn.has(r.frameId)) return drawn.get(r.frameId);
  const fig = document.createElement('figure');
  fig.className = 'result';
  fig.dataset.frame = r.frameId;
  const canvas = document.createElement('canvas');
  const cap = document.createElement('figcaption');
  cap.textContent = `${r.frameId} · model v${r.version} · ${r.latencyMs} ms · confidence ${(100 * r.confidence).toFixed(0)} %`;
  fig.append(canvas, cap);
  drawn.set(r.frameId, fig);
  const q = '?frame=' + encodeURIComponent(r.frameId);
  const [img, mask] = await Promise.all([
    fetch('/api/frame' + q).then((x) => x.blob()).then(createImageBitmap),
    fetch('/api/overlay' + q).then((x) => x.blob()).then(createImageBitmap),
  ]);
  canvas.width = img.width;
  canvas.height = img.height;
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  g.globalAlpha = 0.5;
  g.drawImage(mask, 0, 0, img.width, img.height);
  fig.dataset.overlay = 'drawn';
  return fig;
}

async function frames(results) {
  const figs = [];
  for (const r of results) {
    try { figs.push(await frameFigure(r)); } catch (e) { /* the frame left the window */ }
  }
  $('frames').replaceChildren(...figs);
  for (const id of [...drawn.keys()]) if (!results.some((r) => r.frameId === id)) drawn.delete(id);
}

// A line chart in SVG: points [[x, y]], y in [0, yMax].
function chart(svg, points, yMax, yLabel, marks) {
  const W = 500, H = 220, L = 40, B = 20, T = 10, R = 10;
  let html = `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#999"/>` +
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#999"/>` +
    `<text x="4" y="${T + 8}" font-size="10">${yLabel(yMax)}</text><text x="4" y="${H - B}" font-size="10">0</text>`;
  if (points.length > 0) {
    const x0 = points[0][0], x1 = Math.max(points[points.length - 1][0], x0 + 1);
    const px = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);
    const py = (y) => H - B - Math.min(y, yMax) / yMax * (H - B - T);
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    html += `<path d="${d}" fill="none" stroke="#2a6fdb" stroke-width="2"/>`;
    const every = Math.ceil(points.length / 12); // at most a dozen labels
    points.forEach((p, i) => {
      const m = marks && (i % every === 0 || i === points.length - 1) ? marks[i] : '';
      const published = marks && marks[i];
      html += `<circle class="point" cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${published ? '#0a7a2f' : '#2a6fdb'}"/>`;
      if (m) html += `<text x="${px(p[0]).toFixed(1)}" y="${(py(p[1]) - 6).toFixed(1)}" font-size="10" text-anchor="middle">${m}</text>`;
    });
  }
  svg.innerHTML = html;
  svg.dataset.points = points.length;
}

function versions(list) {
  $('versions').innerHTML = '';
  for (const v of list) {
    const li = document.createElement('li');
    const made = v.createdAt ? new Date(v.createdAt).toLocaleTimeString() : '?';
    const served = v.firstServedAt ? new Date(v.firstServedAt).toLocaleTimeString() : 'not yet';
    li.textContent = `v${v.version}: published ${made}, validation mIoU ${pct(v.miou)}, first result ${served}`;
    $('versions').appendChild(li);
  }
}

function legend(classes) {
  const el = $('legend');
  if (el.dataset.classSet === classes.id) {
    return;
  }
  el.dataset.classSet = classes.id;
  el.replaceChildren();
  const title = document.createElement('b');
  title.textContent = `class set ${classes.id}:`;
  el.appendChild(title);
  for (const c of classes.classes) {
    const item = document.createElement('span');
    item.className = 'class';
    const swatch = document.createElement('i');
    swatch.style.background = c.color;
    item.append(swatch, c.name);
    el.appendChild(item);
  }
}

async function refresh() {
  try {
    const state = await (await fetch('/api/state')).json();
    numbers(state.status);
    legend(state.classes);
    const v = state.validations;
    chart($('miou-chart'), v.map((p) => [p.step, p.miou]),
      Math.max(0.1, ...v.map((p) => p.miou)) * 1.1, (y) => (100 * y).toFixed(0) + '%',
      v.map((p) => (p.published >= 0 ? 'v' + p.published : '')));
    chart($('fps-chart'), state.throughput, Math.max(1, ...state.throughput.map((p) => p[1])) * 1.1,
      (y) => y.toFixed(1));
    versions(state.versions);
    await frames(state.results);
  } catch (e) {
    $('status-text').textContent = 'dashboard: ' + e;
  }
}

refresh();
setInterval(refresh, 2000);
