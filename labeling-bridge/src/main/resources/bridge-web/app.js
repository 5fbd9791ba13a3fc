// The labelers' page: the queue of requested frames, the frame, a mask upload with an overlay
// preview, and what became of the mask. Talks only to the bridge's /api.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { classes: null, frame: null, image: null, mask: null, maskBytes: null };

for (const id of ['token', 'labeler']) {
  $(id).value = localStorage.getItem('allspark.' + id) || '';
  $(id).addEventListener('change', () => localStorage.setItem('allspark.' + id, $(id).value));
}

// Every API call but the class set carries the token.
function withToken(options) {
  const o = Object.assign({}, options || {});
  o.headers = Object.assign({ Authorization: 'Bearer ' + $('token').value }, o.headers || {});
  return o;
}

async function api(path, options) {
  const res = await fetch(path, withToken(options));
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch (e) { body = { error: text }; }
  return { status: res.status, body };
}

async function loadClasses() {
  const { body } = await api('/api/classes');
  state.classes = body;
  $('legend').innerHTML = '';
  for (const c of body.classes) {
    const li = document.createElement('li');
    li.innerHTML = `<span style="background:${c.color}"></span>${c.id} ${c.name}`;
    $('legend').appendChild(li);
  }
}

async function loadQueue() {
  const { status, body } = await api('/api/requests?limit=200');
  if (status !== 200) {
    $('queue-error').textContent = body.error;
    return;
  }
  $('queue-error').textContent = '';
  $('open-count').textContent = `(${body.open} open)`;
  const queue = $('queue');
  queue.innerHTML = '';
  for (const r of body.requests) {
    const li = document.createElement('li');
    li.dataset.frame = r.frameId;
    li.className = state.frame && state.frame.frameId === r.frameId ? 'selected' : '';
    const why = r.reason === 'uncertainty' ? `uncertain (entropy ${r.score.toFixed(2)})` : r.reason.replace('_', ' ');
    li.innerHTML = `<b></b><small></small>`;
    li.querySelector('b').textContent = r.frameId;
    li.querySelector('small').textContent = `${why}, model v${r.modelVersion}, ${r.requestedAt}`;
    li.addEventListener('click', () => select(r));
    queue.appendChild(li);
  }
}

async function select(r) {
  state.frame = r;
  state.mask = null;
  state.maskBytes = null;
  for (const li of $('queue').children) li.className = li.dataset.frame === r.frameId ? 'selected' : '';
  $('frame-title').textContent = r.frameId;
  $('frame-why').textContent = `${r.width}x${r.height}, chosen for ${r.reason} (score ${r.score.toFixed(3)}) by model v${r.modelVersion}`;
  $('preview-info').textContent = '';
  $('result').textContent = '';
  $('send').disabled = true;
  $('mask-file').value = '';
  $('mask-file').disabled = false;
  const blob = await (await fetch('/api/image?frame=' + encodeURIComponent(r.frameId), withToken())).blob();
  state.image = await createImageBitmap(blob);
  draw();
  $('view').dataset.frame = r.frameId;
}

// Gray PNGs of class ids decode to r = g = b = id; anything else is read as palette colours.
function toOverlay(data) {
  const px = data.data;
  const voidId = state.classes.void;
  let ids = true;
  for (let i = 0; i < px.length; i += 4) {
    const v = px[i];
    if (px[i + 1] !== v || px[i + 2] !== v || (v >= state.classes.classes.length && v !== voidId && v !== 255)) {
      ids = false;
      break;
    }
  }
  const palette = state.classes.classes.map((c) => [1, 3, 5].map((o) => parseInt(c.color.substr(o, 2), 16)));
  const byColour = new Map(palette.map((rgb, id) => [rgb.join(','), id]));
  const seen = new Set();
  const unknown = [];
  for (let i = 0; i < px.length; i += 4) {
    let id;
    if (ids) {
      id = px[i];
    } else {
      const key = `${px[i]},${px[i + 1]},${px[i + 2]}`;
      id = key === '0,0,0' ? voidId : byColour.get(key);
      if (id === undefined && unknown.length < 3) unknown.push(key);
    }
    if (id !== undefined && id < palette.length) {
      seen.add(id);
      [px[i], px[i + 1], px[i + 2], px[i + 3]] = [...palette[id], 255];
    } else {
      px[i + 3] = 0; // void: no overlay
    }
  }
  return { kind: ids ? 'class ids' : 'palette colours', seen: [...seen].sort((a, b) => a - b), unknown };
}

async function previewMask(file) {
  state.maskBytes = await file.arrayBuffer();
  const bitmap = await createImageBitmap(new Blob([state.maskBytes], { type: 'image/png' }));
  const c = document.createElement('canvas');
  c.width = bitmap.width;
  c.height = bitmap.height;
  const g = c.getContext('2d');
  g.drawImage(bitmap, 0, 0);
  const data = g.getImageData(0, 0, c.width, c.height);
  const info = toOverlay(data);
  g.putImageData(data, 0, 0);
  state.mask = c;
  draw();
  const problems = [];
  if (bitmap.width !== state.frame.width || bitmap.height !== state.frame.height) {
    problems.push(`the mask is ${bitmap.width}x${bitmap.height}, the frame ${state.frame.width}x${state.frame.height}`);
  }
  if (info.unknown.length) problems.push(`colours not in the palette: ${info.unknown.join(' / ')}`);
  const names = info.seen.map((id) => state.classes.classes[id].name);
  $('preview-info').textContent = problems.length
    ? 'Cannot send: ' + problems.join('; ')
    : `Preview: ${bitmap.width}x${bitmap.height} ${info.kind}, ${names.length} classes: ${names.join(', ')}`;
  $('preview-info').className = problems.length ? 'error' : 'ok';
  $('send').disabled = problems.length > 0;
  $('view').dataset.overlay = problems.length ? 'invalid' : 'shown';
}

function draw() {
  const view = $('view');
  if (!state.image) return;
  view.width = state.image.width;
  view.height = state.image.height;
  const g = view.getContext('2d');
  g.globalAlpha = 1;
  g.drawImage(state.image, 0, 0);
  if (state.mask) {
    g.globalAlpha = $('opacity').value / 100;
    g.drawImage(state.mask, 0, 0);
  }
}

async function send() {
  const frameId = state.frame.frameId;
  $('send').disabled = true;
  $('result').className = '';
  $('result').textContent = 'Sending…';
  const sentAt = Date.now() - 5000; // outcomes older than this belong to an earlier mask
  const { status, body } = await api('/api/mask?frame=' + encodeURIComponent(frameId), {
    method: 'PUT',
    headers: {
      'Content-Type': 'image/png',
      Authorization: 'Bearer ' + $('token').value,
      'X-Labeler': $('labeler').value || 'page',
    },
    body: state.maskBytes,
  });
  if (status !== 202) {
    $('result').className = 'error';
    $('result').textContent = `Refused (${status}): ${body.error}`;
    $('send').disabled = false;
    return;
  }
  $('result').textContent = `Sent (labels.masks partition ${body.partition}, offset ${body.offset}); joining…`;
  for (let i = 0; i < 60; i++) {
    const s = (await api('/api/status?frame=' + encodeURIComponent(frameId))).body;
    const fresh = s.at && Date.parse(s.at) >= sentAt;
    if (fresh && s.state === 'labeled') {
      $('result').className = 'ok';
      $('result').textContent = `Labeled: ${frameId} is in frames.labeled (by ${s.labeler || '?'})`;
      loadQueue();
      return;
    }
    if (fresh && s.state === 'rejected') {
      $('result').className = 'error';
      $('result').textContent = `Rejected: ${s.reason}`;
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  $('result').className = 'error';
  $('result').textContent = 'Sent, but no outcome after 30 s: see /api/status?frame=' + frameId;
}

$('mask-file').addEventListener('change', (e) => e.target.files[0] && previewMask(e.target.files[0]));
$('opacity').addEventListener('input', draw);
$('send').addEventListener('click', send);
$('refresh').addEventListener('click', loadQueue);
$('token').addEventListener('change', loadQueue);
loadClasses().then(loadQueue);
setInterval(loadQueue, 10000);
