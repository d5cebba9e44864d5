// The kanwamap web map: our own vector tiles (areas, municipalities, facilities, 500 m coverage
// cells) served by `kanwamap serve`, an optional raster base map, the nearest providers for a
// home-care team, and the coverage table of the secondary medical areas (二次医療圏).
// Plain ES modules, no bundler; MapLibre GL JS is served from ./vendor (no CDN: the hospital
// intranets this runs on have no internet).
import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';
import { el } from './dom.js';
import {
  applyI18n, bindLangToggle, formatDate, formatNumber, formatPercent, getLang, t,
} from './i18n.js';

/** Facility colours by kind (legend, points, clusters). Distinct hues so tests can find them. */
export const KIND_COLOURS = {
  hospital: '#d62728',
  clinic: '#1f77b4',
  dental: '#9467bd',
  pharmacy: '#2ca02c',
  visiting_nurse: '#ff7f0e',
  salon: '#e377c2',
  peer_support: '#8c564b',
};
const KINDS = Object.keys(KIND_COLOURS);

/** The provider sets of the choropleth and the area table: query params of the tiles and /api/coverage. */
const PROVIDER_SETS = [
  { id: 'home_care', params: { needs: 'home_care_support' } },
  { id: 'pharmacy', params: { kind: 'pharmacy' } },
  { id: 'dental', params: { kind: 'dental' } },
  { id: 'visiting_nurse', params: { kind: 'visiting_nurse' } },
  { id: 'palliative_ward', params: { needs: 'palliative_ward' } },
  { id: 'cancer_hub', params: { needs: 'cancer_hub' } },
];

/** The roles of a home-care team, each one nearest-provider query. */
const ROLES = [
  { id: 'home_care', params: { needs: 'home_care_support', k: 3 }, homeVisitLimit: true },
  { id: 'pharmacy', params: { kind: 'pharmacy', k: 3 }, productFilter: true },
  { id: 'dental', params: { kind: 'dental', k: 1 } },
  { id: 'visiting_nurse', params: { kind: 'visiting_nurse', k: 1 } },
  { id: 'palliative_ward', params: { needs: 'palliative_ward', k: 1 } },
  { id: 'salon', params: { kind: 'salon', k: 1 } },
];

/** Capability badges drawn on the points (and explained in the legend). */
const BADGES = {
  home_care_support: { colour: '#111111' },
  palliative_ward: { colour: '#8e24aa' },
  cancer_hub: { colour: '#f9a825' },
};

const COVERED_RAMP = [0.5, '#d73027', 0.9, '#fc8d59', 0.97, '#fee08b', 1, '#1a9850'];

/** Areas without a covered share (no 500 m mesh population imported): grey, never the 0 % red. */
const NO_MESH_COLOUR = '#bdbdbd';

/** Where the chosen prefecture is remembered. */
const PREFECTURE_KEY = 'kanwamap.prefecture';

const state = {
  setId: 'home_care',
  radiusKm: 16,
  prefecture: '', // the chosen prefecture's code; '' = every imported prefecture
  prefectures: null, // GET /api/prefectures, when the server has it
  hiddenKinds: new Set(),
  home: null, // {lat, lon}
  nearest: null, // {origin, roles: [{role, query, response|error}]}
  product: '', // needs value of the pharmacy filter, e.g. "opioid:fentanyl"
  catalogue: null, // GET /api/opioids, when the server has it
  coverage: null, // GET /api/coverage response
  coverageError: null,
  sources: [],
  basemap: null, // {url, attribution} once the probe succeeded
};

// ---- small helpers ---------------------------------------------------------------------------


const svgEl = (tag, attrs = {}, text) => {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
};

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  return search.toString();
}

/** Fetches JSON; throws an Error whose message is the problem+json detail when there is one. */
async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || detail;
    } catch {
      // Not JSON: keep the status line.
    }
    const error = new Error(detail);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

const absolute = (path) => new URL(path, window.location.href).href;

/** The provider set, radius and chosen prefecture: the tiles' and /api/coverage's parameters. */
function coverageParams() {
  const set = PROVIDER_SETS.find((s) => s.id === state.setId) ?? PROVIDER_SETS[0];
  return { ...set.params, radius_km: state.radiusKm, prefecture: state.prefecture || undefined };
}

/** The imported prefectures (an empty list until /api/prefectures answered). */
const importedPrefectures = () => state.prefectures?.prefectures ?? [];

const prefectureOf = (code) => importedPrefectures().find((p) => p.code === code);

function tileJsonUrl(layer, params = {}) {
  const qs = query(params);
  return absolute(`/tiles/${layer}.json${qs ? `?${qs}` : ''}`);
}

// ---- the map ---------------------------------------------------------------------------------

const map = new maplibregl.Map({
  container: 'map',
  style: {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f3f2ee' } }],
  },
  center: [130.78, 32.6],
  zoom: 8,
  minZoom: 5,
  maxZoom: 17,
  // Lets the browser tests read pixels back; the cost is negligible at this size.
  canvasContextAttributes: { preserveDrawingBuffer: true },
  // Compact: the full credits are always visible in the panel's credits box.
  attributionControl: { compact: true },
  // No symbol fade: a redraw shows the same picture at once (and the tests compare pixels).
  fadeDuration: 0,
});
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');

/** A round badge with a count, drawn on a canvas: cluster labels without a glyph server. */
function clusterImage(kind, count) {
  const ratio = 2;
  const label = count >= 1000 ? `${Math.round(count / 100) / 10}k` : String(count);
  const size = (label.length <= 1 ? 22 : label.length === 2 ? 26 : 32) + Math.min(10, Math.log2(count) * 1.5);
  const px = Math.round(size * ratio);
  const canvas = document.createElement('canvas');
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext('2d');
  ctx.beginPath();
  ctx.arc(px / 2, px / 2, px / 2 - ratio, 0, Math.PI * 2);
  ctx.fillStyle = KIND_COLOURS[kind] ?? '#555555';
  ctx.fill();
  ctx.lineWidth = 2 * ratio;
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
  ctx.fillStyle = '#ffffff';
  ctx.font = `bold ${11 * ratio}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(label, px / 2, px / 2 + ratio * 0.5);
  return { image: ctx.getImageData(0, 0, px, px), ratio };
}

/** A small star for cancer hub hospitals. */
function starImage() {
  const ratio = 2;
  const px = 14 * ratio;
  const canvas = document.createElement('canvas');
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext('2d');
  ctx.beginPath();
  for (let i = 0; i < 10; i += 1) {
    const r = i % 2 === 0 ? px / 2 - ratio : px / 5;
    const a = (Math.PI / 5) * i - Math.PI / 2;
    ctx.lineTo(px / 2 + r * Math.cos(a), px / 2 + r * Math.sin(a));
  }
  ctx.closePath();
  ctx.fillStyle = BADGES.cancer_hub.colour;
  ctx.fill();
  ctx.lineWidth = ratio;
  ctx.strokeStyle = '#5d4037';
  ctx.stroke();
  return { image: ctx.getImageData(0, 0, px, px), ratio };
}

// Cluster badges are drawn on demand: MapLibre asks the resolver for an image id it has not seen
// and waits for it (a 'styleimagemissing' listener would be too late for the current tile).
map.setMissingStyleImageResolver((id) => {
  const match = /^cluster:([a-z_]+):(\d+)$/.exec(id);
  if (!match || map.hasImage(id)) return;
  const { image, ratio } = clusterImage(match[1], Number(match[2]));
  map.addImage(id, image, { pixelRatio: ratio });
});

const notCluster = ['!=', ['get', 'cluster'], true];
const hasCapability = (name) => ['in', name, ['coalesce', ['get', 'capabilities'], '']];

function kindFilter() {
  const visible = KINDS.filter((k) => !state.hiddenKinds.has(k));
  if (visible.length === 0) return false;
  return ['match', ['get', 'kind'], visible, true, false];
}

function addDataLayers() {
  const params = coverageParams();
  map.addSource('areas', { type: 'vector', url: tileJsonUrl('areas', params) });
  map.addSource('municipalities', { type: 'vector', url: tileJsonUrl('municipalities') });
  map.addSource('coverage', { type: 'vector', url: tileJsonUrl('coverage', params) });
  map.addSource('facilities', { type: 'vector', url: tileJsonUrl('facilities') });

  map.addLayer({
    id: 'areas-fill',
    type: 'fill',
    source: 'areas',
    'source-layer': 'areas',
    paint: {
      'fill-color': [
        'case',
        ['has', 'covered_share'],
        ['interpolate', ['linear'], ['get', 'covered_share'], ...COVERED_RAMP],
        NO_MESH_COLOUR,
      ],
      'fill-opacity': 0.45,
    },
  });
  map.addLayer({
    id: 'coverage-fill',
    type: 'fill',
    source: 'coverage',
    'source-layer': 'coverage',
    minzoom: 7,
    layout: { visibility: 'none' },
    paint: {
      'fill-color': ['case', ['==', ['get', 'covered'], true], '#43a047', '#e53935'],
      'fill-opacity': ['case', ['==', ['get', 'covered'], true], 0.3, 0.65],
    },
  });
  map.addLayer({
    id: 'municipalities-line',
    type: 'line',
    source: 'municipalities',
    'source-layer': 'municipalities',
    paint: { 'line-color': '#8a8a8a', 'line-width': 0.6, 'line-dasharray': [3, 2] },
  });
  map.addLayer({
    id: 'areas-line',
    type: 'line',
    source: 'areas',
    'source-layer': 'areas',
    paint: { 'line-color': '#4a4a4a', 'line-width': 1.6 },
  });
  map.addLayer({
    id: 'facilities-clusters',
    type: 'symbol',
    source: 'facilities',
    'source-layer': 'facilities',
    filter: ['all', ['==', ['get', 'cluster'], true], kindFilter()],
    layout: {
      'icon-image': ['concat', 'cluster:', ['get', 'kind'], ':', ['to-string', ['get', 'point_count']]],
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
      'symbol-sort-key': ['-', ['get', 'point_count']],
    },
  });
  map.addLayer({
    id: 'facilities-ward-ring',
    type: 'circle',
    source: 'facilities',
    'source-layer': 'facilities',
    filter: ['all', notCluster, hasCapability('palliative_ward'), kindFilter()],
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, 8, 16, 12],
      'circle-color': 'rgba(0,0,0,0)',
      'circle-stroke-color': BADGES.palliative_ward.colour,
      'circle-stroke-width': 2.5,
    },
  });
  map.addLayer({
    id: 'facilities-points',
    type: 'circle',
    source: 'facilities',
    'source-layer': 'facilities',
    filter: ['all', notCluster, kindFilter()],
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, 4, 16, 7],
      'circle-color': ['match', ['get', 'kind'], ...KINDS.flatMap((k) => [k, KIND_COLOURS[k]]), '#555555'],
      'circle-stroke-color': ['case', hasCapability('home_care_support'), BADGES.home_care_support.colour, '#ffffff'],
      'circle-stroke-width': ['case', hasCapability('home_care_support'), 2, 1],
    },
  });
  map.addLayer({
    id: 'facilities-hub',
    type: 'symbol',
    source: 'facilities',
    'source-layer': 'facilities',
    filter: ['all', notCluster, hasCapability('cancer_hub'), kindFilter()],
    layout: {
      'icon-image': 'badge-star',
      'icon-offset': [7, -7],
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
    },
  });
}

const FACILITY_LAYERS = ['facilities-clusters', 'facilities-ward-ring', 'facilities-points', 'facilities-hub'];

function applyKindFilter() {
  map.setFilter('facilities-clusters', ['all', ['==', ['get', 'cluster'], true], kindFilter()]);
  map.setFilter('facilities-ward-ring', ['all', notCluster, hasCapability('palliative_ward'), kindFilter()]);
  map.setFilter('facilities-points', ['all', notCluster, kindFilter()]);
  map.setFilter('facilities-hub', ['all', notCluster, hasCapability('cancer_hub'), kindFilter()]);
}

function setVisible(layers, visible) {
  for (const id of layers) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
  }
}

/**
 * Points a vector source at another TileJSON; resolves once the new TileJSON is in (or after 3 s).
 * MapLibre re-parses rather than fetches again a tile still in flight when the new TileJSON
 * arrives (its state stays "loading"), so such a tile would keep the old parameters: when tiles
 * were in flight, the visible ones are fetched again once the map has settled.
 */
function retarget(id, url) {
  const source = map.getSource(id);
  if (!source || source.url === url) return Promise.resolve();
  const inFlight = !map.isSourceLoaded(id);
  const loaded = new Promise((resolve) => {
    const timer = setTimeout(done, 3000);
    function done() {
      clearTimeout(timer);
      map.off('sourcedata', onData);
      resolve();
    }
    function onData(event) {
      if (event.sourceId === id && event.sourceDataType === 'metadata') done();
    }
    map.on('sourcedata', onData);
  });
  source.setUrl(url);
  if (inFlight) {
    map.once('idle', () => {
      if (source.url === url) map.refreshTiles(id);
    });
  }
  return loaded;
}

/** The choropleth, the cells and the table follow the provider set, radius and prefecture. */
function providerSetChanged() {
  const params = coverageParams();
  loadCoverage();
  return Promise.all([
    retarget('areas', tileJsonUrl('areas', params)),
    retarget('coverage', tileJsonUrl('coverage', params)),
  ]);
}

// ---- prefecture selector ---------------------------------------------------------------------

/** The option labels follow the language: 熊本県 / Kumamoto. */
function renderPrefectureSelect() {
  const list = importedPrefectures();
  const select = document.getElementById('prefecture');
  const name = (p) => (getLang() === 'ja' ? p.name : p.name_en);
  select.replaceChildren(
    ...(list.length > 1 ? [el('option', { value: '', selected: state.prefecture === '' }, t('prefecture.all'))] : []),
    ...list.map((p) => el('option', { value: p.code, selected: p.code === state.prefecture }, name(p))),
  );
  // One prefecture: nothing to choose, and the page looks as it always did.
  document.getElementById('prefecture-field').hidden = list.length < 2;
  document.getElementById('legend-no-mesh').hidden = !list.some((p) => p.areas_with_complete_population < p.areas);
}

/** The bounds to show: the chosen prefecture's, else those of every imported prefecture. */
function prefectureBounds() {
  return prefectureOf(state.prefecture)?.bounds ?? state.prefectures?.bounds ?? null;
}

function fitTo(bounds, animate = false) {
  if (!bounds) return;
  const [w, s, e, n] = bounds;
  // Keep the prefecture clear of the legend on the right.
  const legend = document.getElementById('legend').offsetWidth || 0;
  map.fitBounds([[w, s], [e, n]], {
    padding: { top: 16, bottom: 24, left: 16, right: Math.min(legend + 24, map.getContainer().clientWidth / 3) },
    animate,
  });
}

/** The stored choice when it is still an imported prefecture (a new import may have dropped it). */
function storedPrefecture() {
  try {
    const code = localStorage.getItem(PREFECTURE_KEY) ?? '';
    return prefectureOf(code) && importedPrefectures().length > 1 ? code : '';
  } catch {
    return '';
  }
}

/** The last prefecture choice, settled once the map has moved to it. */
let prefectureChosen = Promise.resolve();

async function choosePrefecture(code) {
  state.prefecture = prefectureOf(code) ? code : '';
  try {
    localStorage.setItem(PREFECTURE_KEY, state.prefecture);
  } catch {
    // Not remembered, but the page still follows the choice.
  }
  // Move once the sources have their new TileJSON, so the new view's tiles are asked for with it.
  await providerSetChanged();
  fitTo(prefectureBounds());
}

// ---- raster base map (optional) --------------------------------------------------------------

/** The XYZ tile containing a point at zoom z. */
function tileOf(lon, lat, z) {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const rad = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  return { x, y };
}

/**
 * Whether one base-map tile loads within `timeoutMs`. An <img> probe: its failure is an event we
 * handle, not an exception (the browser may still note the failed request in its own network log).
 */
function probeTile(template, timeoutMs = 3000) {
  const center = map.getCenter();
  const { x, y } = tileOf(center.lng, center.lat, 8);
  const url = template.replace('{z}', '8').replace('{x}', String(x)).replace('{y}', String(y));
  return new Promise((resolve) => {
    const img = new Image();
    const done = (ok) => {
      clearTimeout(timer);
      img.onload = null;
      img.onerror = null;
      resolve(ok);
    };
    const timer = setTimeout(() => {
      img.src = '';
      done(false);
    }, timeoutMs);
    img.onload = () => done(img.naturalWidth > 0);
    img.onerror = () => done(false);
    img.src = url;
  });
}

async function addBasemap(config) {
  const basemap = config?.basemap;
  if (!basemap?.url) return;
  if (!(await probeTile(basemap.url))) return;
  map.addSource('basemap', {
    type: 'raster',
    tiles: [basemap.url],
    tileSize: 256,
    maxzoom: 18,
    attribution: basemap.attribution || undefined,
  });
  map.addLayer({ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 0.9 } }, 'areas-fill');
  state.basemap = basemap;
  document.getElementById('layer-basemap-row').hidden = false;
  renderCredits();
}

// ---- legend ----------------------------------------------------------------------------------

function renderLegend() {
  const kinds = document.getElementById('legend-kinds');
  kinds.replaceChildren(
    el('div', { class: 'legend-head' }, t('legend.kinds')),
    ...KINDS.map((kind) => el(
      'label',
      { class: 'legend-kind' },
      el('input', {
        type: 'checkbox',
        'data-kind': kind,
        checked: !state.hiddenKinds.has(kind),
        onchange: (event) => {
          if (event.target.checked) state.hiddenKinds.delete(kind);
          else state.hiddenKinds.add(kind);
          applyKindFilter();
        },
      }),
      el('span', { class: 'dot', style: `background:${KIND_COLOURS[kind]}` }),
      t(`kind.${kind}`),
    )),
    el('div', { class: 'legend-kind' }, el('span', { class: 'cluster-dot' }, '12'), t('legend.cluster')),
  );
  const badges = document.getElementById('legend-badges');
  badges.replaceChildren(
    el('div', { class: 'legend-head' }, t('legend.badges')),
    el('div', { class: 'legend-kind' }, el('span', { class: 'dot ring-home' }), t('cap.home_care_support')),
    el('div', { class: 'legend-kind' }, el('span', { class: 'dot ring-ward' }), t('cap.palliative_ward')),
    el('div', { class: 'legend-kind' }, el('span', { class: 'star' }, '★'), t('cap.cancer_hub')),
  );
  const select = document.getElementById('provider-set');
  select.replaceChildren(...PROVIDER_SETS.map((set) => el(
    'option',
    { value: set.id, selected: set.id === state.setId },
    t(`set.${set.id}`),
  )));
}

// ---- nearest providers -----------------------------------------------------------------------

let homeMarker = null;

function roleQuery(role) {
  const params = { ...role.params };
  if (role.productFilter && state.product) params.needs = state.product;
  return query(params);
}

async function fetchRole(role, lat, lon) {
  const q = roleQuery(role);
  try {
    const response = await getJson(`/api/nearest?${query({ lat, lon })}&${q}`);
    return { role, query: q, response };
  } catch (error) {
    return { role, query: q, error: error.message };
  }
}

async function setHome(lat, lon, { fly = false } = {}) {
  state.home = { lat, lon };
  if (!homeMarker) {
    const dot = el('div', { class: 'home-marker', title: '' });
    homeMarker = new maplibregl.Marker({ element: dot, anchor: 'bottom' });
  }
  homeMarker.setLngLat([lon, lat]).addTo(map);
  if (fly) map.jumpTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), 11) });
  selectTab('nearest');
  document.getElementById('nearest-results').replaceChildren(el('p', { class: 'hint' }, t('nearest.loading')));
  const roles = await Promise.all(ROLES.map((role) => fetchRole(role, lat, lon)));
  // A later click may have overtaken this one: keep the newest.
  if (state.home.lat !== lat || state.home.lon !== lon) return;
  state.nearest = { origin: { lat, lon }, roles };
  renderNearest();
}

async function refreshPharmacyRole() {
  if (!state.nearest) return;
  const { lat, lon } = state.nearest.origin;
  const index = state.nearest.roles.findIndex((r) => r.role.productFilter);
  state.nearest.roles[index] = await fetchRole(ROLES[index], lat, lon);
  renderNearest();
}

const km = (metres) => formatNumber(metres / 1000, 1);

function productLabel(id) {
  const product = state.catalogue?.products?.find((p) => p.id === id);
  if (!product) return id;
  return getLang() === 'ja' ? product.label_ja : product.label_en;
}

function serviceLabel(id) {
  const service = state.catalogue?.services?.find((s) => s.id === id);
  return service ? (service[getLang()] ?? service.ja) : t(`service.${id}`);
}

function stockBlock(stock) {
  if (stock === undefined) return null; // the server has no stock API
  if (stock === null) return el('div', { class: 'stock none' }, t('stock.none'));
  const list = (ids, cls, label) => (ids?.length
    ? el('div', { class: `stock-line ${cls}` }, el('span', { class: 'stock-label' }, label),
      ...ids.map((id) => el('span', { class: `chip ${cls}` }, productLabel(id))))
    : null);
  return el(
    'div',
    { class: `stock${stock.stale ? ' stale' : ''}` },
    el(
      'div',
      { class: 'stock-head' },
      el('strong', {}, t('stock.title')),
      stock.updated_at ? el('span', { class: 'fresh' }, t('stock.updated', { date: formatDate(stock.updated_at) })) : null,
      stock.stale ? el('span', { class: 'badge stale-badge' }, t('stock.stale')) : null,
    ),
    list(stock.in_stock, 'in-stock', t('stock.inStock')),
    list(stock.stale_in_stock, 'stale-stock', t('stock.staleInStock')),
    list(stock.orderable, 'orderable', t('stock.orderable')),
    stock.services?.length
      ? el('div', { class: 'stock-line' }, el('span', { class: 'stock-label' }, t('stock.services')),
        ...stock.services.map((s) => el('span', { class: 'chip service' }, serviceLabel(s))))
      : null,
  );
}

function resultItem(result, role) {
  const approximate = result.location_precision !== 'exact';
  const wardBeds = result.capability_details?.find((d) => d.capability === 'palliative_ward')?.ward_beds;
  return el(
    'li',
    {
      class: 'result',
      dataset: { id: result.id, distanceM: String(result.distance_m), kind: result.kind },
      onclick: () => map.easeTo({ center: [result.lon, result.lat], zoom: Math.max(map.getZoom(), 13) }),
    },
    el(
      'div',
      { class: 'result-head' },
      el('span', { class: 'dot', style: `background:${KIND_COLOURS[result.kind] ?? '#555'}` }),
      el('span', { class: 'result-name' }, result.name),
      el('span', { class: 'distance' }, t('result.distance', { km: km(result.distance_m) })),
    ),
    role.homeVisitLimit
      ? el(
        'div',
        { class: `limit ${result.within_home_visit_limit ? 'within' : 'beyond'}` },
        t(result.within_home_visit_limit ? 'limit.within' : 'limit.beyond'),
      )
      : null,
    el(
      'div',
      { class: 'result-meta' },
      el('span', {}, t(`kind.${result.kind}`)),
      el('span', { class: approximate ? 'approx' : 'exact' }, t(`precision.${result.location_precision}`)),
      result.phone
        ? el('a', { href: `tel:${result.phone.replace(/[^0-9+]/g, '')}` }, `${t('result.phone')} ${result.phone}`)
        : el('span', { class: 'muted' }, t('result.noPhone')),
      wardBeds ? el('span', {}, t('result.wardBeds', { beds: wardBeds })) : null,
    ),
    result.address ? el('div', { class: 'address' }, result.address) : null,
    result.capabilities?.length
      ? el('div', { class: 'caps' }, ...result.capabilities.map((c) => el('span', { class: `chip cap-${c}` }, t(`cap.${c}`))))
      : null,
    result.kind === 'pharmacy' ? stockBlock(result.stock) : null,
  );
}

function productSelect() {
  const catalogue = state.catalogue;
  if (!catalogue?.products?.length) return null;
  const lang = getLang();
  const name = (entry) => (entry ? entry[lang] ?? entry.ja : '');
  const options = [el('option', { value: '', selected: state.product === '' }, t('product.any'))];
  for (const [ingredient, labels] of Object.entries(catalogue.ingredients ?? {})) {
    const value = `opioid:${ingredient}`;
    const group = el('optgroup', { label: name(labels) });
    group.append(el('option', { value, selected: state.product === value }, t('product.anyForm', { ingredient: name(labels) })));
    for (const product of catalogue.products.filter((p) => p.ingredient === ingredient)) {
      const pv = `opioid:${product.id}`;
      group.append(el('option', { value: pv, selected: state.product === pv }, lang === 'ja' ? product.label_ja : product.label_en));
    }
    options.push(group);
  }
  return el(
    'label',
    { class: 'product-filter' },
    el('span', {}, t('product.filter')),
    el('select', {
      id: 'product-filter',
      onchange: (event) => {
        state.product = event.target.value;
        refreshPharmacyRole();
      },
    }, ...options),
  );
}

function renderNearest() {
  const container = document.getElementById('nearest-results');
  const origin = document.getElementById('nearest-origin');
  const hint = document.getElementById('nearest-hint');
  const teamLink = document.getElementById('team-link');
  if (!state.nearest) {
    origin.hidden = true;
    teamLink.hidden = true;
    hint.hidden = false;
    container.replaceChildren();
    return;
  }
  const { lat, lon } = state.nearest.origin;
  hint.hidden = true;
  origin.hidden = false;
  origin.textContent = t('nearest.origin', { lat: lat.toFixed(5), lon: lon.toFixed(5) });
  // The same home as a printable care-team sheet for the discharge conference.
  teamLink.href = `./care-team.html?${query({ lat, lon })}`;
  teamLink.hidden = false;
  container.replaceChildren(...state.nearest.roles.map(({ role, query: q, response, error }) => {
    const results = response?.results ?? [];
    const first = results[0];
    return el(
      'section',
      { class: 'role', dataset: { role: role.id, query: q } },
      el('h3', {}, t(`role.${role.id}`)),
      role.homeVisitLimit && first
        ? el(
          'div',
          { class: `limit-banner ${first.within_home_visit_limit ? 'within' : 'beyond'}`, role: 'status' },
          el('strong', {}, t(first.within_home_visit_limit ? 'limit.within' : 'limit.beyond')),
          el('div', { class: 'small' }, t('limit.note')),
        )
        : null,
      role.productFilter ? productSelect() : null,
      error ? el('div', { class: 'error' }, t('nearest.error', { detail: error })) : null,
      !error && results.length === 0 ? el('p', { class: 'muted' }, t('nearest.none')) : null,
      results.length ? el('ol', { class: 'results' }, ...results.map((r) => resultItem(r, role))) : null,
    );
  }));
}

function parseLatLon(text) {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*[,、，\s]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text.normalize('NFKC'));
  if (!match) return null;
  const lat = Number(match[1]);
  const lon = Number(match[2]);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { lat, lon };
}

// ---- areas: table, chart, CSV ----------------------------------------------------------------

let coverageSeq = 0;

async function loadCoverage() {
  const params = coverageParams();
  const seq = ++coverageSeq;
  document.getElementById('csv-download').href = `/api/coverage?${query({ ...params, format: 'csv' })}`;
  let coverage = null;
  let coverageError = null;
  try {
    coverage = await getJson(`/api/coverage?${query(params)}`);
  } catch (error) {
    coverageError = error.message;
  }
  // A later choice (another prefecture, set or radius) may have overtaken this one: keep the newest.
  if (seq !== coverageSeq) return;
  state.coverage = coverage;
  state.coverageError = coverageError;
  renderAreas();
}

function renderAreas() {
  const set = PROVIDER_SETS.find((s) => s.id === state.setId);
  document.getElementById('areas-set-label').textContent = t('set.label', { set: t(`set.${set.id}`), km: state.radiusKm });
  const error = document.getElementById('areas-error');
  error.hidden = !state.coverageError;
  error.textContent = state.coverageError ? t('areas.error', { detail: state.coverageError }) : '';
  const body = document.querySelector('#areas-table tbody');
  const chart = document.getElementById('areas-chart');
  if (!state.coverage) {
    body.replaceChildren();
    chart.replaceChildren();
    return;
  }
  const row = (area, isTotal) => {
    const noMesh = noMeshPopulation(area);
    const noData = !isTotal && !setHasData(area.code.slice(0, 2));
    return el(
      'tr',
      { class: [isTotal ? 'total' : '', noMesh ? 'no-mesh' : ''].filter(Boolean).join(' '), dataset: noMesh ? { code: area.code, noMesh: 'true' } : { code: area.code } },
      el('th', { scope: 'row' }, isTotal ? totalLabel() : area.name,
        area.population_complete === false && !noMesh ? el('span', { class: 'warn', title: t('areas.incomplete') }, ' *') : null,
        noData ? el('span', { class: 'warn', title: t('areas.noProviderData') }, ' †') : null),
      // Without mesh cells the mesh population is 0: the census figure is the one to show.
      el('td', { class: 'num' }, formatNumber(noMesh ? (area.census_population ?? 0) : area.population)),
      noMesh
        ? el('td', { class: 'no-mesh-note', colspan: 2, title: t('areas.noMeshTitle') }, t('areas.noMesh'))
        : [
          el('td', { class: 'num' }, formatPercent(area.covered_share)),
          el('td', { class: 'num' }, formatPercent(area.covered_65plus_share)),
        ],
      el('td', { class: 'num' }, noData ? t('areas.noData') : formatNumber(area.providers_per_100k, 1)),
    );
  };
  body.replaceChildren(...state.coverage.areas.map((a) => row(a, false)), row(state.coverage.total, true));
  chart.replaceChildren(barChart(state.coverage.areas));
}

/** An area (or total) without any 500 m cell: no covered share to show, and never a 0 %. */
function noMeshPopulation(area) {
  return area.cells === 0 && (area.covered_share === null || area.covered_share === undefined);
}

/**
 * Whether the registry has data on the chosen providers in a prefecture: its facilities of the
 * set's kind, or (for capability sets) its 施設基準 capabilities. Without, its providers per
 * 100,000 would be a silent 0.
 */
function setHasData(prefCode) {
  const p = prefectureOf(prefCode);
  if (!p) return true;
  const set = PROVIDER_SETS.find((s) => s.id === state.setId) ?? PROVIDER_SETS[0];
  if (set.params.needs) return p.capabilities;
  return (p.facilities?.[set.params.kind] ?? 0) > 0;
}

/** The total row: 県全体 (都/道/府全体) for one prefecture, 合計 for several. */
function totalLabel() {
  const list = importedPrefectures();
  const one = prefectureOf(state.prefecture) ?? (list.length === 1 ? list[0] : null);
  if (!one && list.length > 1) return t('areas.totalSeveral');
  return t('areas.total', { unit: one?.name?.slice(-1) ?? '県' });
}

/** Horizontal bars of the covered share, one per area, coloured like the choropleth. */
function barChart(areas) {
  const rowHeight = 18;
  const labelWidth = 92;
  const width = 360;
  const barMax = width - labelWidth - 52;
  const height = areas.length * rowHeight + 26;
  const svg = svgEl('svg', {
    viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': t('areas.chartTitle'), class: 'chart',
  });
  svg.append(svgEl('title', {}, t('areas.chartTitle')));
  svg.append(svgEl('text', { x: 0, y: 12, class: 'chart-title' }, t('areas.chartTitle')));
  areas.forEach((area, i) => {
    const y = 20 + i * rowHeight;
    svg.append(svgEl('text', { x: labelWidth - 4, y: y + 12, 'text-anchor': 'end', class: 'chart-label' }, area.name));
    if (noMeshPopulation(area)) {
      // No bar: a 0 % bar would claim nobody is covered.
      svg.append(svgEl('text', { x: labelWidth + 4, y: y + 12, class: 'chart-no-mesh', 'data-code': area.code }, t('areas.noMesh')));
      return;
    }
    const share = Math.max(0, Math.min(1, area.covered_share ?? 0));
    svg.append(svgEl('rect', { x: labelWidth, y: y + 2, width: barMax, height: rowHeight - 5, fill: '#eeeeee' }));
    svg.append(svgEl('rect', {
      x: labelWidth, y: y + 2, width: (barMax * share).toFixed(1), height: rowHeight - 5, fill: rampColour(share),
      'data-code': area.code,
    }));
    svg.append(svgEl('text', { x: labelWidth + barMax + 4, y: y + 12, class: 'chart-value' }, formatPercent(share)));
  });
  return svg;
}

/** The choropleth's colour for a share: the same linear ramp MapLibre interpolates. */
function rampColour(share) {
  const stops = [];
  for (let i = 0; i < COVERED_RAMP.length; i += 2) stops.push([COVERED_RAMP[i], COVERED_RAMP[i + 1]]);
  if (share <= stops[0][0]) return stops[0][1];
  const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  for (let i = 1; i < stops.length; i += 1) {
    const [x1, c1] = stops[i];
    if (share <= x1) {
      const [x0, c0] = stops[i - 1];
      const f = (share - x0) / (x1 - x0);
      const [a, b] = [rgb(c0), rgb(c1)];
      return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * f)).join(',')})`;
    }
  }
  return stops[stops.length - 1][1];
}

// ---- credits ---------------------------------------------------------------------------------

function renderCredits() {
  const list = document.getElementById('credits-list');
  const lines = [...new Set(state.sources.map((s) => s.attribution).filter(Boolean))];
  const items = lines.map((line) => el('li', {}, line));
  if (state.basemap?.attribution) {
    const li = el('li', {}, t('credits.basemap'));
    // The operator's own HTML (a link to the tile provider's terms), from our server.
    const span = el('span');
    span.innerHTML = state.basemap.attribution;
    li.append(span);
    items.push(li);
  }
  list.replaceChildren(...items);
}

// ---- tabs, language, wiring ------------------------------------------------------------------

function selectTab(name) {
  for (const tab of ['nearest', 'areas']) {
    document.getElementById(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    document.getElementById(`pane-${tab}`).hidden = tab !== name;
  }
}

function rerender() {
  document.title = `kanwamap ${t('app.title')}`;
  renderLegend();
  renderPrefectureSelect();
  renderNearest();
  renderAreas();
  renderCredits();
}

let hoverPopup = null;
function wireMapEvents() {
  map.on('click', (event) => {
    setHome(Number(event.lngLat.lat.toFixed(6)), Number(event.lngLat.lng.toFixed(6)));
  });
  map.on('mousemove', 'facilities-points', (event) => {
    const feature = event.features?.[0];
    if (!feature) return;
    map.getCanvas().style.cursor = 'pointer';
    const p = feature.properties;
    const content = el(
      'div',
      { class: 'popup' },
      el('strong', {}, p.name ?? ''),
      el('div', {}, t(`kind.${p.kind}`)),
      p.precision && p.precision !== 'exact' ? el('div', { class: 'approx' }, t('popup.approximate')) : null,
    );
    hoverPopup ??= new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 8 });
    hoverPopup.setLngLat(event.lngLat).setDOMContent(content).addTo(map);
  });
  map.on('mouseleave', 'facilities-points', () => {
    map.getCanvas().style.cursor = '';
    hoverPopup?.remove();
  });
}

function wireControls() {
  bindLangToggle(document.getElementById('lang-toggle'), rerender);
  document.getElementById('layer-facilities').addEventListener('change', (e) => setVisible(FACILITY_LAYERS, e.target.checked));
  document.getElementById('layer-areas').addEventListener('change', (e) => setVisible(['areas-fill'], e.target.checked));
  document.getElementById('layer-coverage').addEventListener('change', (e) => setVisible(['coverage-fill'], e.target.checked));
  document.getElementById('layer-basemap').addEventListener('change', (e) => setVisible(['basemap'], e.target.checked));
  document.getElementById('prefecture').addEventListener('change', (e) => {
    prefectureChosen = choosePrefecture(e.target.value);
  });
  document.getElementById('provider-set').addEventListener('change', (e) => {
    state.setId = e.target.value;
    providerSetChanged();
  });
  document.getElementById('radius').addEventListener('change', (e) => {
    state.radiusKm = Number(e.target.value);
    providerSetChanged();
  });
  document.getElementById('tab-nearest').addEventListener('click', () => selectTab('nearest'));
  document.getElementById('tab-areas').addEventListener('click', () => selectTab('areas'));
  const input = document.getElementById('search-input');
  input.addEventListener('input', () => suggestSoon(input.value));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hideSuggestions();
  });
  document.getElementById('search').addEventListener('submit', async (event) => {
    event.preventDefault();
    hideSuggestions();
    const error = document.getElementById('nearest-error');
    const point = parseLatLon(input.value);
    if (point) {
      error.hidden = true;
      setHome(point.lat, point.lon, { fly: true });
      return;
    }
    // Not coordinates: an address, placed by /api/geocode at its town (大字・町丁目).
    const found = input.value.trim() ? await geocode(input.value, 1) : [];
    if (found.length === 0) {
      error.hidden = false;
      error.textContent = t(input.value.trim() ? 'search.notFound' : 'search.invalid');
      selectTab('nearest');
      return;
    }
    error.hidden = true;
    chooseCandidate(found[0]);
  });
}

// ---- address search: autocomplete over /api/geocode --------------------------------------------

let suggestTimer = null;
let suggestSeq = 0;

async function geocode(text, limit) {
  try {
    const answer = await getJson(`/api/geocode?${query({ q: text.trim(), limit })}`);
    return answer.candidates;
  } catch {
    return [];
  }
}

/** Asks for suggestions once typing pauses; coordinates and one-letter inputs get none. */
function suggestSoon(text) {
  clearTimeout(suggestTimer);
  if (parseLatLon(text) || text.trim().length < 2) {
    hideSuggestions();
    return;
  }
  suggestTimer = setTimeout(async () => {
    const seq = ++suggestSeq;
    const found = await geocode(text, 8);
    if (seq === suggestSeq) showSuggestions(found);
  }, 200);
}

function showSuggestions(candidates) {
  const list = document.getElementById('search-suggestions');
  list.replaceChildren(...candidates.map((c) => el('li', {
    role: 'option',
    class: 'suggestion',
    onmousedown: (event) => {
      event.preventDefault();
      chooseCandidate(c);
    },
  }, c.normalized, ' ', el('small', {}, t(`precision.${c.precision}`)),
  // A municipality name may exist in several prefectures of a national registry.
  importedPrefectures().length > 1 && c.prefecture
    ? el('small', { class: 'pref' }, getLang() === 'ja' ? c.prefecture : (prefectureOf(c.pref_code)?.name_en ?? c.prefecture))
    : null)));
  list.hidden = candidates.length === 0;
  document.getElementById('search-input').setAttribute('aria-expanded', String(!list.hidden));
}

function hideSuggestions() {
  clearTimeout(suggestTimer);
  suggestSeq += 1;
  const list = document.getElementById('search-suggestions');
  list.hidden = true;
  document.getElementById('search-input').setAttribute('aria-expanded', 'false');
}

function chooseCandidate(c) {
  hideSuggestions();
  document.getElementById('search-input').value = c.normalized;
  setHome(c.lat, c.lon, { fly: true });
}

async function start() {
  applyI18n();
  document.title = `kanwamap ${t('app.title')}`;
  renderLegend();
  wireControls();
  const loaded = new Promise((resolve) => map.once('load', resolve));
  const [config, sources, catalogue, prefectures] = await Promise.all([
    getJson('/api/config').catch(() => null),
    getJson('/api/sources').catch(() => []),
    getJson('/api/opioids').catch(() => null),
    getJson('/api/prefectures').catch(() => null),
    loaded,
  ]);
  state.sources = sources;
  state.catalogue = catalogue;
  state.prefectures = prefectures;
  state.prefecture = storedPrefecture();
  renderPrefectureSelect();
  // A national view needs to zoom out further than one prefecture.
  if (importedPrefectures().length > 1) map.setMinZoom(4);
  renderCredits();
  map.addImage('badge-star', starImage().image, { pixelRatio: 2 });
  addDataLayers();
  wireMapEvents();
  // The chosen prefecture, else every imported one (the TileJSON's bounds on an older server).
  const bounds = prefectureBounds() ?? (await getJson('/tiles/areas.json').catch(() => null))?.bounds;
  fitTo(bounds);
  // Start with the attribution folded: the same credits are listed in the panel.
  map.once('idle', () => {
    const attribution = document.querySelector('.maplibregl-ctrl-attrib');
    attribution?.classList.remove('maplibregl-compact-show');
    attribution?.removeAttribute('open');
  });
  loadCoverage();
  await addBasemap(config);
}

/** Hooks for the browser tests and the console. */
window.kanwamap = {
  map,
  state,
  setHome,
  KIND_COLOURS,
  choosePrefecture,
  /** Resolves once the map has moved to the last prefecture chosen. */
  prefectureChosen: () => prefectureChosen,
  /** Resolves at the next `idle` (everything loaded and drawn). */
  idle: () => new Promise((resolve) => {
    map.once('idle', resolve);
    map.triggerRepaint();
  }),
  ready: start(),
};
