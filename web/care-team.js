// The care-team sheet (issue #6): for a patient's home, the candidates of each role of a home
// palliative care team from /api/care-team, with a plain statement for every role that cannot be
// filled, laid out to be printed on A4 for the discharge conference (退院前カンファレンス).
// The home comes from the URL (?lat=&lon= or ?address=), so the map can link here.
import { el } from './dom.js';
import { applyI18n, bindLangToggle, formatDate, getLang, t } from './i18n.js';

const state = { team: null, sources: [], catalogue: null };

async function getJson(url) {
  const response = await fetch(url);
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.detail ?? `${response.status}`);
  return body;
}

function parseLatLon(text) {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*[,、，\s]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text.normalize('NFKC'));
  return match ? { lat: Number(match[1]), lon: Number(match[2]) } : null;
}

/** The request the URL describes. */
function requestFromUrl() {
  const params = new URLSearchParams(window.location.search);
  const out = new URLSearchParams();
  for (const key of ['lat', 'lon', 'address', 'needs']) {
    if (params.get(key)) out.set(key, params.get(key));
  }
  return out;
}

function km(m) {
  return `${(m / 1000).toFixed(1)} km`;
}

function precisionText(p) {
  return p === 'exact' ? t('team.precision.exact') : t(`team.precision.${p}`);
}

function roleLabel(role) {
  return getLang() === 'ja' ? role.label_ja : t(`team.role.${role.role}`);
}

function details(role, c) {
  const parts = [];
  if (role.role === 'home_care_clinic' && c.within_home_visit_limit) parts.push(t('team.within16'));
  if (c.match === 'orderable') parts.push(t('team.orderable'));
  if (c.match === 'in_stock') parts.push(t('team.inStock'));
  if (role.role === 'palliative_ward') {
    const beds = c.capability_details?.find((d) => d.capability === 'palliative_ward')?.ward_beds;
    parts.push(c.ward_beds_filed ? t('team.beds', { beds }) : t('team.bedsUnknown'));
  }
  if (c.next_session !== undefined) {
    const s = c.next_session;
    parts.push(s
      ? t('team.next', { date: s.date, weekday: s.weekday_ja, time: s.start ? `${s.start}–${s.end ?? ''}` : '' })
      : t('team.nextUnknown', { schedule: c.schedule ?? '—' }));
  }
  if (c.stock) {
    parts.push(c.stock.updated_at
      ? t('team.stock', { date: formatDate(c.stock.updated_at) }) + (c.stock.stale ? ` ${t('team.stale')}` : '')
      : t('team.noStock'));
  }
  return parts.join(' / ');
}

function renderRole(role) {
  const rows = role.candidates.map((c) => el('tr', { dataset: { id: c.id } },
    el('td', {}, c.name),
    el('td', { class: 'num' }, km(c.distance_m)),
    el('td', {}, precisionText(c.location_precision)),
    el('td', {}, c.phone ?? '—'),
    el('td', {}, c.address ?? '—'),
    el('td', {}, details(role, c))));
  const reason = getLang() === 'ja' ? role.reason_ja : role.reason_en;
  return el('section', { class: 'team-role', dataset: { role: role.role, status: role.status } },
    el('h2', {}, roleLabel(role), el('span', { class: `status ${role.status}` }, t(`team.status.${role.status}`))),
    reason ? el('p', { class: 'team-reason' }, reason) : null,
    rows.length ? el('table', {},
      el('thead', {}, el('tr', {},
        ...['name', 'distance', 'precision', 'phone', 'address', 'notes'].map((k) => el('th', {}, t(`team.col.${k}`))))),
      el('tbody', {}, ...rows)) : null);
}

function render() {
  applyI18n();
  document.title = `kanwamap ${t('team.title')}`;
  const team = state.team;
  const meta = document.getElementById('team-meta');
  const roles = document.getElementById('team-roles');
  if (!team) {
    meta.replaceChildren();
    roles.replaceChildren();
    return;
  }
  const home = team.geocoded
    ? `${team.geocoded.normalized} → ${team.geocoded.municipality_name}${team.geocoded.town ?? ''}${team.geocoded.koaza ?? ''}`
      + `（${t(`team.precision.${team.geocoded.precision}`)}）`
    : `${team.origin.lat.toFixed(5)}, ${team.origin.lon.toFixed(5)}`;
  meta.replaceChildren(
    el('dt', {}, t('team.meta.date')), el('dd', {}, team.today),
    el('dt', {}, t('team.meta.home')), el('dd', {}, home),
    el('dt', {}, t('team.meta.needs')), el('dd', {}, team.needs.length ? team.needs.join(', ') : t('team.meta.noNeeds')),
    el('dt', {}, t('team.meta.rule')), el('dd', {}, t('team.meta.ruleText')),
  );
  roles.replaceChildren(...team.roles.map(renderRole));
  const credits = [...new Set(state.sources.map((s) => s.attribution).filter(Boolean))];
  document.getElementById('team-credits').replaceChildren(
    el('strong', {}, t('team.credits')), ' ', credits.join(' / '), ' — kanwamap');
}

async function load() {
  const request = requestFromUrl();
  const error = document.getElementById('team-error');
  error.hidden = true;
  if (!request.has('address') && !(request.has('lat') && request.has('lon'))) {
    state.team = null;
    render();
    return;
  }
  try {
    state.team = await getJson(`/api/care-team?${request}`);
  } catch (e) {
    state.team = null;
    error.hidden = false;
    error.textContent = t('team.error', { detail: e.message });
  }
  render();
  document.body.dataset.loaded = 'true';
}

function fillForm() {
  const request = requestFromUrl();
  document.getElementById('team-where').value = request.get('address')
    ?? (request.has('lat') ? `${request.get('lat')},${request.get('lon')}` : '');
  const needs = (request.get('needs') ?? '').split(',');
  const select = document.getElementById('team-opioid');
  for (const p of state.catalogue?.products ?? []) {
    select.append(el('option', { value: `opioid:${p.id}` }, getLang() === 'ja' ? p.label_ja : p.label_en));
  }
  select.value = needs.find((n) => n.startsWith('opioid:')) ?? '';
  document.getElementById('team-sterile').checked = needs.includes('sterile_compounding');
}

function submit(event) {
  event.preventDefault();
  const where = document.getElementById('team-where').value.trim();
  const next = new URLSearchParams();
  const point = parseLatLon(where);
  if (point) {
    next.set('lat', String(point.lat));
    next.set('lon', String(point.lon));
  } else if (where) {
    next.set('address', where);
  }
  const needs = [document.getElementById('team-opioid').value,
    document.getElementById('team-sterile').checked ? 'sterile_compounding' : ''].filter(Boolean);
  if (needs.length) next.set('needs', needs.join(','));
  window.history.replaceState(null, '', `?${next}`);
  load();
}

async function start() {
  applyI18n();
  bindLangToggle(document.getElementById('lang-toggle'), render);
  document.getElementById('print').addEventListener('click', () => window.print());
  document.getElementById('team-form').addEventListener('submit', submit);
  [state.sources, state.catalogue] = await Promise.all([
    getJson('/api/sources').catch(() => []),
    getJson('/api/opioids').catch(() => null),
  ]);
  fillForm();
  await load();
}

window.kanwamapTeam = { state };
start();
