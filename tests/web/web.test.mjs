// Browser tests of the web map and the pharmacy page on the real data (see harness.mjs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  collectErrors, getJson, screenshotPath, startBrowser, startServer,
} from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await startBrowser();
});

after(async () => {
  await browser?.stop();
  server?.stop();
});

/** Opens the map page in a fresh tab and waits until MapLibre has drawn everything. */
async function openMap({ lang, base } = {}) {
  const page = await browser.context.newPage();
  const errors = collectErrors(page);
  // The language choice is shared by the tabs of the profile: set it on the first load of this tab
  // only, so that a reload shows what the page remembered.
  await page.addInitScript((l) => {
    if (sessionStorage.getItem('test-init')) return;
    sessionStorage.setItem('test-init', '1');
    if (l) localStorage.setItem('kanwamap.lang', l);
    else localStorage.removeItem('kanwamap.lang');
  }, lang ?? null);
  await page.goto(`${base ?? server.base}/`);
  await page.waitForFunction(() => window.kanwamap?.ready);
  await page.evaluate(() => window.kanwamap.ready);
  await idle(page);
  return { page, errors };
}

const idle = (page) => page.evaluate(() => window.kanwamap.idle());

/** Stores the map canvas's pixels in the page under `name` (preserveDrawingBuffer is on). */
async function snapshot(page, name) {
  await page.evaluate((key) => {
    const gl = window.kanwamap.map.getCanvas();
    const copy = document.createElement('canvas');
    copy.width = gl.width;
    copy.height = gl.height;
    const ctx = copy.getContext('2d');
    ctx.drawImage(gl, 0, 0);
    window.__snapshots ??= {};
    window.__snapshots[key] = ctx.getImageData(0, 0, copy.width, copy.height).data;
  }, name);
}

/** Pixels that differ between two snapshots, and in `b` the pixels close to each given colour. */
function compare(page, a, b, colours = {}) {
  return page.evaluate(({ a: ka, b: kb, colours: wanted }) => {
    const da = window.__snapshots[ka];
    const db = window.__snapshots[kb];
    const targets = Object.entries(wanted).map(([name, hex]) => [
      name, parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16),
    ]);
    const near = Object.fromEntries(targets.map(([name]) => [name, 0]));
    let changed = 0;
    for (let i = 0; i < db.length; i += 4) {
      const diff = Math.abs(da[i] - db[i]) + Math.abs(da[i + 1] - db[i + 1]) + Math.abs(da[i + 2] - db[i + 2]);
      if (diff > 24) changed += 1;
      if (diff > 24) {
        for (const [name, r, g, bl] of targets) {
          if (Math.abs(db[i] - r) + Math.abs(db[i + 1] - g) + Math.abs(db[i + 2] - bl) < 30) near[name] += 1;
        }
      }
    }
    return { changed, total: db.length / 4, near };
  }, { a, b, colours });
}

async function toggleLayer(page, checkbox, on) {
  await page.setChecked(checkbox, on);
  await idle(page);
}

describe('web map', () => {
  test('loads without console errors and draws facilities and the area choropleth', async () => {
    const { page, errors } = await openMap();
    await page.screenshot({ path: screenshotPath('map-initial.png') });
    assert.equal(await page.locator('h1 span').textContent(), '地域緩和ケア資源マップ');
    // The credits box lists the data sources' attribution lines.
    const credits = await page.locator('#credits-list li').allTextContents();
    assert.ok(credits.some((c) => c.includes('医療情報ネット')), credits.join('\n'));
    assert.ok(credits.some((c) => c.includes('国土数値情報')), credits.join('\n'));
    assert.equal(await page.locator('#credits h2').textContent(), 'データ出典');

    // A base map that is unreachable here must simply be absent (no layer, no error).
    const basemap = await page.evaluate(() => Boolean(window.kanwamap.map.getLayer('basemap')));
    if (basemap) await toggleLayer(page, '#layer-basemap', false);

    const kindColours = await page.evaluate(() => window.kanwamap.KIND_COLOURS);
    await snapshot(page, 'all');
    await toggleLayer(page, '#layer-facilities', false);
    await snapshot(page, 'no-facilities');
    await toggleLayer(page, '#layer-areas', false);
    await snapshot(page, 'bare');
    await toggleLayer(page, '#layer-areas', true);
    await toggleLayer(page, '#layer-facilities', true);
    await snapshot(page, 'again');

    const facilities = await compare(page, 'no-facilities', 'all', kindColours);
    const facilityPixels = Object.values(facilities.near).reduce((s, n) => s + n, 0);
    assert.ok(facilityPixels > 200, `facility colours drawn: ${JSON.stringify(facilities.near)}`);
    assert.ok(facilities.near.clinic > 20 || facilities.near.pharmacy > 20, JSON.stringify(facilities.near));
    const areas = await compare(page, 'bare', 'no-facilities');
    assert.ok(areas.changed > areas.total * 0.1, `area fill changed ${areas.changed} of ${areas.total} pixels`);
    const same = await compare(page, 'all', 'again');
    assert.ok(same.changed < same.total * 0.01, `toggling back redraws the same map (${same.changed} differ)`);

    // The 500 m coverage cells draw when switched on.
    await toggleLayer(page, '#layer-coverage', true);
    await snapshot(page, 'cells');
    const cells = await compare(page, 'again', 'cells');
    assert.ok(cells.changed > 1000, `coverage cells changed ${cells.changed} pixels`);
    await page.screenshot({ path: screenshotPath('map-coverage-cells.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a click on the map lists the nearest providers exactly as /api/nearest answers', async () => {
    const { page, errors } = await openMap();
    await page.evaluate(() => window.kanwamap.map.jumpTo({ center: [130.71, 32.80], zoom: 12 }));
    await idle(page);
    const box = await page.locator('#map canvas').boundingBox();
    const point = await page.evaluate(() => window.kanwamap.map.project([130.71, 32.80]));
    await page.mouse.click(box.x + point.x, box.y + point.y);
    await page.waitForFunction(() => window.kanwamap.state.nearest);
    await page.locator('#nearest-results section.role').first().waitFor();
    const origin = await page.evaluate(() => window.kanwamap.state.nearest.origin);
    assert.ok(Math.abs(origin.lat - 32.80) < 0.01 && Math.abs(origin.lon - 130.71) < 0.01, JSON.stringify(origin));

    const sections = await page.locator('#nearest-results section.role').evaluateAll((nodes) => nodes.map((s) => ({
      role: s.dataset.role,
      query: s.dataset.query,
      results: [...s.querySelectorAll('li.result')].map((li) => ({
        id: li.dataset.id,
        distance: Number(li.dataset.distanceM),
        shown: li.querySelector('.distance').textContent,
      })),
      banner: s.querySelector('.limit-banner')?.className ?? null,
    })));
    assert.deepEqual(
      sections.map((s) => s.role),
      ['home_care', 'pharmacy', 'dental', 'visiting_nurse', 'palliative_ward', 'salon'],
    );
    for (const section of sections) {
      const api = await getJson(server.base, `/api/nearest?lat=${origin.lat}&lon=${origin.lon}&${section.query}`);
      assert.deepEqual(
        section.results.map((r) => [r.id, r.distance]),
        api.results.map((r) => [r.id, r.distance_m]),
        `${section.role}: the page lists what /api/nearest answers`,
      );
      assert.ok(section.results.length > 0, `${section.role}: something is near Kumamoto city`);
      section.results.forEach((r, i) => {
        assert.equal(r.shown, `${(api.results[i].distance_m / 1000).toFixed(1)} km`);
      });
      if (section.role === 'home_care') {
        const within = api.results[0].within_home_visit_limit;
        assert.match(section.banner, within ? /within/ : /beyond/);
      }
    }
    await page.screenshot({ path: screenshotPath('map-nearest.png') });

    // The search box does the same from typed coordinates.
    await page.fill('#search-input', '32.4586, 130.1930');
    await page.press('#search-input', 'Enter');
    await page.waitForFunction(() => window.kanwamap.state.nearest?.origin.lat === 32.4586);
    await page.locator('#nearest-results section.role').first().waitFor();
    assert.equal(await page.locator('#nearest-origin').textContent(), '自宅の位置: 32.45860, 130.19300');

    // An address: suggestions from /api/geocode as one types; choosing one puts the home at its town.
    const address = '熊本市中央区水前寺6-18-1';
    await page.fill('#search-input', '');
    await page.locator('#search-input').pressSequentially(address);
    const geo = await getJson(server.base, `/api/geocode?q=${encodeURIComponent(address)}&limit=8`);
    assert.ok(geo.candidates.length > 0, 'the address is found');
    const first = page.locator('#search-suggestions li').first();
    await first.waitFor();
    assert.ok((await first.textContent()).startsWith(geo.candidates[0].normalized));
    await first.click();
    await page.waitForFunction((lat) => window.kanwamap.state.nearest?.origin.lat === lat, geo.candidates[0].lat);
    assert.equal(await page.locator('#search-input').inputValue(), geo.candidates[0].normalized);
    assert.ok(await page.locator('#search-suggestions').isHidden());
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the language toggle switches every visible string and is remembered', async () => {
    const { page, errors } = await openMap();
    await page.evaluate(() => window.kanwamap.setHome(32.8, 130.71));
    await page.locator('#nearest-results section.role').first().waitFor();
    await page.click('#lang-toggle');
    assert.equal(await page.locator('h1 span').textContent(), 'Regional palliative-care resource map');
    assert.equal(await page.locator('#lang-toggle').textContent(), '日本語');
    assert.equal(await page.locator('#credits h2').textContent(), 'Data credits');
    assert.equal(await page.locator('#tab-areas').textContent(), 'Coverage by area');
    assert.deepEqual(
      await page.locator('#areas-table thead th').allTextContents(),
      ['Medical area', 'Population', 'Covered', 'Covered 65+', 'Providers per 100k'],
    );
    assert.equal(await page.locator('section[data-role="home_care"] h3').textContent(), 'Home-care support clinic / hospital');
    // No Japanese left in the page's own strings (names and addresses from the data stay as published).
    const japanese = /[\u3040-\u30ff\u3400-\u9fff]/;
    const own = await page.evaluate(() => {
      const texts = [];
      for (const el of document.querySelectorAll('[data-i18n], #legend label, #legend .legend-kind, #legend .legend-head, .role h3, .limit-banner, .result-meta span, .caps .chip, #nearest-origin, option')) {
        texts.push(el.textContent.trim());
      }
      texts.push(document.getElementById('search-input').placeholder, document.title);
      return texts;
    });
    const left = own.filter((text) => japanese.test(text));
    assert.deepEqual(left, [], 'untranslated strings');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.screenshot({ path: screenshotPath('map-english.png') });
    await page.reload();
    await page.evaluate(() => window.kanwamap.ready);
    assert.equal(await page.locator('h1 span').textContent(), 'Regional palliative-care resource map');
    await page.click('#lang-toggle');
    assert.equal(await page.locator('h1 span').textContent(), '地域緩和ケア資源マップ');
    assert.equal(await page.evaluate(() => localStorage.getItem('kanwamap.lang')), 'ja');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the area panel shows the coverage table and chart, and downloads the CSV', async () => {
    const { page, errors } = await openMap();
    await page.click('#tab-areas');
    const coverage = await getJson(server.base, '/api/coverage?needs=home_care_support&radius_km=16');
    await page.locator('#areas-table tbody tr').nth(coverage.areas.length).waitFor();
    const codes = await page.locator('#areas-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.code));
    assert.deepEqual(codes, [...coverage.areas.map((a) => a.code), 'total']);
    assert.equal(await page.locator('#areas-chart svg rect[data-code]').count(), coverage.areas.length);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv-download')]);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.ok(csv.startsWith('\ufeff'), 'the CSV starts with a BOM (Excel)');
    assert.ok(csv.slice(1).startsWith('二次医療圏コード,二次医療圏'), csv.slice(0, 80));
    assert.equal(csv.trim().split('\n').length, coverage.areas.length + 2);

    // Another provider set changes the table, the CSV link and the tiles' parameters.
    await page.selectOption('#provider-set', 'pharmacy');
    await page.waitForFunction(() => window.kanwamap.state.coverage?.params?.kind === 'pharmacy'
      || document.getElementById('csv-download').href.includes('kind=pharmacy'));
    assert.match(await page.locator('#csv-download').getAttribute('href'), /kind=pharmacy/);
    const areasUrl = await page.evaluate(() => window.kanwamap.map.getSource('areas').url);
    assert.match(areasUrl, /kind=pharmacy/);
    await idle(page);
    await page.screenshot({ path: screenshotPath('map-areas.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('national registry', () => {
  let national;
  before(async () => {
    national = await startServer({ prefecture: 'all' });
  });
  after(() => national?.stop());

  /** The map's [west, south, east, north]. */
  const mapBounds = (page) => page.evaluate(() => window.kanwamap.map.getBounds().toArray().flat());

  test('the prefecture selector fits the map and restricts the coverage to the prefecture', async () => {
    const listed = await getJson(national.base, '/api/prefectures');
    const { page, errors } = await openMap({ base: national.base });
    assert.ok(await page.locator('#prefecture-field').isVisible(), 'the selector is shown');
    const options = await page.locator('#prefecture option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
    assert.deepEqual(options[0], ['', '全国（すべて）']);
    const prefectures = options.filter(([value]) => value);
    assert.equal(prefectures.length, 47);
    assert.deepEqual(prefectures.map(([value]) => value), listed.prefectures.map((p) => p.code));
    assert.ok(prefectures.some(([value, text]) => value === '43' && text === '熊本県'));
    // The default view holds the middle of every imported prefecture (zoomed out as far as allowed).
    const all = await mapBounds(page);
    const [lon, lat] = listed.center;
    assert.ok(all[0] < lon && lon < all[2] && all[1] < lat && lat < all[3], `${all} around ${listed.center}`);
    assert.ok(await page.locator('#legend-no-mesh').isVisible(), 'the legend explains the grey areas');

    // 熊本県: the map fits Kumamoto, the table lists its 10 areas, the CSV and tiles follow.
    await page.click('#tab-areas');
    await page.selectOption('#prefecture', '43');
    await page.waitForFunction(() => window.kanwamap.state.coverage?.params?.prefecture === '43');
    await page.evaluate(() => window.kanwamap.prefectureChosen());
    await idle(page);
    const k = listed.prefectures.find((p) => p.code === '43').bounds;
    const b = await mapBounds(page);
    const margin = 1.0;
    for (const i of [0, 1]) assert.ok(b[i] <= k[i] + 0.01 && b[i] >= k[i] - margin, `west/south ${b} vs ${k}`);
    for (const i of [2, 3]) assert.ok(b[i] >= k[i] - 0.01 && b[i] <= k[i] + margin, `east/north ${b} vs ${k}`);
    let codes = await page.locator('#areas-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.code));
    assert.equal(codes.length, 11, codes.join(','));
    assert.ok(codes.slice(0, 10).every((c) => c.startsWith('43')), codes.join(','));
    assert.equal(codes[10], 'total');
    assert.equal(await page.locator('#areas-table tr.total th').textContent(), '県全体');
    assert.equal(await page.locator('#areas-table tr.no-mesh').count(), 0);
    assert.equal(await page.locator('#areas-chart svg rect[data-code]').count(), 10);
    assert.match(await page.locator('#csv-download').getAttribute('href'), /prefecture=43/);
    for (const source of ['areas', 'coverage']) {
      assert.match(await page.evaluate((id) => window.kanwamap.map.getSource(id).url, source), /prefecture=43/);
    }
    // The choropleth draws Kumamoto's areas only (tiles asked for before the choice included).
    await page.waitForFunction(() => {
      const shown = window.kanwamap.map.querySourceFeatures('areas', { sourceLayer: 'areas' });
      return shown.length > 0 && shown.every((f) => String(f.properties.code).startsWith('43'));
    }, null, { timeout: 20_000 });
    await page.screenshot({ path: screenshotPath('map-national-kumamoto.png') });

    // 東京都: 13 areas, all without mesh population (never a 0 %).
    await page.selectOption('#prefecture', '13');
    await page.waitForFunction(() => window.kanwamap.state.coverage?.params?.prefecture === '13');
    await page.evaluate(() => window.kanwamap.prefectureChosen());
    await idle(page);
    codes = await page.locator('#areas-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.code));
    assert.equal(codes.length, 14, codes.join(','));
    assert.ok(codes.slice(0, 13).every((c) => c.startsWith('13')), codes.join(','));
    const marked = await page.locator('#areas-table tbody tr[data-no-mesh="true"]').count();
    assert.equal(marked, 14, 'every area and the total are marked');
    const notes = await page.locator('#areas-table td.no-mesh-note').allTextContents();
    assert.deepEqual([...new Set(notes)], ['人口メッシュなし']);
    assert.doesNotMatch(await page.locator('#areas-table tbody').textContent(), /0\.0%/);
    assert.equal(await page.locator('#areas-chart svg rect[data-code]').count(), 0, 'no 0 % bars');
    assert.equal(await page.locator('#areas-chart .chart-no-mesh').count(), 13);
    assert.equal(await page.locator('#areas-table tr.total th').textContent(), '都全体');
    await page.waitForFunction(() => {
      const shown = window.kanwamap.map.querySourceFeatures('areas', { sourceLayer: 'areas' });
      return shown.length > 0 && shown.every((f) => String(f.properties.code).startsWith('13') && f.properties.covered_share === undefined);
    }, null, { timeout: 20_000 });
    const tokyo = listed.prefectures.find((p) => p.code === '13').bounds;
    const t = await mapBounds(page);
    assert.ok(t[0] <= tokyo[0] + 0.01 && t[2] >= tokyo[2] - 0.01 && t[1] <= tokyo[1] + 0.01 && t[3] >= tokyo[3] - 0.01, `${t} vs ${tokyo}`);
    await page.screenshot({ path: screenshotPath('map-national-tokyo.png') });

    // Remembered across a reload; the language toggle translates the selector and the marks.
    await page.reload();
    await page.evaluate(() => window.kanwamap.ready);
    assert.equal(await page.evaluate(() => window.kanwamap.state.prefecture), '13');
    assert.equal(await page.locator('#prefecture').inputValue(), '13');
    await page.click('#tab-areas');
    await page.locator('#areas-table td.no-mesh-note').first().waitFor();
    await page.click('#lang-toggle');
    const english = await page.locator('#prefecture option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
    assert.deepEqual(english[0], ['', 'All']);
    assert.ok(english.some(([value, text]) => value === '43' && text === 'Kumamoto'));
    assert.equal(await page.locator('#prefecture-field legend').textContent(), 'Prefecture');
    assert.equal(await page.locator('#areas-table td.no-mesh-note').first().textContent(), 'no mesh population');
    assert.equal(await page.locator('#legend-no-mesh span[data-i18n]').textContent(), 'no mesh population');
    await page.click('#lang-toggle');

    // Back to every prefecture: the whole table (339 areas) and the national view.
    await page.selectOption('#prefecture', '');
    await page.waitForFunction(() => window.kanwamap.state.coverage && !window.kanwamap.state.coverage.params.prefecture);
    assert.equal(await page.locator('#areas-table tbody tr').count(), 339 + 1);
    assert.match(await page.locator('#areas-table tr.total th').textContent(), /^合計/);
    assert.equal(await page.evaluate(() => localStorage.getItem('kanwamap.prefecture')), '');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('pharmacy page', () => {
  test('a pharmacy signs in with its token, updates its stock, and the change persists and shows on the map', async () => {
    const pharmacies = await getJson(server.base, '/api/facilities?kind=pharmacy');
    const pharmacy = pharmacies.features[0];
    const token = execFileSync(server.bin, ['token', 'issue', '--facility', pharmacy.id, '--db', server.db, '--label', 'browser test'], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    }).match(/kwm_[0-9a-f]{64}/)?.[0];
    assert.ok(token, 'token issue printed a token');

    const page = await browser.context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${server.base}/pharmacy.html`);
    await page.evaluate(() => window.kanwamapPharmacy.ready);
    assert.equal(await page.locator('h1 span').textContent(), '薬局の在庫登録（医療用麻薬）');
    await page.fill('#facility-id', pharmacy.id);
    await page.fill('#token', token);
    await page.click('#sign-in');
    await page.locator('#editor').waitFor({ state: 'visible' });
    assert.match(await page.locator('#who').textContent(), new RegExp(pharmacy.id));
    assert.equal(await page.locator('#last-updated').textContent(), 'まだ登録されていません');

    // A few clicks: fentanyl 3-day patch in stock, sustained-release morphine orderable in 2 days, open 24 h.
    await page.locator('[data-product="fentanyl_patch_3day"] label.in_stock').click();
    await page.locator('[data-product="morphine_sr"] label.orderable').click();
    await page.fill('input[name="days-morphine_sr"]', '2');
    await page.check('input[name="service-open_24h"]');
    await page.click('#save');
    await page.locator('#message.ok', { hasText: '保存しました' }).waitFor();
    await page.screenshot({ path: screenshotPath('pharmacy-saved.png'), fullPage: true });

    // The server has it, and a reload (token kept in sessionStorage) shows it.
    const stock = await getJson(server.base, `/api/pharmacies/${pharmacy.id}/stock`);
    const byProduct = Object.fromEntries(stock.items.map((i) => [i.product, i]));
    assert.equal(byProduct.fentanyl_patch_3day.status, 'in_stock');
    assert.equal(byProduct.morphine_sr.status, 'orderable');
    assert.equal(byProduct.morphine_sr.orderable_days, 2);
    assert.equal(stock.services.open_24h, true);
    await page.reload();
    await page.evaluate(() => window.kanwamapPharmacy.ready);
    await page.locator('#editor').waitFor({ state: 'visible' });
    assert.ok(await page.locator('input[name="status-fentanyl_patch_3day"][value="in_stock"]').isChecked());
    assert.ok(await page.locator('input[name="status-morphine_sr"][value="orderable"]').isChecked());
    assert.equal(await page.inputValue('input[name="days-morphine_sr"]'), '2');
    assert.ok(await page.locator('input[name="service-open_24h"]').isChecked());
    assert.doesNotMatch(await page.locator('#last-updated').textContent(), /まだ/);

    // A problem+json answer is shown: the token revoked meanwhile (401) ends the session.
    execFileSync(server.bin, ['token', 'revoke', '--facility', pharmacy.id, '--db', server.db], { stdio: 'ignore' });
    await page.locator('[data-product="morphine_sr"] label.none').click();
    await page.click('#save');
    const failure = page.locator('#message.fail');
    await failure.waitFor();
    assert.match(await failure.textContent(), /トークンが正しくないか、無効になっています。/);
    await page.locator('#signin').waitFor({ state: 'visible' });
    // The browser notes the 401 response itself; nothing else may be logged.
    const expected = errors.filter((e) => /status of 401/.test(e));
    assert.equal(expected.length, 1, errors.join('\n'));
    errors.splice(0, errors.length, ...errors.filter((e) => !/status of 401/.test(e)));
    assert.deepEqual(errors, []);
    await page.close();

    // The map's nearest panel shows the stock badge of that pharmacy when filtering by fentanyl.
    const { page: map, errors: mapErrors } = await openMap();
    const [lon, lat] = pharmacy.geometry.coordinates;
    await map.evaluate(([la, lo]) => window.kanwamap.setHome(la, lo), [lat, lon]);
    await map.locator('#product-filter').selectOption('opioid:fentanyl');
    const first = map.locator('section[data-role="pharmacy"] li.result').first();
    await map.waitForFunction((id) => document.querySelector('section[data-role="pharmacy"]')?.dataset.query.includes('opioid')
      && document.querySelector('section[data-role="pharmacy"] li.result')?.dataset.id === id, pharmacy.id);
    assert.equal(await map.locator('section[data-role="pharmacy"]').getAttribute('data-query'), 'kind=pharmacy&k=3&needs=opioid%3Afentanyl');
    assert.match(await first.locator('.stock .chip.in-stock').first().textContent(), /フェンタニル/);
    assert.match(await first.locator('.stock .fresh').textContent(), /^更新 \d{4}-\d{2}-\d{2}$/);
    assert.equal(await first.locator('.stale-badge').count(), 0);
    await first.scrollIntoViewIfNeeded();
    await map.screenshot({ path: screenshotPath('map-pharmacy-stock.png') });
    assert.deepEqual(mapErrors, []);
    await map.close();
  });
});

describe('care-team sheet', () => {
  test('lists every role as /api/care-team answers, switches language and prints on A4', async () => {
    const page = await browser.context.newPage();
    const errors = collectErrors(page);
    await page.addInitScript(() => localStorage.removeItem('kanwamap.lang'));
    const where = 'lat=32.8031&lon=130.7079&needs=opioid:oxycodone_sr';
    await page.goto(`${server.base}/care-team.html?${where}`);
    await page.waitForFunction(() => document.body.dataset.loaded === 'true');
    const api = await getJson(server.base, `/api/care-team?${where}`);
    const shown = await page.$$eval('#team-roles section.team-role', (sections) => sections.map((s) => ({
      role: s.dataset.role,
      status: s.dataset.status,
      ids: [...s.querySelectorAll('tbody tr')].map((tr) => tr.dataset.id),
      reason: s.querySelector('.team-reason')?.textContent ?? null,
    })));
    assert.deepEqual(shown.map((s) => s.role), api.roles.map((r) => r.role));
    for (const [s, r] of shown.map((x, i) => [x, api.roles[i]])) {
      assert.equal(s.status, r.status, s.role);
      assert.deepEqual(s.ids, r.candidates.map((c) => c.id), s.role);
      assert.equal(s.reason, r.reason_ja ?? null, s.role);
    }
    assert.equal(await page.locator('.sheet-title').textContent(), '在宅緩和ケア チーム候補（退院前カンファレンス資料）');
    await page.screenshot({ path: screenshotPath('care-team.png'), fullPage: true });
    // English: the page's own strings and the reasons switch.
    await page.click('#lang-toggle');
    assert.equal(await page.locator('.sheet-title').textContent(), 'Home palliative care team candidates (discharge conference)');
    const unfilled = api.roles.find((r) => r.reason_en);
    if (unfilled) {
      assert.equal(await page.locator(`section[data-role="${unfilled.role}"] .team-reason`).textContent(), unfilled.reason_en);
    }
    // The printed sheet: an A4 PDF.
    const pdf = await page.pdf({ format: 'A4', path: screenshotPath('care-team.pdf') });
    assert.equal(pdf.subarray(0, 4).toString(), '%PDF');
    assert.ok(pdf.length > 20_000, `${pdf.length} bytes`);
    // An address instead of coordinates, typed into the form.
    await page.click('#lang-toggle');
    await page.fill('#team-where', '熊本市中央区水前寺6-18-1');
    await page.click('#team-form button[type=submit]');
    await page.waitForFunction(() => window.kanwamapTeam.state.team?.geocoded?.town === '水前寺六丁目');
    assert.match(await page.locator('#team-meta').textContent(), /水前寺六丁目/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
