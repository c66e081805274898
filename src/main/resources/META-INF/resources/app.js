'use strict';
// Helix dashboard: REST for state, the /ws event stream for changes. The API key lives only in `state.key`
// (never in storage, cookies, the URL or the DOM) and is sent only to the endpoints that need it.

const $ = (sel) => document.querySelector(sel);
const SVG = 'http://www.w3.org/2000/svg';
const METRICS = [
  { name: 'harmony', max: 2, below: 0.30 }, { name: 'resilience', max: 2, below: 0.30 },
  { name: 'prana', max: 1 }, { name: 'drishti', max: 1 },
  { name: 'klesha', max: 1, above: 0.75 }, { name: 'zoom', max: 1 },
];
const FINISHED = new Set(['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED']);
const HOUR = 3600e3;
// Page sizes: with thousands of agents and a history of rituals, the page shows pages, never everything.
const AGENT_PAGE = 100;
const RITUAL_PAGE = 50;
const AUDIT_PAGE = 25;

// Keyset paging: the cursors of the pages walked so far (null = the first), and the next page's cursor.
class Pages {
  constructor() { this.reset(); }
  reset() { this.cursors = [null]; this.next = null; }
  get at() { return this.cursors[this.cursors.length - 1]; }
  get index() { return this.cursors.length - 1; }
  forward() { if (!this.next) return false; this.cursors.push(this.next); this.next = null; return true; }
  back() { if (this.cursors.length < 2) return false; this.cursors.pop(); return true; }
}

const state = {
  key: null, admin: false, rituals: new Map(), selected: null, ucf: null, history: [], skew: 0,
  // rituals on the list, in its order; with a key they come from GET /api/rituals, else from live events only
  listed: [], ritualPages: new Pages(), agentPages: new Pages(), auditPages: new Pages(),
};
const live = { ws: null, sessionId: null, resumeToken: null, lastId: null, attempt: 0, timer: null, stable: null, hadSession: false };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v != null) node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c != null));
  return node;
}
const short = (id) => String(id).slice(0, 8);
const now = () => Date.now() + state.skew;
const fmt = (v, d = 3) => (typeof v === 'number' ? v.toFixed(d) : '—');
function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`;
}
function span(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

// Runs fn once, `ms` after the first call since the last run: bursts of events cost one refresh.
const pending = new Map();
function soon(name, fn, ms) {
  if (pending.has(name)) return;
  pending.set(name, setTimeout(() => { pending.delete(name); fn(); }, ms));
}

let errorTimer = null;
function showError(message) {
  const box = $('#error');
  box.textContent = message;
  box.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { box.hidden = true; }, 8000);
}

// ---- REST -------------------------------------------------------------------------------------------------

async function api(method, path, { auth = false, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (auth && state.key) headers.Authorization = `Bearer ${state.key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, cache: 'no-store', credentials: 'omit', body: body === undefined ? undefined : JSON.stringify(body),
  });
  // The Date header has 1 s resolution: only a clearly wrong local clock is corrected.
  const date = Date.parse(res.headers.get('Date') || '');
  if (!Number.isNaN(date)) {
    const skew = date + 500 - Date.now();
    state.skew = Math.abs(skew) > 2000 ? skew : 0;
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new Error((data && (data.detail || data.title)) || `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

async function loadState() {
  await Promise.allSettled([loadUcf(), loadAgents(), loadRituals(), loadStuck(), loadAudit()]);
  if (state.selected) refreshSelected();
}

async function loadUcf() {
  try {
    const [ucf, hist] = await Promise.all([api('GET', '/ucf'), api('GET', '/ucf/history?duration=1h&interval=1m&metrics=harmony')]);
    state.history = hist.points.map((p) => ({ t: Date.parse(p.timestamp), v: p.harmony }));
    setUcf(ucf, ucf.timestamp);
  } catch (e) { showError(`UCF: ${e.message}`); }
}

// ---- UCF ----------------------------------------------------------------------------------------------------

function buildGauges() {
  const box = $('#gauges');
  for (const m of METRICS) {
    const limit = m.below ?? m.above;
    const mark = limit == null ? null
      : el('span', { class: 'mark', style: `left:${(100 * limit) / m.max}%`, title: `alert ${m.below != null ? 'below' : 'above'} ${limit}` });
    box.append(el('div', {
      class: 'gauge', id: `g-${m.name}`, role: 'meter', 'aria-label': m.name, 'aria-valuemin': 0, 'aria-valuemax': m.max,
    }, el('div', { class: 'g-head' }, el('span', { class: 'g-name' }, m.name), el('span', { class: 'value' }, '—')),
    el('div', { class: 'bar' }, el('span', { class: 'fill' }), mark),
    el('div', { class: 'g-scale muted' }, el('span', {}, '0'), el('span', {}, String(m.max)))));
  }
}

// The README's phase thresholds, checked in order (for the metrics of /ucf; ucf_update events carry the phase too).
function phaseOf(u) {
  if (u.harmony >= 1.2 && u.resilience >= 1.2 && u.drishti >= 0.85 && u.klesha <= 0.1) return 'TRANSCENDENT';
  if (u.harmony >= 0.6 && u.resilience >= 0.7 && u.klesha <= 0.6) return 'COHERENT';
  if (u.harmony < 0.4 || u.klesha > 0.7) return 'FRAGMENTED';
  if (u.prana < 0.3 && u.harmony > 0.5) return 'DORMANT';
  return 'STABLE';
}

function setUcf(values, timestamp) {
  if (!values || typeof values.harmony !== 'number') return;
  state.ucf = { ...values };
  for (const m of METRICS) {
    const v = values[m.name];
    const g = $(`#g-${m.name}`);
    g.dataset.value = String(v);
    g.setAttribute('aria-valuenow', String(v));
    g.querySelector('.value').textContent = fmt(v);
    g.querySelector('.fill').style.width = `${Math.min(100, (100 * v) / m.max)}%`;
    g.classList.toggle('alert', (m.below != null && v < m.below) || (m.above != null && v > m.above));
  }
  const phase = values.phase || phaseOf(values);
  $('#phase').textContent = phase;
  $('#phase').dataset.phase = phase;
  const t = Date.parse(timestamp) || now();
  const last = state.history[state.history.length - 1];
  // Replayed events may be older than what REST returned: the series only grows forward in time.
  if (!last || (t >= last.t && (last.v !== values.harmony || t - last.t > 60e3))) state.history.push({ t, v: values.harmony });
  state.history = state.history.filter((p) => p.t > now() - HOUR);
  drawSpark();
}

function drawSpark() {
  const svg = $('#spark');
  const end = now();
  const x = (t) => (300 * (t - (end - HOUR))) / HOUR;
  const y = (v) => 58 - (56 * v) / 2;
  const pts = state.history.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
  if (state.ucf) pts.push(`300,${y(state.ucf.harmony).toFixed(1)}`);
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', pts.join(' '));
  line.setAttribute('class', 'spark-line');
  const alert = document.createElementNS(SVG, 'line');
  Object.entries({ x1: 0, x2: 300, y1: y(0.3), y2: y(0.3), class: 'spark-alert' }).forEach(([k, v]) => alert.setAttribute(k, v));
  svg.replaceChildren(alert, line);
}

// ---- agents ---------------------------------------------------------------------------------------------------

// Each load is numbered; an answer that a newer load has overtaken (the operator kept typing) is dropped.
const loads = { agents: 0, rituals: 0, audit: 0 };

function pagerText(pages, shown, total) {
  if (!shown) return total === 0 ? 'none' : '';
  const from = pages.index * shown.size + 1;
  return `${from}–${from + shown.count - 1}${total != null ? ` of ${total}` : ''}`;
}

async function loadAgents() {
  const seq = ++loads.agents;
  const q = new URLSearchParams({ limit: AGENT_PAGE });
  const name = $('#agent-name').value.trim();
  const status = $('#agent-status').value;
  if (name) q.set('name', name);
  if (status) q.set('status', status);
  if (state.agentPages.at) q.set('after', state.agentPages.at);
  try {
    const data = await api('GET', `/agents?${q}`);
    if (seq !== loads.agents) return;
    state.agentPages.next = data.next_after;
    $('#agents-count').textContent = `${data.active} active of ${data.total}`;
    for (const chip of document.querySelectorAll('#agent-counts .chip')) {
      chip.querySelector('b').textContent = String(data.counts[chip.dataset.status.toLowerCase()] ?? 0);
      chip.setAttribute('aria-pressed', String(chip.dataset.status === status));
    }
    $('#agents').replaceChildren(...data.agents.map((a) => el('tr', { 'data-agent': a.name },
      el('td', { title: `${a.role || ''} · ${a.layer || ''} · epoch ${a.epoch}${a.builtin ? ' · built-in' : ''}` },
        el('span', { class: 'symbol', 'aria-hidden': 'true' }, a.symbol || '•'), ' ', a.name),
      el('td', {}, el('span', { class: `badge ${String(a.status).toLowerCase()}` }, a.status)),
      el('td', { class: 'seen', 'data-at': a.last_heartbeat_at ? Date.parse(a.last_heartbeat_at) : '' }, '—'),
      el('td', {}, `${Math.round(100 * a.workload)} %`))));
    if (!data.agents.length) $('#agents').append(el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'No agent matches.')));
    const range = pagerText(state.agentPages, { size: AGENT_PAGE, count: data.agents.length }, data.matching);
    $('#agents-range').textContent = name || status ? `${range} matching` : range;
    $('#agents-prev').disabled = state.agentPages.index === 0;
    $('#agents-next').disabled = !data.next_after;
    tickAgents();
  } catch (e) { if (seq === loads.agents) showError(`Agents: ${e.message}`); }
}

function refilterAgents() {
  state.agentPages.reset();
  $('#agents').closest('.scroll').scrollTop = 0;
  loadAgents();
}

function tickAgents() {
  for (const cell of document.querySelectorAll('#agents .seen')) {
    cell.textContent = cell.dataset.at ? `${ago(now() - Number(cell.dataset.at))} ago` : 'never';
  }
}

// ---- rituals ----------------------------------------------------------------------------------------------

// The search as query parameters; `error` names what cannot be sent (checked here so that typing half an id
// does not flash a 400 from the server).
function ritualSearch() {
  const q = new URLSearchParams();
  const id = $('#rf-id').value.trim();
  const status = $('#rf-status').value;
  const agent = $('#rf-agent').value.trim();
  const since = $('#rf-since').value;
  const until = $('#rf-until').value;
  let error = null;
  if (id) {
    if (/^[0-9a-f-]{1,36}$/i.test(id) && id.replace(/-/g, '').length <= 32) q.set('id_prefix', id);
    else error = 'an id is hex digits (0-9, a-f) and dashes';
  }
  if (status) q.set('status', status);
  if (agent) q.set('agent', agent);
  // datetime-local is the browser's local time; the API takes an instant with its offset
  if (since) q.set('since', new Date(since).toISOString());
  if (until) q.set('until', new Date(until).toISOString());
  if (since && until && Date.parse(until) <= Date.parse(since)) error = '"to" must be later than "from"';
  return { q, active: [...q.keys()].length > 0, error };
}

async function loadRituals() {
  if (!state.key) return;
  const seq = ++loads.rituals;
  const search = ritualSearch();
  $('#rf-hint').textContent = search.error || '';
  if (search.error) return;
  const q = search.q;
  q.set('limit', String(RITUAL_PAGE));
  if (state.ritualPages.at) q.set('after', state.ritualPages.at);
  try {
    const page = await api('GET', `/api/rituals?${q}`, { auth: true });
    if (seq !== loads.rituals) return;
    for (const r of page.rituals) state.rituals.set(r.ritual_id, { ...state.rituals.get(r.ritual_id), ...r });
    state.listed = page.rituals.map((r) => r.ritual_id);
    state.ritualPages.next = page.next_after;
    renderRituals();
  } catch (e) {
    if (seq !== loads.rituals) return;
    if (e.status === 400) $('#rf-hint').textContent = e.message; else showError(`Rituals: ${e.message}`);
  }
}

function researchRituals() {
  state.ritualPages.reset();
  $('#rituals').scrollTop = 0;
  loadRituals();
}

function ritualEvent(ev) {
  const known = state.rituals.has(ev.ritual_id);
  const r = state.rituals.get(ev.ritual_id) || { ritual_id: ev.ritual_id, created_at: ev.timestamp, steps_completed: 0 };
  if (ev.status) r.status = ev.status;
  if (ev.steps_total != null) r.steps_total = ev.steps_total;
  if (ev.ritual && ev.ritual.steps != null) r.steps_total = ev.ritual.steps;
  if (ev.steps_completed != null) r.steps_completed = ev.steps_completed;
  if (ev.deadline_at) r.deadline_at = ev.deadline_at;
  if (ev.participants) r.participants = ev.participants;
  if (ev.step != null) r.current_step = ev.step;
  if (ev.event === 'ritual_completion') Object.assign(r, { status: 'COMPLETED', ucf_before: ev.ucf_before, ucf_after: ev.ucf_after });
  if (ev.event === 'ritual_timeout' || ev.event === 'ritual_failed') r.failure_reason = ev.reason;
  const duration = ev.ritual ? ev.ritual.duration_seconds : ev.duration_seconds;
  if (duration != null) r.duration_seconds = duration;
  if (!known) {
    if (!state.key) {
      state.listed.unshift(ev.ritual_id); // live events only: the newest come first
    } else if (state.ritualPages.index === 0 && !ritualSearch().active) {
      state.listed.unshift(ev.ritual_id);
      // the page grows as rituals start; past two pages it is read again (and its next-page cursor with it)
      if (state.listed.length > 2 * RITUAL_PAGE) soon('rituals-reload', loadRituals, 1000);
    } else if (state.ritualPages.index === 0) {
      soon('rituals-reload', loadRituals, 5000); // a search on the first page: new matches within seconds
    }
  }
  if (known || state.listed.includes(ev.ritual_id) || (state.selected && state.selected.id === ev.ritual_id)) {
    state.rituals.set(ev.ritual_id, r);
  }
  soon('rituals', renderRituals, 100);
  if (state.selected && state.selected.id === ev.ritual_id) {
    applyStepEvent(ev);
    soon('view', renderView, 100);
    if (state.key) soon('selected', refreshSelected, 1000);
  }
}

// Rows are kept and updated in place (keyed by ritual id): a row rebuilt under the pointer or the keyboard focus
// would swallow clicks and lose focus while events stream in.
const rows = new Map();
function ritualRow(id) {
  if (!rows.has(id)) {
    rows.set(id, el('li', { 'data-ritual-id': id },
      el('button', { type: 'button', class: 'pick', 'aria-label': `Show ritual ${id}`, title: id, onclick: () => select(id) }, short(id)),
      el('span', { class: 'badge' }),
      el('span', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0 }, el('span')),
      el('span', { class: 'count' }),
      el('span', { class: 'age' })));
  }
  return rows.get(id);
}

function renderRituals() {
  if (!state.key) {
    const time = (id) => Date.parse((state.rituals.get(id) || {}).created_at) || 0;
    state.listed = state.listed.filter((id) => state.rituals.has(id)).sort((a, b) => time(b) - time(a)).slice(0, RITUAL_PAGE);
  }
  const shown = state.listed.filter((id) => state.rituals.has(id));
  // Memory stays bounded: what the list shows plus the one on display.
  for (const id of [...state.rituals.keys()]) {
    if (!shown.includes(id) && !(state.selected && state.selected.id === id)) state.rituals.delete(id);
  }
  const list = $('#rituals');
  shown.forEach((id, i) => {
    const r = state.rituals.get(id);
    const li = ritualRow(id);
    const total = r.steps_total || 0;
    const done = r.steps_completed || 0;
    const [, badge, bar, count, age] = li.children;
    li.dataset.status = r.status || '';
    li.classList.toggle('selected', Boolean(state.selected && state.selected.id === id));
    badge.className = `badge ${String(r.status).toLowerCase()}`;
    badge.textContent = r.status || '?';
    bar.setAttribute('aria-valuemax', total);
    bar.setAttribute('aria-valuenow', done);
    bar.firstChild.style.width = `${total ? Math.round((100 * done) / total) : 0}%`;
    count.textContent = `${done}/${total || '?'}`;
    age.dataset.at = String(Date.parse(r.created_at) || '');
    age.title = r.created_at ? `created ${new Date(r.created_at).toLocaleString()}` : '';
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
  while (list.children.length > shown.length) {
    rows.delete(list.lastChild.dataset.ritualId);
    list.lastChild.remove();
  }
  tickAges();
  const searching = state.key && ritualSearch().active;
  $('#rituals-empty').hidden = shown.length > 0;
  $('#rituals-empty').textContent = searching ? 'No ritual matches.' : 'No ritual seen yet.';
  $('#rituals-note').textContent = state.key ? '' : 'live only: enter a key to search history';
  const pages = state.ritualPages;
  $('#rituals-page').textContent = !state.key ? '' : shown.length
    ? `page ${pages.index + 1}${searching ? ' of matches' : ''} · ${shown.length} shown` : '';
  $('#rituals-newer').disabled = !state.key || pages.index === 0;
  $('#rituals-older').disabled = !state.key || !pages.next;
}

function tickAges() {
  for (const cell of document.querySelectorAll('#rituals .age')) {
    cell.textContent = cell.dataset.at ? ago(now() - Number(cell.dataset.at)) : '';
  }
}

// ---- the ritual view: a ring of beads, one per step --------------------------------------------------------------

function select(id) {
  const r = state.rituals.get(id) || { ritual_id: id };
  state.selected = { id, steps: stepsFrom(r) };
  $('#ritual-view').hidden = false;
  $('#rv-id').textContent = id;
  buildRing();
  renderView();
  renderRituals();
  if (state.key) refreshSelected();
}

// Without a key the steps are inferred: steps_completed steps done in order, the next one ready.
function stepsFrom(r) {
  const n = r.steps_total || 108;
  const done = r.status === 'COMPLETED' ? n : r.steps_completed || 0;
  return Array.from({ length: n }, (_, i) => ({
    status: i < done ? 'COMPLETED' : i === done && !FINISHED.has(r.status) ? 'READY' : 'PENDING',
  }));
}

function applyStepEvent(ev) {
  const steps = state.selected.steps;
  const n = ev.step;
  if (ev.event === 'ritual_completion') {
    steps.forEach((s) => { if (s.status !== 'SKIPPED') s.status = 'COMPLETED'; });
  } else if (ev.event === 'ritual_progress' && n >= 1 && n <= steps.length) {
    const st = ev.step_status;
    if (st === 'COMPLETED' || st === 'SKIPPED') {
      for (let i = 0; i < n - 1; i++) if (steps[i].status !== 'SKIPPED') steps[i].status = 'COMPLETED';
      if (steps[n] && steps[n].status === 'PENDING') steps[n].status = 'READY';
    } else if (st === 'READY') {
      for (let i = n; i < steps.length; i++) if (steps[i].status !== 'SKIPPED') steps[i].status = 'PENDING';
    }
    Object.assign(steps[n - 1], { status: st, agent: ev.agent ?? steps[n - 1].agent, attempt: ev.attempt ?? steps[n - 1].attempt });
  }
  for (let i = 0; i < steps.length; i++) paintBead(i);
}

async function refreshSelected() {
  const sel = state.selected;
  if (!sel || !state.key) return;
  try {
    const [view, steps] = await Promise.all([
      api('GET', `/api/rituals/${sel.id}`, { auth: true }), api('GET', `/api/rituals/${sel.id}/steps`, { auth: true })]);
    if (state.selected !== sel) return;
    state.rituals.set(sel.id, { ...state.rituals.get(sel.id), ...view });
    const rebuild = steps.steps.length !== sel.steps.length;
    sel.steps = steps.steps;
    if (rebuild) buildRing(); else sel.steps.forEach((_, i) => paintBead(i));
    renderView();
    renderRituals();
  } catch (e) { showError(`Ritual ${short(sel.id)}: ${e.message}`); }
}

function buildRing() {
  const svg = $('#ring');
  const n = state.selected.steps.length;
  const R = 105;
  const r = Math.max(0.8, Math.min(4.5, (0.42 * 2 * Math.PI * R) / n));
  const beads = state.selected.steps.map((_, i) => {
    const a = (2 * Math.PI * i) / n - Math.PI / 2;
    const c = document.createElementNS(SVG, 'circle');
    c.setAttribute('class', 'bead');
    c.setAttribute('cx', (120 + R * Math.cos(a)).toFixed(2));
    c.setAttribute('cy', (120 + R * Math.sin(a)).toFixed(2));
    c.setAttribute('r', r.toFixed(2));
    c.dataset.step = String(i + 1);
    c.append(document.createElementNS(SVG, 'title'));
    return c;
  });
  const label = document.createElementNS(SVG, 'text');
  Object.entries({ id: 'ring-label', x: 120, y: 126, 'text-anchor': 'middle' }).forEach(([k, v]) => label.setAttribute(k, v));
  svg.replaceChildren(...beads, label);
  beads.forEach((_, i) => paintBead(i));
}

function paintBead(i) {
  const bead = $('#ring').children[i];
  const s = state.selected.steps[i];
  if (!bead || !s) return;
  if (bead.dataset.status !== s.status) bead.dataset.status = s.status;
  const who = s.agent ? ` · ${s.agent}` : '';
  const attempt = s.attempt ? ` · attempt ${s.attempt}` : '';
  const error = s.error ? ` · ${s.error}` : '';
  bead.firstChild.textContent = `step ${i + 1} · ${s.status.toLowerCase()}${who}${attempt}${error}`;
}

function renderView() {
  const sel = state.selected;
  if (!sel) return;
  const r = state.rituals.get(sel.id) || {};
  const done = sel.steps.filter((s) => s.status === 'COMPLETED').length;
  $('#rv-status').textContent = r.status || '?';
  $('#rv-status').className = `badge ${String(r.status).toLowerCase()}`;
  $('#rv-progress').textContent = `${r.steps_completed ?? done} of ${r.steps_total ?? sel.steps.length} steps${r.steps_skipped ? ` (${r.steps_skipped} skipped)` : ''}`;
  $('#ring-label').textContent = `${done}/${sel.steps.length}`;
  $('#rv-participants').textContent = r.participants && r.participants.length ? r.participants.join(', ') : 'any online agent';
  $('#rv-created').textContent = r.created_at ? new Date(r.created_at).toLocaleString() : '—';
  $('#rv-step').textContent = String(r.current_step ?? '—');
  const options = (r.participants || []).map((name) => el('option', { value: name }));
  if ($('#rv-agents').children.length !== options.length
      || options.some((o, i) => $('#rv-agents').children[i].value !== o.value)) $('#rv-agents').replaceChildren(...options);
  $('#rv-waiting').textContent = r.waiting_reason || '—';
  $('#rv-failure').textContent = r.failure_reason || '—';
  $('#rv-ucf').textContent = r.ucf_after
    ? `harmony ${fmt(r.ucf_before && r.ucf_before.harmony)} → ${fmt(r.ucf_after.harmony)} (${r.ucf_after.phase || phaseOf(r.ucf_after)})` : '—';
  tickDeadline();
}

function tickDeadline() {
  const sel = state.selected;
  if (!sel) return;
  const r = state.rituals.get(sel.id) || {};
  const box = $('#rv-deadline');
  if (FINISHED.has(r.status)) box.textContent = r.duration_seconds != null ? `finished in ${r.duration_seconds.toFixed(1)} s` : 'finished';
  else if (!r.deadline_at) box.textContent = '—';
  else {
    const left = Date.parse(r.deadline_at) - now();
    box.textContent = left > 0 ? `${span(left)} left` : 'passed';
    box.classList.toggle('warn', left < 60e3);
  }
}

// ---- operators -------------------------------------------------------------------------------------------------

const STUCK_LIMIT = 50;
let stuckSeen = '';
async function loadStuck(auto) {
  // A periodic refresh leaves the table alone while the operator is using it or nothing changed.
  if (!state.admin || (auto === true && $('#ops').contains(document.activeElement))) return;
  try {
    const data = await api('GET', `/admin/rituals/stuck?no_progress_seconds=60&limit=${STUCK_LIMIT}`, { auth: true });
    const seen = JSON.stringify(data.rituals);
    if (auto === true && seen === stuckSeen) return;
    stuckSeen = seen;
    $('#stuck-count').textContent = data.rituals.length >= STUCK_LIMIT ? `the ${STUCK_LIMIT} longest stuck` : `${data.rituals.length}`;
    $('#stuck').replaceChildren(...data.rituals.map(stuckRow));
    if (!data.rituals.length) $('#stuck').append(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'Nothing stuck.')));
  } catch (e) { $('#ops-msg').textContent = `Stuck list: ${e.message}`; }
}

function stuckRow(s) {
  const id = s.ritual_id;
  const step = s.current_step;
  const reason = el('input', { type: 'text', maxlength: 500, placeholder: 'reason', 'aria-label': `Reason to terminate ${id}` });
  const agent = el('input', { type: 'text', maxlength: 64, placeholder: 'agent', spellcheck: 'false', 'aria-label': `Agent to reassign step ${step} of ${id} to` });
  const show = (m) => { $('#ops-msg').textContent = m; };
  const act = (label, path, body) => el('button', { type: 'button', onclick: () => operate(label, id, path, body && body(), show) }, label);
  return el('tr', { 'data-ritual-id': id },
    el('td', {}, el('button', { type: 'button', class: 'pick', title: id, onclick: () => select(id) }, short(id))),
    el('td', {}, el('span', { class: `badge ${String(s.status).toLowerCase()}` }, s.status)),
    el('td', {}, `${step} ${s.step_status || ''}${s.agent ? ` · ${s.agent}` : ''}${s.attempt ? ` · attempt ${s.attempt}` : ''}`),
    el('td', {}, el('ul', { class: 'reasons' }, ...s.reasons.map((x) => el('li', {}, el('code', {}, x.code), ' ', x.detail || '')))),
    el('td', { class: 'actions' },
      act('Retry step', `/admin/rituals/${id}/steps/${step}/retry`),
      act('Skip step', `/admin/rituals/${id}/steps/${step}/skip`),
      agent,
      act('Reassign step', `/admin/rituals/${id}/steps/${step}/reassign`, () => ({ agent: agent.value.trim() })),
      act('Resume', `/admin/rituals/${id}/resume`, () => ({})),
      reason,
      act('Terminate', `/admin/rituals/${id}/terminate`, () => ({ reason: reason.value.trim() || 'terminated from the dashboard' }))));
}

// The chosen ritual's own actions: the same repairs, on its current step, whether or not it is on the stuck list.
function operateOnSelected(op) {
  const sel = state.selected;
  if (!sel || !state.admin) return;
  const id = sel.id;
  const step = (state.rituals.get(id) || {}).current_step;
  const show = (m) => { $('#rv-ops-msg').textContent = m; };
  const paths = {
    retry: ['Retry step', `/admin/rituals/${id}/steps/${step}/retry`],
    skip: ['Skip step', `/admin/rituals/${id}/steps/${step}/skip`],
    reassign: ['Reassign step', `/admin/rituals/${id}/steps/${step}/reassign`, { agent: $('#rv-agent').value.trim() }],
    resume: ['Resume', `/admin/rituals/${id}/resume`, {}],
    terminate: ['Terminate', `/admin/rituals/${id}/terminate`, { reason: $('#rv-reason').value.trim() || 'terminated from the dashboard' }],
  };
  const [label, path, body] = paths[op];
  if (op === 'reassign' && !body.agent) { show('Reassign: name the agent that should take the step'); $('#rv-agent').focus(); return; }
  operate(label, id, path, body, show);
}

async function operate(label, id, path, body, show) {
  show(`${label} ${short(id)}…`);
  try {
    const view = await api('POST', path, { auth: true, body: body ?? {} });
    show(`${label} ${short(id)}: done, now ${view ? view.status : '—'}`);
    if (view && (state.rituals.has(id) || (state.selected && state.selected.id === id))) {
      state.rituals.set(id, { ...state.rituals.get(id), ...view });
    }
    renderRituals();
    if (state.selected && state.selected.id === id) { renderView(); refreshSelected(); }
  } catch (e) {
    show(`${label} ${short(id)} refused: ${e.message}`);
  }
  loadStuck();
  // every call is audited, refusals included: show the newest entries
  state.auditPages.reset();
  loadAudit();
}

// ---- the audit log ------------------------------------------------------------------------------------------

// "ritual:<uuid>/step:<n>" reads as "3f2a1b9c step n"; the whole target stays in the tooltip.
function targetText(target) {
  if (!target) return '—';
  const m = /^ritual:([0-9a-f-]{36})(?:\/step:(\d+))?$/.exec(target);
  return m ? `ritual ${short(m[1])}${m[2] ? ` step ${m[2]}` : ''}` : target;
}

function changeText(entry) {
  const pick = (o) => (o ? ['status', 'step_status', 'agent', 'attempt'].filter((k) => o[k] != null).map((k) => `${k} ${o[k]}`).join(', ') : '');
  const before = pick(entry.before);
  const after = pick(entry.after);
  return before || after ? `${before || '—'} → ${after || '—'}` : '';
}

async function loadAudit(auto) {
  if (!state.admin || (auto === true && (state.auditPages.index > 0 || $('#audit-card').contains(document.activeElement)))) return;
  const seq = ++loads.audit;
  const q = new URLSearchParams({ limit: AUDIT_PAGE });
  if (state.auditPages.at) q.set('after', state.auditPages.at);
  try {
    const data = await api('GET', `/admin/audit?${q}`, { auth: true });
    if (seq !== loads.audit) return;
    state.auditPages.next = data.next_after;
    $('#audit').replaceChildren(...data.entries.map((e) => {
      const at = new Date(e.at);
      const refused = e.outcome.startsWith('refused');
      return el('tr', { 'data-action': e.action, 'data-target': e.target || '', 'data-outcome': e.outcome },
        el('td', { title: at.toLocaleString() }, `${at.toDateString() === new Date().toDateString() ? '' : `${at.toLocaleDateString()} `}${at.toLocaleTimeString()}`),
        el('td', {}, e.actor),
        el('td', {}, el('code', {}, e.action)),
        el('td', { title: e.target || '' }, targetText(e.target)),
        el('td', { class: refused ? 'refused' : 'ok', title: changeText(e) }, e.outcome));
    }));
    if (!data.entries.length) $('#audit').append(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'No entry yet.')));
    $('#audit-page').textContent = `page ${state.auditPages.index + 1} · newest first`;
    $('#audit-newer').disabled = state.auditPages.index === 0;
    $('#audit-older').disabled = !data.next_after;
  } catch (e) { if (seq === loads.audit) $('#audit-page').textContent = `Audit: ${e.message}`; }
}

// ---- the key ------------------------------------------------------------------------------------------------

async function useKey(key) {
  state.key = key || null;
  state.admin = false;
  showAdmin();
  if (!state.key) {
    $('#key-state').textContent = 'no key: rituals come from live events only';
    keyedSearch();
    return;
  }
  $('#key-state').textContent = 'checking key…';
  try {
    await api('GET', '/api/rituals?limit=1', { auth: true });
  } catch (e) {
    if (e.status === 401) state.key = null;
    $('#key-state').textContent = e.status === 401 ? 'key refused (401)' : `key cannot list rituals: ${e.message}`;
    keyedSearch();
    return;
  }
  try {
    await api('GET', '/admin/rituals/stuck?no_progress_seconds=60&limit=1', { auth: true });
    state.admin = true;
  } catch (e) { state.admin = false; }
  $('#key-state').textContent = `key in memory · ${state.admin ? 'admin' : 'rituals'}`;
  showAdmin();
  keyedSearch();
  state.ritualPages.reset();
  state.auditPages.reset();
  loadState();
}

function showAdmin() {
  $('#ops').hidden = !state.admin;
  $('#audit-card').hidden = !state.admin;
  $('#rv-ops').hidden = !state.admin;
}

// Searching history needs a key (GET /api/rituals); without one the list is what live events bring.
function keyedSearch() {
  for (const field of $('#ritual-filter').elements) field.disabled = !state.key;
  if (!state.key) {
    // what the key fetched goes with it; the chosen ritual stays on display
    state.ritualPages.reset();
    state.listed = [];
  }
  renderRituals();
}

// ---- the live stream --------------------------------------------------------------------------------------------

function setConn(status, detail) {
  const c = $('#conn');
  c.textContent = status;
  c.className = status;
  c.title = detail || '';
}

function connect() {
  clearTimeout(live.timer);
  const resuming = Boolean(live.sessionId && live.resumeToken);
  const q = new URLSearchParams();
  if (resuming) { q.set('session_id', live.sessionId); q.set('resume_token', live.resumeToken); }
  // A new session can still replay what was missed: last_event_id works on any connection.
  if (live.lastId != null) q.set('last_event_id', String(live.lastId));
  const qs = q.toString();
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${qs ? `?${qs}` : ''}`);
  let opened = false;
  live.ws = ws;
  ws.onopen = () => { opened = true; };
  ws.onmessage = (m) => onMessage(m.data);
  ws.onclose = (e) => onClose(ws, e, opened, resuming);
}

async function onClose(ws, e, opened, resuming) {
  if (live.ws !== ws) return;
  live.ws = null;
  clearTimeout(live.stable);
  setConn('reconnecting', `closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`);
  if (e.code === 4401) {
    dropSession();
  } else if (resuming && !opened) {
    // The upgrade failed. A browser cannot see why: if the service is up and ready, the resume was refused
    // (the session ended or expired), so the next attempt starts a new session instead.
    const up = await fetch('/q/health/ready', { cache: 'no-store', credentials: 'omit' }).then((r) => r.ok, () => false);
    if (up) dropSession();
  }
  scheduleReconnect();
}

function dropSession() {
  live.sessionId = null;
  live.resumeToken = null;
  $('#session-id').textContent = '—';
}

// Exponential backoff with jitter, 1 s doubling to 30 s; reset only after a connection stayed up for 10 s.
function scheduleReconnect() {
  if (!navigator.onLine) { setConn('disconnected', 'offline'); return; }
  const base = Math.min(30e3, 1e3 * 2 ** live.attempt);
  const delay = Math.round(base / 2 + (Math.random() * base) / 2);
  live.attempt = Math.min(live.attempt + 1, 10);
  $('#conn').title += ` · retry in ${(delay / 1000).toFixed(1)} s`;
  clearTimeout(live.timer);
  live.timer = setTimeout(connect, delay);
}

function onMessage(data) {
  let ev;
  try { ev = JSON.parse(data); } catch { return; }
  if (ev.event === 'session') {
    const resumed = ev.resume_token == null && ev.session_id === live.sessionId;
    live.sessionId = ev.session_id;
    if (ev.resume_token) live.resumeToken = ev.resume_token;
    $('#session-id').textContent = ev.session_id;
    setConn('connected', resumed ? 'session resumed' : 'new session');
    live.stable = setTimeout(() => { live.attempt = 0; }, 10e3);
    // A new session after an earlier one: events may have been lost, so REST state is reloaded.
    if (!resumed && live.hadSession) loadState();
    live.hadSession = true;
    return;
  }
  if (typeof ev.id !== 'number') return; // pong, error
  if (live.lastId != null && ev.id <= live.lastId) return;
  live.lastId = ev.id;
  $('#last-event-id').textContent = String(ev.id);
  handle(ev);
}

function handle(ev) {
  logEvent(ev);
  switch (ev.event) {
    case 'ucf_update': setUcf(ev.ucf, ev.timestamp); break;
    case 'ritual_completion': setUcf(ev.ucf_after, ev.timestamp); ritualEvent(ev); break;
    case 'ritual_progress': case 'ritual_timeout': case 'ritual_failed': ritualEvent(ev); break;
    case 'agent_state_change': soon('agents', loadAgents, 2000); break; // a burst of changes costs one reload
    default: break;
  }
  if (state.admin && ev.event === 'ritual_progress' && ev.step_status === 'FAILED') soon('stuck', () => loadStuck(true), 1000);
}

function summary(ev) {
  switch (ev.event) {
    case 'ritual_progress':
      return `${short(ev.ritual_id)} ${ev.status}${ev.step ? ` · step ${ev.step} ${ev.step_status}` : ''}${ev.agent ? ` by ${ev.agent}` : ''}`
        + ` (${ev.steps_completed}/${ev.steps_total})${ev.reason ? ` · ${ev.reason}` : ''}`;
    case 'ritual_completion':
      return `${short(ev.ritual_id)} COMPLETED ${ev.steps_completed}/${ev.ritual.steps} in ${fmt(ev.ritual.duration_seconds, 1)} s · harmony ${fmt(ev.ucf_before && ev.ucf_before.harmony)} → ${fmt(ev.ucf_after && ev.ucf_after.harmony)}`;
    case 'ritual_timeout': case 'ritual_failed': return `${short(ev.ritual_id)} ${ev.status} · ${ev.reason || ''}`;
    case 'agent_state_change': return `${ev.agent} ${ev.old_status} → ${ev.new_status} · ${ev.reason || ''}`;
    case 'alert': return `${ev.severity}: ${ev.message} · ${ev.recommended_action}`;
    case 'ucf_update': return METRICS.map((m) => `${m.name} ${fmt(ev.ucf[m.name], 2)}`).join(' · ') + ` · ${ev.phase}`;
    default: return '';
  }
}

function logEvent(ev) {
  const list = $('#events');
  const time = new Date(ev.timestamp).toLocaleTimeString();
  list.prepend(el('li', { 'data-event': ev.event, class: ev.event === 'alert' ? ev.state : '' },
    el('span', { class: 'muted' }, `#${ev.id} ${time}`), ' ', el('strong', {}, ev.event), ' ', summary(ev)));
  while (list.children.length > 60) list.lastChild.remove();
}

// ---- start ---------------------------------------------------------------------------------------------------

function debounced(fn, ms) {
  let timer = null;
  return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
}

document.addEventListener('DOMContentLoaded', () => {
  buildGauges();
  $('#key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('#api-key');
    const key = input.value.trim();
    input.value = ''; // the key stays in memory, not in the field
    useKey(key);
  });
  $('#key-forget').addEventListener('click', () => { $('#api-key').value = ''; useKey(null); });
  $('#ops-refresh').addEventListener('click', () => loadStuck());

  $('#agent-filter').addEventListener('submit', (e) => { e.preventDefault(); refilterAgents(); });
  $('#agent-name').addEventListener('input', debounced(refilterAgents, 250));
  $('#agent-status').addEventListener('change', refilterAgents);
  for (const chip of document.querySelectorAll('#agent-counts .chip')) {
    chip.addEventListener('click', () => {
      const select = $('#agent-status');
      select.value = select.value === chip.dataset.status ? '' : chip.dataset.status;
      refilterAgents();
    });
  }
  $('#agents-prev').addEventListener('click', () => { if (state.agentPages.back()) loadAgents(); });
  $('#agents-next').addEventListener('click', () => { if (state.agentPages.forward()) loadAgents(); });

  const search = debounced(researchRituals, 300);
  $('#ritual-filter').addEventListener('submit', (e) => { e.preventDefault(); researchRituals(); });
  $('#ritual-filter').addEventListener('input', (e) => { if (e.target.type === 'search') search(); });
  $('#ritual-filter').addEventListener('change', (e) => { if (e.target.type !== 'search') researchRituals(); });
  $('#ritual-filter').addEventListener('reset', () => setTimeout(researchRituals, 0));
  $('#rituals-newer').addEventListener('click', () => { if (state.ritualPages.back()) loadRituals(); });
  $('#rituals-older').addEventListener('click', () => { if (state.ritualPages.forward()) loadRituals(); });

  $('#rv-ops').addEventListener('submit', (e) => { e.preventDefault(); });
  $('#rv-ops').addEventListener('click', (e) => { if (e.target.dataset.op) operateOnSelected(e.target.dataset.op); });
  $('#audit-refresh').addEventListener('click', () => { state.auditPages.reset(); loadAudit(); });
  $('#audit-newer').addEventListener('click', () => { if (state.auditPages.back()) loadAudit(); });
  $('#audit-older').addEventListener('click', () => { if (state.auditPages.forward()) loadAudit(); });

  window.addEventListener('online', () => { if (!live.ws) connect(); });
  window.addEventListener('offline', () => { if (!live.ws) setConn('disconnected', 'offline'); });
  setInterval(() => { tickAgents(); tickAges(); tickDeadline(); }, 1000);
  setInterval(loadAgents, 10e3);
  setInterval(() => { loadStuck(true); loadAudit(true); }, 15e3);
  setInterval(drawSpark, 60e3);
  keyedSearch();
  loadState();
  connect();
});
