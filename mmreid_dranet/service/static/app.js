// The search page: pick or drop a picture, see the ranked gallery, click a
// result to search with it, add pictures. Plain JavaScript, no build step.
'use strict';

const $ = (id) => document.getElementById(id);
let lastQuery = null; // {file} or {id}: what "Search again" repeats

function describeError(response, body) {
  const detail = body && body.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map((d) => d.msg).join('; ');
  return `${response.status} ${response.statusText}`;
}

async function callApi(url, options) {
  const response = await fetch(url, options);
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) throw new Error(describeError(response, body));
  return body;
}

function filterFields() {
  const fields = {
    topk: $('topk').value || '12',
    cameras: $('cameras').value.trim(),
    time_from: $('time-from').value,
    time_to: $('time-to').value,
  };
  if ($('max-distance').value !== '') fields.max_distance = $('max-distance').value;
  return fields;
}

function setStatus(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : 'muted';
}

async function loadStats() {
  try {
    const stats = await callApi('/api/stats');
    const threshold = stats.threshold
      ? `same person up to distance ${stats.threshold.max_distance.toFixed(4)} (${stats.threshold.label})`
      : 'no calibrated threshold';
    $('stats').textContent = `${stats.entries} pictures in the gallery · model ${stats.model.description} · ${threshold}`;
  } catch (error) {
    $('stats').textContent = `The server does not answer: ${error.message}`;
  }
}

async function searchFile(file) {
  lastQuery = { file };
  const form = new FormData();
  form.append('file', file);
  for (const [key, value] of Object.entries(filterFields())) form.append(key, value);
  showQuery(URL.createObjectURL(file), file.name);
  setStatus('Searching…');
  try {
    render(await callApi('/api/search', { method: 'POST', body: form }));
  } catch (error) {
    setStatus(`Search failed: ${error.message}`, true);
  }
}

async function searchId(id) {
  lastQuery = { id };
  const params = new URLSearchParams({ id, ...filterFields() });
  setStatus('Searching…');
  try {
    const data = await callApi(`/api/search?${params}`);
    showQuery(data.query.image_url, data.query.source);
    render(data);
  } catch (error) {
    setStatus(`Search failed: ${error.message}`, true);
  }
}

function showQuery(src, name) {
  const box = $('query');
  box.replaceChildren();
  const img = document.createElement('img');
  img.src = src;
  img.alt = 'the query';
  const label = document.createElement('span');
  label.textContent = `Query: ${name || ''}`;
  box.append(img, label);
}

function thresholdLine(threshold, noneMatch) {
  const line = document.createElement('div');
  line.className = 'threshold-line';
  line.textContent = noneMatch
    ? `No match: nobody within distance ${threshold.max_distance.toFixed(4)} (${threshold.label})`
    : `No match beyond here (distance over ${threshold.max_distance.toFixed(4)}, ${threshold.label})`;
  return line;
}

function resultCard(result) {
  const card = document.createElement('div');
  card.className = result.match ? 'result match' : 'result';
  card.dataset.id = result.id;
  card.dataset.distance = String(result.distance);
  card.dataset.rank = String(result.rank);
  card.title = 'Click to search with this picture';
  const img = document.createElement('img');
  img.src = result.image_url;
  img.alt = `result ${result.rank}`;
  const lines = [
    [`#${result.rank} · distance `, result.distance.toFixed(4)],
    ['camera ', result.camera === null ? 'unknown' : String(result.camera)],
    ['', result.time_iso ? result.time_iso.replace('+00:00', 'Z') : 'time unknown'],
    ['', result.source],
  ];
  card.append(img);
  lines.forEach(([label, value], i) => {
    const div = document.createElement('div');
    if (i === 0) {
      div.append(label);
      const strong = document.createElement('span');
      strong.className = 'distance';
      strong.textContent = value;
      div.append(strong);
    } else {
      div.textContent = label + value;
    }
    card.append(div);
  });
  card.addEventListener('click', () => searchId(result.id));
  return card;
}

function render(data) {
  const grid = $('results');
  grid.replaceChildren();
  const results = data.results;
  const threshold = data.threshold;
  if (threshold && results.length && !results[0].match) {
    grid.append(thresholdLine(threshold, true));
  }
  results.forEach((result, i) => {
    grid.append(resultCard(result));
    const next = results[i + 1];
    if (threshold && result.match && next && !next.match) {
      grid.append(thresholdLine(threshold, false));
    }
  });
  const matchText = threshold ? `, ${data.matches} within the threshold` : '';
  setStatus(results.length
    ? `${results.length} results${matchText}. Click a result to search with it.`
    : 'No picture in the gallery passes the filters.');
}

async function upload() {
  const files = $('gallery-files').files;
  if (!files.length) {
    $('upload-status').textContent = 'Pick one or more pictures first.';
    return;
  }
  const form = new FormData();
  for (const file of files) form.append('files', file);
  if ($('upload-camera').value !== '') form.append('camera', $('upload-camera').value);
  form.append('time', $('upload-time').value);
  form.append('source', $('upload-source').value);
  const headers = {};
  if ($('token').value) headers.Authorization = `Bearer ${$('token').value}`;
  $('upload-status').textContent = 'Adding…';
  try {
    const data = await callApi('/api/images', { method: 'POST', body: form, headers });
    const added = data.images.filter((image) => image.added).length;
    $('upload-status').textContent =
      `Added ${added} new picture(s) (${data.images.length - added} already there); ${data.entries} in the gallery.`;
    $('upload-status').className = 'muted';
    loadStats();
  } catch (error) {
    $('upload-status').textContent = `Not added: ${error.message}`;
    $('upload-status').className = 'error';
  }
}

function setUp() {
  const drop = $('drop');
  $('query-file').addEventListener('change', (event) => {
    if (event.target.files.length) searchFile(event.target.files[0]);
  });
  ['dragenter', 'dragover'].forEach((name) => drop.addEventListener(name, (event) => {
    event.preventDefault();
    drop.classList.add('over');
  }));
  ['dragleave', 'drop'].forEach((name) => drop.addEventListener(name, () => drop.classList.remove('over')));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) searchFile(event.dataTransfer.files[0]);
  });
  $('search-again').addEventListener('click', () => {
    if (lastQuery && lastQuery.file) searchFile(lastQuery.file);
    else if (lastQuery && lastQuery.id) searchId(lastQuery.id);
  });
  $('upload-button').addEventListener('click', upload);
  loadStats();
}

setUp();
