// The console: sign in with an API key, subjects, enroll, identify, live detection, index and cluster status.
import { call, session, ApiError } from './api.js';
import { drawBoxes, showImage } from './draw.js';
import { Live } from './live.js';

const $ = id => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
};
const describe = e => (e instanceof ApiError ? e.describe() : String(e?.message ?? e));

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = false;
}

function clearError() {
  $('error').textContent = '';
  $('error').hidden = true;
}

const collectionParam = () => `collection=${encodeURIComponent(session.collection())}`;

// ---- sign in ----

async function signIn(event) {
  event.preventDefault();
  clearError();
  const key = $('key').value.trim();
  const collection = $('collection').value.trim() || 'default';
  try {
    // Any call authenticates the key; listing subjects also checks it may use the collection.
    await call('GET', `/subjects?collection=${encodeURIComponent(collection)}&size=1`, { key });
  } catch (e) {
    // 403: the key is valid but lacks the enroll role or this collection; sign in anyway, the panels say what fails.
    if (!(e instanceof ApiError) || e.status !== 403) {
      showError(`Sign-in refused: ${describe(e)}`);
      return;
    }
  }
  session.save(key, collection);
  $('key').value = '';
  enter();
}

function signOut() {
  live.stop();
  session.clear();
  $('main').hidden = true;
  $('session').hidden = true;
  $('sign-in-form').hidden = false;
  $('subjects').tBodies[0].replaceChildren();
  $('enroll-results').replaceChildren();
  $('identify-results').replaceChildren();
  $('identify-summary').textContent = '';
  clearError();
}

function enter() {
  $('sign-in-form').hidden = true;
  $('session').hidden = false;
  $('session-collection').value = session.collection();
  $('main').hidden = false;
  loadSubjects();
  loadStatus();
}

// ---- subjects ----

let subjects = [];

async function loadSubjects() {
  const all = [];
  try {
    for (let page = 1; page <= 20; page++) {
      const p = await call('GET', `/subjects?${collectionParam()}&page=${page}&size=500`);
      all.push(...p.items);
      if (all.length >= p.total || p.items.length === 0) {
        break;
      }
    }
  } catch (e) {
    $('subjects-count').textContent = `Subjects could not be listed: ${describe(e)}`;
    subjects = [];
    renderSubjects();
    return;
  }
  subjects = all;
  renderSubjects();
}

function renderSubjects() {
  const q = $('subject-search').value.trim().toLowerCase();
  const shown = subjects.filter(s => !q || s.name.toLowerCase().includes(q) || s.id.startsWith(q));
  $('subjects').tBodies[0].replaceChildren(...shown.map(s => el('tr', {},
    el('td', { textContent: s.name }),
    el('td', { textContent: String(s.faceCount ?? '') }),
    el('td', { className: 'id', textContent: s.id }),
    el('td', { textContent: s.createdAt ? new Date(s.createdAt).toLocaleString() : '' }))));
  if (!$('subjects-count').textContent.startsWith('Subjects could not')) {
    $('subjects-count').textContent = `${shown.length} of ${subjects.length} subjects`;
  }
  const select = $('enroll-subject');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '', textContent: 'new subject…' }),
    ...subjects.map(s => el('option', { value: s.id, textContent: s.name })));
  select.value = subjects.some(s => s.id === chosen) ? chosen : '';
  $('enroll-name-label').hidden = select.value !== '';
}

// ---- enroll ----

async function enroll(files) {
  clearError();
  for (const file of files) {
    let subjectId = $('enroll-subject').value;
    let created = null;
    const name = $('enroll-name').value.trim();
    const item = el('li', { textContent: `${file.name}: enrolling…` });
    $('enroll-results').prepend(item);
    try {
      if (!subjectId) {
        if (!name) {
          throw new Error('type the name of the new subject, or pick a subject');
        }
        created = await call('POST', '/subjects', { json: { name, collection: session.collection() } });
        subjectId = created.id;
      }
      const face = await call('POST', `/subjects/${subjectId}/faces`, { file });
      const q = face.quality ?? {};
      const subjectName = created?.name ?? subjects.find(s => s.id === subjectId)?.name ?? subjectId;
      item.className = 'accepted';
      item.replaceChildren(`${file.name} → ${subjectName}: accepted. Quality: face ${q.faceSize} px, score ${q.score}, `
        + `sharpness ${q.sharpness}, yaw ${q.yaw}°, roll ${q.roll}°, pitch ${q.pitch}°`);
      $('enroll-name').value = '';
      if (created) {
        await loadSubjects();
        $('enroll-subject').value = '';
        $('enroll-name-label').hidden = false;
      }
    } catch (e) {
      item.className = 'refused';
      if (e instanceof ApiError) {
        item.replaceChildren(`${file.name}: refused `, el('span', { className: 'code', textContent: e.code }),
          ` (HTTP ${e.status}): ${e.message}`);
      } else {
        item.replaceChildren(`${file.name}: ${describe(e)}`);
      }
      if (created) {
        // The subject was made for this face only: do not leave it empty.
        await call('DELETE', `/subjects/${created.id}`).catch(() => {});
      }
    }
  }
  loadSubjects();
  loadStatus();
}

// ---- identify ----

async function identify(file) {
  clearError();
  const canvas = $('identify-canvas');
  $('identify-results').replaceChildren();
  $('identify-summary').textContent = `Identifying ${file.name}…`;
  try {
    await showImage(canvas, file);
    const r = await call('POST', `/identify?${collectionParam()}&limit=3`, { file });
    const faces = r.faces ?? [];
    drawBoxes(canvas, faces.map(f => ({
      box: f.box,
      kind: f.decision === 'match' ? 'match' : 'unknown',
      label: f.decision === 'match' ? `${f.subject?.name} ${fmt(f.similarity)}` : `unknown${f.similarity != null ? ' ' + fmt(f.similarity) : ''}`,
    })));
    $('identify-results').replaceChildren(...faces.map((f, i) => {
      const best = f.candidates?.[0];
      const text = f.decision === 'match'
        ? `${f.subject?.name}: similarity ${fmt(f.similarity)}, margin ${fmt(f.margin)}`
        : `unknown` + (best ? ` (closest: ${best.name ?? best.subject?.name ?? best.subjectId}, similarity ${fmt(best.similarity)})` : '');
      return el('li', { className: f.decision === 'match' ? 'accepted' : 'unknown', textContent: text, title: `face ${i + 1}` });
    }));
    $('identify-summary').textContent = `${file.name}: ${faces.length} face${faces.length === 1 ? '' : 's'}, `
      + `threshold ${fmt(r.threshold)} (${r.thresholdSource ?? ''})`;
  } catch (e) {
    $('identify-summary').textContent = `${file.name}: ${describe(e)}`;
    canvas.dataset.boxes = '0';
  }
}

const fmt = n => (typeof n === 'number' ? n.toFixed(3) : '–');

// ---- status ----

async function loadStatus() {
  await Promise.all([
    call('GET', '/index/status').then(showIndex, e => { $('status-index').textContent = describe(e); }),
    call('GET', '/admin/cluster/status').then(showCluster, e => { $('status-cluster').textContent = describe(e); }),
  ]);
}

function showIndex(s) {
  const rows = (s.collections ?? []).map(c => el('tr', {},
    el('td', { textContent: c.collection }), el('td', { textContent: String(c.size) }),
    el('td', { textContent: c.modelId ?? '' }), el('td', { className: 'id', textContent: c.checksum ?? '' })));
  $('collections').replaceChildren(...(s.collections ?? []).map(c => el('option', { value: c.collection })));
  $('status-index').replaceChildren(
    el('p', { textContent: `Node ${s.node}: ${s.ready ? 'ready' : 'not ready'}, change-log position ${s.appliedSeq}, `
      + `${s.faces} faces, ${(s.replicas ?? []).length} replica(s)` }),
    el('table', {}, el('thead', {}, el('tr', {}, ...['Collection', 'Faces', 'Model', 'Checksum'].map(h => el('th', { textContent: h })))),
      el('tbody', {}, ...rows)));
}

function showCluster(s) {
  const members = s.members ?? [];
  $('status-cluster').replaceChildren(
    el('p', { textContent: `${members.length} member(s); replicas agree: ${s.replicasAgree}` }),
    el('pre', { textContent: JSON.stringify(s, null, 2) }));
}

// ---- drop zones ----

function dropZone(zone, onFiles) {
  zone.addEventListener('dragover', e => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', e => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) {
      onFiles(files);
    }
  });
}

// ---- wiring ----

const live = new Live(showError);

$('sign-in-form').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', signOut);
$('collection-form').addEventListener('submit', e => {
  e.preventDefault();
  clearError();
  session.setCollection($('session-collection').value.trim() || 'default');
  $('collection').value = session.collection();
  $('identify-results').replaceChildren();
  loadSubjects();
});
$('subject-search').addEventListener('input', renderSubjects);
$('subjects-refresh').addEventListener('click', loadSubjects);
$('enroll-subject').addEventListener('change', () => { $('enroll-name-label').hidden = $('enroll-subject').value !== ''; });
$('enroll-file').addEventListener('change', e => { enroll([...e.target.files]); e.target.value = ''; });
dropZone($('enroll-drop'), enroll);
$('identify-file').addEventListener('change', e => { if (e.target.files[0]) identify(e.target.files[0]); e.target.value = ''; });
dropZone($('identify-drop'), files => identify(files[0]));
$('live-camera').addEventListener('click', () => { clearError(); live.startCamera(); });
$('live-file').addEventListener('change', e => { if (e.target.files[0]) { clearError(); live.startFile(e.target.files[0]); } e.target.value = ''; });
$('live-stop').addEventListener('click', () => live.stop());
$('status-refresh').addEventListener('click', loadStatus);

$('collection').value = session.collection();
if (session.key()) {
  enter();
}
