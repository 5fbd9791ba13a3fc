// The labelers' page: the queue of requested frames (with who holds each), claiming, the mask
// editor started from the model's own prediction, submitting, and the reviewers' queue. Talks
// only to the bridge's /api; the token says who you are.
// Some 420 lines: one page's state (the queue, the frame in hand, the mode) and its handlers;
// the editor itself is editor.js.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { classes: null, me: null, frame: null, mode: null, editor: null, palette: null };

$('token').value = localStorage.getItem('allspark.token') || '';
$('token').addEventListener('change', () => {
  localStorage.setItem('allspark.token', $('token').value);
  whoAmI().then(loadQueue);
});

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

const q = (frameId) => encodeURIComponent(frameId);
const time = (iso) => new Date(iso).toLocaleTimeString();

async function loadClasses() {
  const { body } = await api('/api/classes');
  state.classes = body;
  state.palette = [];
  for (const c of body.classes) state.palette[c.id] = [1, 3, 5].map((o) => parseInt(c.color.substr(o, 2), 16));
  state.editor = new Editor($('view'), state.palette, body.void);
  state.editor.onChange(editInfo);
  const ul = $('palette');
  ul.innerHTML = '';
  const entries = body.classes.map((c, i) => ({ id: c.id, name: c.name, color: c.color, key: hotkey(i) }));
  entries.push({ id: body.void, name: 'Void', color: 'transparent', key: 'V' });
  for (const c of entries) {
    const li = document.createElement('li');
    li.dataset.class = c.id;
    li.innerHTML = `<span style="background:${c.color}"></span><b></b><kbd></kbd>`;
    li.querySelector('b').textContent = c.name;
    li.querySelector('kbd').textContent = c.key;
    li.addEventListener('click', () => chooseClass(c.id));
    ul.appendChild(li);
  }
  chooseClass(0);
  chooseTool('brush');
}

// 1..9, 0 pick classes 0..9; Shift+1..0 pick 10..19.
function hotkey(i) { return i < 10 ? String((i + 1) % 10) : i < 20 ? 'Shift+' + String((i - 9) % 10) : ''; }

function chooseClass(id) {
  state.editor.cls = id;
  for (const li of $('palette').children) li.classList.toggle('active', Number(li.dataset.class) === id);
  $('view').dataset.class = id;
}

function chooseTool(tool) {
  state.editor.tool = tool;
  for (const b of document.querySelectorAll('#toolbar [data-tool]')) b.classList.toggle('active', b.dataset.tool === tool);
  $('view').dataset.tool = tool;
  if (tool !== 'polygon') { state.editor.polygon = []; state.editor.render(); }
}

async function whoAmI() {
  const { status, body } = await api('/api/me');
  if (status !== 200) {
    state.me = null;
    $('me').textContent = `not signed in (${status}: ${body.error})`;
    $('me').className = 'error';
    $('review-panel').hidden = true;
    return;
  }
  state.me = body;
  $('me').textContent = `signed in as ${body.labeler}${body.reviewer ? ' (reviewer)' : ''}${body.review ? ', masks are reviewed' : ''}`;
  $('me').className = '';
  $('review-panel').hidden = !body.reviewer;
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
    li.dataset.state = r.state;
    li.dataset.claim = r.claim ? (r.claim.mine ? 'mine' : 'taken') : 'free';
    li.classList.toggle('selected', !!(state.frame && state.frame.frameId === r.frameId && state.mode === 'label'));
    li.classList.toggle('taken', li.dataset.claim === 'taken');
    const why = r.reason === 'uncertainty' ? `uncertain (entropy ${r.score.toFixed(2)})` : r.reason.replace('_', ' ');
    li.innerHTML = '<b></b><small></small><small class="note"></small>';
    li.querySelector('b').textContent = r.frameId;
    li.querySelector('small').textContent = `${why}, model v${r.modelVersion}, ${r.requestedAt}`;
    const notes = [];
    if (r.claim) notes.push(r.claim.mine ? `claimed by you until ${time(r.claim.expiresAt)}` : `taken by ${r.claim.labeler} until ${time(r.claim.expiresAt)}`);
    if (r.state === 'in-review') notes.push('waiting for review');
    if (r.review) notes.push(`sent back by ${r.review.reviewer}: ${r.review.comment}`);
    li.querySelector('.note').textContent = notes.join('; ');
    li.addEventListener('click', () => select(r));
    queue.appendChild(li);
    if (state.frame && state.frame.frameId === r.frameId && state.mode === 'label') {
      state.frame = r;
      claimBar();
    }
  }
  if (state.me && state.me.reviewer) loadReviews();
}

async function loadReviews() {
  const { status, body } = await api('/api/reviews');
  if (status !== 200) return;
  $('review-count').textContent = `(${body.pending.length})`;
  const ul = $('reviews');
  ul.innerHTML = '';
  for (const r of body.pending) {
    const li = document.createElement('li');
    li.dataset.frame = r.frameId;
    li.classList.toggle('selected', !!(state.frame && state.frame.frameId === r.frameId && state.mode === 'review'));
    li.innerHTML = '<b></b><small></small>';
    li.querySelector('b').textContent = r.frameId;
    const changed = r.changedShare === undefined ? 'no prediction' : `${(100 * r.changedShare).toFixed(1)} % changed from v${r.predictionVersion}`;
    const spent = r.secondsSpent === undefined ? '' : `, ${Math.round(r.secondsSpent)} s`;
    li.querySelector('small').textContent = `by ${r.labeler}, ${changed}${spent}`;
    li.addEventListener('click', () => selectReview(r));
    ul.appendChild(li);
  }
}

async function image(path) {
  const res = await fetch(path, withToken());
  if (!res.ok) return null;
  // no colour management: a gray PNG of class ids must decode to exactly its ids
  return createImageBitmap(await res.blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
}

// Class ids from a decoded mask: gray PNGs decode to r = g = b = id; else palette colours.
function idsOf(bitmap) {
  const c = document.createElement('canvas');
  c.width = bitmap.width;
  c.height = bitmap.height;
  const g = c.getContext('2d');
  g.drawImage(bitmap, 0, 0);
  const px = g.getImageData(0, 0, c.width, c.height).data;
  const n = state.classes.classes.length, voidId = state.classes.void;
  let gray = true;
  for (let i = 0; i < px.length; i += 4) {
    const v = px[i];
    if (px[i + 1] !== v || px[i + 2] !== v || (v >= n && v !== voidId && v !== 255)) { gray = false; break; }
  }
  const byColour = new Map(state.palette.map((rgb, id) => [rgb.join(','), id]));
  const ids = new Uint8Array(c.width * c.height);
  const unknown = [];
  const seen = new Set();
  for (let i = 0, p = 0; i < px.length; i += 4, p++) {
    let id;
    if (gray) id = px[i] === 255 ? voidId : px[i];
    else {
      const key = `${px[i]},${px[i + 1]},${px[i + 2]}`;
      id = key === '0,0,0' ? voidId : byColour.get(key);
      if (id === undefined) { if (unknown.length < 3 && !unknown.includes(key)) unknown.push(key); id = voidId; }
    }
    ids[p] = id;
    if (id !== voidId) seen.add(id);
  }
  return { ids, kind: gray ? 'class ids' : 'palette colours', unknown, seen: [...seen].sort((a, b) => a - b) };
}

async function select(r) {
  state.frame = r;
  state.mode = 'label';
  for (const li of $('queue').children) li.classList.toggle('selected', li.dataset.frame === r.frameId);
  for (const li of $('reviews').children) li.classList.remove('selected');
  $('review-controls').hidden = true;
  $('controls').hidden = false;
  $('frame-title').textContent = r.frameId;
  $('frame-why').textContent = `${r.width}x${r.height}, chosen for ${r.reason} (score ${r.score.toFixed(3)}) by model v${r.modelVersion}`;
  $('preview-info').textContent = '';
  $('result').textContent = '';
  $('mask-file').value = '';
  const view = $('view');
  view.dataset.frame = '';
  view.dataset.mode = 'label';
  const frame = await image('/api/image?frame=' + q(r.frameId));
  const predicted = r.prediction ? await image('/api/prediction?frame=' + q(r.frameId)) : null;
  // a mask a reviewer sent back is where its labeler goes on from
  const returned = r.review ? await image('/api/returned?frame=' + q(r.frameId)) : null;
  state.editor.load(frame, returned ? idsOf(returned).ids : predicted ? idsOf(predicted).ids : null);
  view.dataset.prediction = predicted ? 'v' + r.modelVersion : 'none';
  $('edit-info').dataset.start = returned ? `the mask ${r.review.reviewer} sent back`
    : predicted ? `the prediction of model v${r.modelVersion}` : 'an empty mask (no prediction yet)';
  claimBar();
  editInfo();
  view.dataset.frame = r.frameId;
}

function claimBar() {
  const r = state.frame, c = r.claim;
  const mine = !!(c && c.mine), taken = !!(c && !c.mine);
  state.editor.editable = mine && state.mode === 'label';
  $('view').dataset.claim = mine ? 'mine' : taken ? 'taken' : 'free';
  $('claim').disabled = mine || taken;
  $('claim').hidden = false;
  $('take-over').hidden = !taken;
  $('release').hidden = !mine;
  $('mask-file').disabled = !mine;
  $('send').disabled = !mine;
  $('claim-info').className = taken ? 'error' : '';
  $('claim-info').textContent = mine
    ? `claimed by you until ${time(c.expiresAt)}`
    : taken ? `taken by ${c.labeler} until ${time(c.expiresAt)}` : 'claim the frame to edit it';
}

async function claim(override) {
  const frameId = state.frame.frameId;
  const { status, body } = await api(`/api/claim?frame=${q(frameId)}${override ? '&override=true' : ''}`, { method: 'POST' });
  if (status !== 200) {
    $('claim-info').className = 'error';
    $('claim-info').textContent = `Refused (${status}): ${body.error}`;
    if (status === 409) $('take-over').hidden = false;
    return;
  }
  state.frame.claim = { labeler: body.labeler, expiresAt: body.expiresAt, mine: true };
  claimBar();
  loadQueue();
}

async function release() {
  await api('/api/claim?frame=' + q(state.frame.frameId), { method: 'DELETE' });
  state.frame.claim = null;
  claimBar();
  loadQueue();
}

function editInfo() {
  const e = state.editor;
  if (!e.ids) return;
  const names = [...e.counts().entries()].filter(([id]) => id !== state.classes.void)
    .sort((a, b) => b[1] - a[1]).map(([id, n]) => `${state.classes.classes[id].name} ${(100 * n / e.ids.length).toFixed(1)} %`);
  $('edit-info').textContent = `Started from ${$('edit-info').dataset.start}; ${e.changedPixels()} pixels changed. ${names.join(', ')}`;
  $('undo').disabled = !e.undoStack.length;
  $('redo').disabled = !e.redoStack.length;
}

async function openMaskFile(file) {
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const r = state.frame;
  const problems = [];
  if (bitmap.width !== r.width || bitmap.height !== r.height) problems.push(`the mask is ${bitmap.width}x${bitmap.height}, the frame ${r.width}x${r.height}`);
  const info = problems.length ? null : idsOf(bitmap);
  if (info && info.unknown.length) problems.push(`colours not in the palette: ${info.unknown.join(' / ')}`);
  if (problems.length) {
    $('preview-info').textContent = 'Cannot use this file: ' + problems.join('; ');
    $('preview-info').className = 'error';
    $('view').dataset.overlay = 'invalid';
    return;
  }
  const e = state.editor;
  e.snapshot();
  e.ids = info.ids;
  e.paintOverlay(0, 0, e.w, e.h);
  e.render();
  e.changed();
  const names = info.seen.map((id) => state.classes.classes[id].name);
  $('preview-info').textContent = `Opened: ${bitmap.width}x${bitmap.height} ${info.kind}, ${names.length} classes: ${names.join(', ')} (undo takes it back)`;
  $('preview-info').className = 'ok';
  $('view').dataset.overlay = 'shown';
}

async function send() {
  const frameId = state.frame.frameId;
  $('send').disabled = true;
  $('result').className = '';
  $('result').textContent = 'Sending…';
  const sentAt = Date.now() - 5000; // outcomes older than this belong to an earlier mask
  const { status, body } = await api('/api/mask?frame=' + q(frameId), {
    method: 'PUT',
    headers: { 'Content-Type': 'image/png' },
    body: await state.editor.png(),
  });
  if (status !== 202) {
    $('result').className = 'error';
    $('result').textContent = `Refused (${status}): ${body.error}`;
    $('send').disabled = false;
    return;
  }
  const changed = body.changedShare === undefined ? '' : ` (${(100 * body.changedShare).toFixed(1)} % changed from the prediction)`;
  state.frame.claim = null;
  claimBar();
  if (body.state === 'in-review') {
    $('result').className = 'ok';
    $('result').textContent = `In review: ${frameId} waits for a reviewer${changed}`;
    loadQueue();
    return;
  }
  $('result').textContent = `Sent (labels.masks partition ${body.partition}, offset ${body.offset})${changed}; joining…`;
  for (let i = 0; i < 60; i++) {
    const s = (await api('/api/status?frame=' + q(frameId))).body;
    const fresh = s.at && Date.parse(s.at) >= sentAt;
    if (fresh && s.state === 'labeled') {
      $('result').className = 'ok';
      $('result').textContent = `Labeled: ${frameId} is in frames.labeled (by ${s.labeler || '?'})${changed}`;
      loadQueue();
      return;
    }
    if (fresh && s.state === 'rejected') {
      $('result').className = 'error';
      $('result').textContent = `Rejected: ${s.reason}`;
      return;
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  $('result').className = 'error';
  $('result').textContent = 'Sent, but no outcome after 30 s: see /api/status?frame=' + frameId;
}

async function selectReview(r) {
  state.mode = 'review';
  const view = $('view');
  view.dataset.frame = '';
  view.dataset.mode = 'review';
  state.editor.editable = false;
  const row = (await api('/api/requests?limit=10000&all=true')).body.requests.find((x) => x.frameId === r.frameId);
  state.frame = row || { frameId: r.frameId };
  for (const li of $('reviews').children) li.classList.toggle('selected', li.dataset.frame === r.frameId);
  for (const li of $('queue').children) li.classList.remove('selected');
  $('frame-title').textContent = `Review: ${r.frameId}`;
  $('frame-why').textContent = `submitted by ${r.labeler} at ${r.submittedAt}`;
  $('controls').hidden = true;
  $('review-controls').hidden = false;
  $('review-result').textContent = '';
  $('claim').hidden = true;
  $('take-over').hidden = true;
  $('release').hidden = true;
  $('claim-info').textContent = 'read-only: the labeler\'s mask';
  const frame = await image('/api/image?frame=' + q(r.frameId));
  const mask = await image('/api/review/mask?frame=' + q(r.frameId));
  state.editor.load(frame, mask ? idsOf(mask).ids : null);
  state.editor.editable = false;
  $('edit-info').dataset.start = `${r.labeler}'s mask`;
  editInfo();
  view.dataset.frame = r.frameId;
}

async function decide(decision) {
  const frameId = state.frame.frameId;
  const { status, body } = await api(`/api/review?frame=${q(frameId)}&decision=${decision}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body: decision === 'reject' ? $('review-comment').value : '',
  });
  $('review-result').className = status === 200 ? 'ok' : 'error';
  $('review-result').textContent = status === 200
    ? (decision === 'accept' ? `Accepted: ${frameId} is on labels.masks (offset ${body.offset})` : `Sent back to the queue: ${body.comment}`)
    : `Refused (${status}): ${body.error}`;
  loadQueue();
}

for (const b of document.querySelectorAll('#toolbar [data-tool]')) b.addEventListener('click', () => chooseTool(b.dataset.tool));
$('size').addEventListener('input', () => { state.editor.size = Number($('size').value); $('size-value').textContent = $('size').value; });
$('opacity').addEventListener('input', () => { state.editor.opacity = $('opacity').value / 100; state.editor.render(); });
$('undo').addEventListener('click', () => state.editor.undo());
$('redo').addEventListener('click', () => state.editor.redo());
$('zoom-in').addEventListener('click', () => state.editor.zoom(1.25));
$('zoom-out').addEventListener('click', () => state.editor.zoom(0.8));
$('zoom-fit').addEventListener('click', () => state.editor.fit());
$('claim').addEventListener('click', () => claim(false));
$('take-over').addEventListener('click', () => claim(true));
$('release').addEventListener('click', release);
$('mask-file').addEventListener('change', (e) => e.target.files[0] && openMaskFile(e.target.files[0]));
$('send').addEventListener('click', send);
$('accept').addEventListener('click', () => decide('accept'));
$('reject').addEventListener('click', () => decide('reject'));
$('refresh').addEventListener('click', loadQueue);

document.addEventListener('keydown', (e) => {
  if (e.target.closest('input, textarea') || !state.editor) return;
  const ed = state.editor;
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') { e.preventDefault(); return e.shiftKey ? ed.redo() : ed.undo(); }
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'y') { e.preventDefault(); return ed.redo(); }
  if (e.code === 'Space') { ed.spaceDown = true; e.preventDefault(); return; }
  const digit = /^Digit(\d)$/.exec(e.code);
  if (digit) {
    const i = (Number(digit[1]) + 9) % 10 + (e.shiftKey ? 10 : 0);
    if (i < state.classes.classes.length) chooseClass(i);
    return;
  }
  const tools = { b: 'brush', e: 'eraser', f: 'fill', p: 'polygon', h: 'pan' };
  const k = e.key.toLowerCase();
  if (tools[k]) return chooseTool(tools[k]);
  if (k === 'v') return chooseClass(state.classes.void);
  if (k === 'enter' && ed.tool === 'polygon') return ed.closePolygon();
  if (k === 'escape') { ed.polygon = []; return ed.render(); }
  if (k === '+' || k === '=') return ed.zoom(1.25);
  if (k === '-') return ed.zoom(0.8);
  if (k === '[' || k === ']') {
    ed.size = Math.max(1, Math.min(64, ed.size + (k === ']' ? 2 : -2)));
    $('size').value = ed.size;
    $('size-value').textContent = ed.size;
  }
});
document.addEventListener('keyup', (e) => { if (e.code === 'Space' && state.editor) state.editor.spaceDown = false; });

loadClasses().then(whoAmI).then(loadQueue);
setInterval(loadQueue, 10000);
