// The pharmacy stock page (issue #5): a pharmacy signs in with the token issued to it
// (`kanwamap token issue`), sees its registered stock of medical opioids (医療用麻薬) and services,
// and replaces it with a PUT. The token stays in sessionStorage only (gone when the tab closes).
import { el } from './dom.js';
import {
  applyI18n, bindLangToggle, formatDate, getLang, t,
} from './i18n.js';

const SESSION_KEY = 'kanwamap.pharmacy';
const STATUSES = ['in_stock', 'orderable', 'none'];

const state = {
  session: null, // {id, token}
  catalogue: null,
  stock: null, // GET/PUT response
  message: null, // {kind: 'ok'|'fail', key, vars}
};


function loadSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    if (saved?.id && saved?.token) return saved;
  } catch {
    // Unreadable: sign in again.
  }
  return null;
}

function saveSession(session) {
  try {
    if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // Without storage the page still works until it is reloaded.
  }
}

/** A failed request as an Error carrying the status, the problem+json body and Retry-After. */
async function requestError(response) {
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    // Not problem+json.
  }
  const error = new Error(problem?.detail || problem?.title || `${response.status} ${response.statusText}`);
  error.status = response.status;
  error.problem = problem;
  error.retryAfter = response.headers.get('Retry-After');
  return error;
}

async function api(path, { method = 'GET', token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    const error = new Error('network');
    error.status = 0;
    throw error;
  }
  if (!response.ok) throw await requestError(response);
  return response.json();
}

/** The message for a failed request: a sentence for the statuses a pharmacist meets, plus the detail. */
function failure(error) {
  const known = { 401: 'pharmacy.error.401', 403: 'pharmacy.error.403', 404: 'pharmacy.error.404', 429: 'pharmacy.error.429' };
  if (error.status === 0) return { kind: 'fail', key: 'pharmacy.error.network' };
  const detail = [error.message, error.problem?.parameter ? `(${error.problem.parameter})` : null].filter(Boolean).join(' ');
  if (known[error.status]) {
    return { kind: 'fail', key: known[error.status], vars: { seconds: error.retryAfter ?? '60' }, detail };
  }
  return { kind: 'fail', key: 'pharmacy.error', vars: { detail } };
}

function showMessage(message) {
  state.message = message;
  renderMessage();
}

function renderMessage() {
  const box = document.getElementById('message');
  const message = state.message;
  box.hidden = !message;
  if (!message) return;
  box.className = message.kind;
  box.textContent = t(message.key, message.vars ?? {}) + (message.detail ? ` ${message.detail}` : '');
}

// ---- the editor ------------------------------------------------------------------------------

function label(entry) {
  if (!entry) return '';
  return entry[getLang()] ?? entry.ja;
}

function productRow(product, item) {
  const status = item?.status ?? 'none';
  const days = item?.orderable_days ?? '';
  const name = `status-${product.id}`;
  const daysInput = el('input', {
    type: 'number', min: '0', max: '60', step: '1', name: `days-${product.id}`, value: String(days),
    disabled: status !== 'orderable', 'aria-label': t('pharmacy.orderableDays'),
  });
  const toggle = el(
    'div',
    { class: 'status-toggle', role: 'radiogroup', 'aria-label': t('pharmacy.status') },
    ...STATUSES.map((s) => el(
      'label',
      { class: s },
      el('input', {
        type: 'radio', name, value: s, checked: s === status,
        onchange: () => { daysInput.disabled = s !== 'orderable'; },
      }),
      t(`pharmacy.status.${s}`),
    )),
  );
  return el(
    'div',
    { class: 'product-row', dataset: { product: product.id } },
    el(
      'div',
      { class: 'product-name' },
      getLang() === 'ja' ? product.label_ja : product.label_en,
      product.aliases?.length ? el('small', {}, t('pharmacy.aliases', { aliases: product.aliases.join('、') })) : null,
    ),
    toggle,
    el('label', { class: 'days' }, daysInput, t('pharmacy.days')),
  );
}

/** Draws the form from the catalogue and the current stock (or from what is being edited). */
function renderEditor() {
  const editor = document.getElementById('editor');
  const signin = document.getElementById('signin');
  const signedIn = Boolean(state.session && state.stock && state.catalogue);
  editor.hidden = !signedIn;
  signin.hidden = signedIn;
  if (!signedIn) return;
  const { stock, catalogue } = state;
  document.getElementById('who').textContent = t('pharmacy.signedInAs', { name: stock.name, id: stock.facility_id });
  document.getElementById('last-updated').textContent = stock.updated_at
    ? t('pharmacy.lastUpdated', { date: formatDate(stock.updated_at) })
    : t('pharmacy.neverUpdated');
  const staleMs = (catalogue.stale_after_days ?? 30) * 86_400_000;
  document.getElementById('stale-warning').hidden = !(stock.updated_at && Date.now() - Date.parse(stock.updated_at) > staleMs);

  const items = new Map((stock.items ?? []).map((i) => [i.product, i]));
  const groups = Object.entries(catalogue.ingredients ?? {}).map(([ingredient, names]) => {
    const products = catalogue.products.filter((p) => p.ingredient === ingredient);
    if (products.length === 0) return null;
    return el(
      'fieldset',
      { class: 'ingredient', dataset: { ingredient } },
      el('legend', {}, label(names)),
      ...products.map((p) => productRow(p, items.get(p.id))),
    );
  });
  document.getElementById('products').replaceChildren(...groups.filter(Boolean));
  document.getElementById('services').replaceChildren(...(catalogue.services ?? []).map((service) => {
    const value = stock.services?.[service.id];
    const box = el('input', { type: 'checkbox', name: `service-${service.id}`, checked: value === true });
    box.indeterminate = value === null || value === undefined;
    return el('label', {}, box, ' ', label(service));
  }));
}

/** What the form says, as the PUT body: every product of the catalogue, every service answered. */
function formBody() {
  const form = document.getElementById('stock-form');
  const items = state.catalogue.products.map((product) => {
    const status = form.querySelector(`input[name="status-${product.id}"]:checked`)?.value ?? 'none';
    const daysText = form.querySelector(`input[name="days-${product.id}"]`)?.value ?? '';
    const days = status === 'orderable' && daysText !== '' ? Number(daysText) : null;
    return { product: product.id, status, orderable_days: days };
  });
  const services = {};
  for (const service of state.catalogue.services ?? []) {
    const box = form.querySelector(`input[name="service-${service.id}"]`);
    // A box the pharmacy left undecided keeps the previous answer (null = not stated).
    services[service.id] = box.indeterminate ? (state.stock.services?.[service.id] ?? null) : box.checked;
  }
  return { items, services };
}

/** Keeps what is being edited across a language switch. */
function captureEdits() {
  if (!state.stock || document.getElementById('editor').hidden) return;
  const body = formBody();
  state.stock = {
    ...state.stock,
    items: body.items.map((i) => ({ ...i })),
    services: body.services,
  };
}

// ---- sign in / out, load, save ---------------------------------------------------------------

async function load() {
  const { id, token } = state.session;
  showMessage({ kind: 'ok', key: 'pharmacy.loading' });
  try {
    const [catalogue, stock] = await Promise.all([
      state.catalogue ?? api('/api/opioids'),
      api(`/api/pharmacies/${encodeURIComponent(id)}/stock`),
    ]);
    // The stock is public: check the token too, through the audit log it unlocks.
    await api(`/api/pharmacies/${encodeURIComponent(id)}/stock/audit`, { token });
    state.catalogue = catalogue;
    state.stock = stock;
    showMessage(null);
  } catch (error) {
    if (error.status === 401 || error.status === 403 || error.status === 404 || error.status === 400) {
      state.session = null;
      saveSession(null);
    }
    state.stock = null;
    showMessage(failure(error));
  }
  renderEditor();
}

async function save(event) {
  event.preventDefault();
  const { id, token } = state.session;
  const button = document.getElementById('save');
  button.disabled = true;
  showMessage({ kind: 'ok', key: 'pharmacy.saving' });
  try {
    state.stock = await api(`/api/pharmacies/${encodeURIComponent(id)}/stock`, { method: 'PUT', token, body: formBody() });
    renderEditor();
    showMessage({ kind: 'ok', key: 'pharmacy.saved', vars: { date: formatDate(state.stock.updated_at) } });
  } catch (error) {
    if (error.status === 401 || error.status === 403) {
      state.session = null;
      saveSession(null);
      renderEditor();
    }
    showMessage(failure(error));
  } finally {
    button.disabled = false;
  }
}

function signIn(event) {
  event.preventDefault();
  const id = document.getElementById('facility-id').value.trim();
  const token = document.getElementById('token').value.trim();
  if (!id || !token) return;
  state.session = { id, token };
  saveSession(state.session);
  document.getElementById('token').value = '';
  load();
}

function signOut() {
  state.session = null;
  state.stock = null;
  saveSession(null);
  showMessage(null);
  renderEditor();
}

function start() {
  applyI18n();
  document.title = `kanwamap ${t('pharmacy.pageTitle')}`;
  bindLangToggle(document.getElementById('lang-toggle'), () => {
    document.title = `kanwamap ${t('pharmacy.pageTitle')}`;
    captureEdits();
    renderEditor();
    renderMessage();
  });
  document.getElementById('signin').addEventListener('submit', signIn);
  document.getElementById('stock-form').addEventListener('submit', save);
  document.getElementById('sign-out').addEventListener('click', signOut);
  const params = new URLSearchParams(window.location.search);
  if (params.get('facility')) document.getElementById('facility-id').value = params.get('facility');
  state.session = loadSession();
  if (state.session) return load();
  renderEditor();
  return Promise.resolve();
}

window.kanwamapPharmacy = { state, ready: start() };
