// Japanese first, English on request. Every visible string of the pages goes through these
// dictionaries: static markup names its key in data-i18n (text), data-i18n-placeholder,
// data-i18n-title or data-i18n-aria-label; scripts call t(key, vars).

const STORAGE_KEY = 'kanwamap.lang';

export const dictionaries = {
  ja: {
    'app.title': '地域緩和ケア資源マップ',
    'pharmacy.pageTitle': '薬局の在庫登録（医療用麻薬）',
    'nav.pharmacy': '薬局の方へ（在庫登録）',
    'nav.map': '地図に戻る',
    'lang.toggle': 'English',
    'map.label': '地図',
    'search.label': '住所または緯度,経度',
    'search.placeholder': '住所 または 緯度,経度（例 熊本市中央区水前寺6-18-1）',
    'search.button': '検索',
    'search.invalid': '「緯度,経度」の形で入力してください（例 32.80,130.71）。',
    'search.notFound': '住所が見つかりませんでした。市区町村名から入力してください。',
    'precision.town': '町丁目',
    'precision.municipality': '市区町村',
    'legend.title': '凡例・表示',
    'legend.layers': 'レイヤー',
    'legend.providerSet': 'カバーの対象',
    'legend.radius': '距離',
    'legend.kinds': '施設の種類',
    'legend.badges': '機能',
    'legend.cluster': '集約（数字は施設数）',
    'legend.coveredShare': 'カバー率（二次医療圏）',
    'legend.cellCovered': 'カバーされている',
    'legend.cellUncovered': 'カバーされていない',
    'layer.facilities': '施設',
    'layer.areas': '二次医療圏のカバー率',
    'layer.coverage': '500mメッシュのカバー',
    'layer.basemap': '背景地図',
    'set.home_care': '在宅療養支援診療所・病院',
    'set.pharmacy': '薬局',
    'set.dental': '歯科診療所',
    'set.visiting_nurse': '訪問看護ステーション',
    'set.palliative_ward': '緩和ケア病棟',
    'set.cancer_hub': 'がん診療連携拠点病院',
    'set.label': '{set}（{km} km以内）',
    'kind.hospital': '病院',
    'kind.clinic': '診療所',
    'kind.dental': '歯科診療所',
    'kind.pharmacy': '薬局',
    'kind.visiting_nurse': '訪問看護ステーション',
    'kind.salon': 'がんサロン',
    'kind.peer_support': 'ピアサポート',
    'cap.home_care_support': '在宅療養支援',
    'cap.home_palliative_enhanced': '在宅緩和ケア充実',
    'cap.palliative_ward': '緩和ケア病棟',
    'cap.palliative_consult': '緩和ケア診療加算',
    'cap.palliative_outpatient': '外来緩和ケア',
    'cap.home_cancer_care': '在宅がん医療総合診療',
    'cap.cancer_pain': 'がん性疼痛緩和指導',
    'cap.backup_bed': '在宅療養後方支援病院',
    'cap.cancer_hub': 'がん診療連携拠点病院',
    'tab.nearest': '最寄りの提供者',
    'tab.areas': '圏域のカバー状況',
    'nearest.hint': '地図をクリックするか、上の欄に「緯度,経度」を入力すると、患者さんの自宅に最も近い在宅ケアチームの候補を表示します。',
    'nearest.origin': '自宅の位置: {lat}, {lon}',
    'nearest.loading': '検索中…',
    'nearest.none': '該当する施設がありません',
    'nearest.error': '検索できませんでした: {detail}',
    'role.home_care': '在宅療養支援診療所・病院',
    'role.pharmacy': '薬局',
    'role.dental': '歯科（訪問歯科）',
    'role.visiting_nurse': '訪問看護ステーション',
    'role.palliative_ward': '緩和ケア病棟',
    'role.salon': 'がんサロン',
    'limit.within': '16 km以内：訪問診療の保険算定可',
    'limit.beyond': '16 km超：訪問診療の保険算定不可',
    'limit.note': '保険診療の往診・訪問診療は原則として医療機関から16 km以内に限られます。',
    'result.distance': '{km} km',
    'result.phone': '電話',
    'result.noPhone': '電話番号なし',
    'precision.exact': '位置: 正確',
    'precision.town': '位置: おおよそ（町丁目）',
    'precision.municipality': '位置: おおよそ（市区町村）',
    'result.beds': '病床 {beds}',
    'result.wardBeds': '緩和ケア病床 {beds}',
    'product.filter': '医療用麻薬で絞り込み',
    'product.any': '指定しない',
    'product.anyForm': '{ingredient}（剤形を問わない）',
    'stock.title': '在庫',
    'stock.none': '在庫情報なし',
    'stock.inStock': '在庫あり',
    'stock.orderable': '取り寄せ可',
    'stock.staleInStock': '在庫あり（30日超前の情報）',
    'stock.updated': '更新 {date}',
    'stock.stale': '古い情報（30日超）',
    'stock.services': 'サービス',
    'service.sterile_compounding': '無菌製剤',
    'service.open_24h': '24時間対応',
    'service.home_visits': '在宅訪問',
    'service.narcotics_licence': '麻薬小売業者免許',
    'areas.for': '対象:',
    'areas.col.area': '二次医療圏',
    'areas.col.population': '人口',
    'areas.col.covered': 'カバー率',
    'areas.col.covered65': '65歳以上カバー率',
    'areas.col.per100k': '人口10万対提供者数',
    'areas.total': '県全体',
    'areas.chartTitle': '二次医療圏ごとのカバー率',
    'areas.csv': 'CSVをダウンロード（Excel用）',
    'areas.incomplete': '人口データが一部欠けています',
    'areas.error': 'カバー状況を取得できませんでした: {detail}',
    'credits.title': 'データ出典',
    'credits.basemap': '背景地図: ',
    'popup.approximate': '位置はおおよそ',
    'cluster.count': '{count} 施設',
    'pharmacy.intro': '薬局ごとに発行されたトークンでサインインし、医療用麻薬の在庫と対応できるサービスを登録してください。登録内容は地図の「最寄りの提供者」に表示され、在宅医療チームが退院調整で参照します。',
    'pharmacy.facilityId': '施設ID',
    'pharmacy.token': 'トークン',
    'pharmacy.signIn': 'サインイン',
    'pharmacy.signOut': 'サインアウト',
    'pharmacy.signedInAs': '{name}（{id}）',
    'pharmacy.lastUpdated': '最終更新: {date}',
    'pharmacy.neverUpdated': 'まだ登録されていません',
    'pharmacy.status.in_stock': '在庫あり',
    'pharmacy.status.orderable': '取り寄せ可',
    'pharmacy.status.none': 'なし',
    'pharmacy.orderableDays': '取り寄せ日数',
    'pharmacy.days': '日',
    'pharmacy.product': '製剤',
    'pharmacy.status': '状況',
    'pharmacy.services': '対応できるサービス',
    'pharmacy.save': '保存する',
    'pharmacy.saved': '保存しました（{date}）',
    'pharmacy.saving': '保存中…',
    'pharmacy.loading': '読み込み中…',
    'pharmacy.stale': '30日以上更新されていません',
    'pharmacy.error': 'エラー: {detail}',
    'pharmacy.error.401': 'トークンが正しくないか、無効になっています。',
    'pharmacy.error.403': 'このトークンでは別の薬局の在庫は更新できません。',
    'pharmacy.error.404': 'この施設IDは登録されていません。',
    'pharmacy.error.429': '短時間に送信が多すぎます。{seconds}秒後にもう一度お試しください。',
    'pharmacy.error.network': 'サーバーに接続できませんでした。',
    'pharmacy.unavailable': '在庫登録機能はこのサーバーではまだ使えません。',
    'pharmacy.aliases': '主な商品名: {aliases}',
  },
  en: {
    'app.title': 'Regional palliative-care resource map',
    'pharmacy.pageTitle': 'Pharmacy stock (medical opioids)',
    'nav.pharmacy': 'For pharmacies (stock)',
    'nav.map': 'Back to the map',
    'lang.toggle': '日本語',
    'map.label': 'Map',
    'search.label': 'Address or lat,lon',
    'search.placeholder': 'Address or lat,lon (e.g. 32.80,130.71)',
    'search.button': 'Search',
    'search.invalid': 'Type "latitude,longitude" (e.g. 32.80,130.71).',
    'search.notFound': 'No such address. Start with the municipality.',
    'precision.town': 'town',
    'precision.municipality': 'municipality',
    'legend.title': 'Legend and layers',
    'legend.layers': 'Layers',
    'legend.providerSet': 'Coverage of',
    'legend.radius': 'Distance',
    'legend.kinds': 'Facility kinds',
    'legend.badges': 'Capabilities',
    'legend.cluster': 'Cluster (number of facilities)',
    'legend.coveredShare': 'Covered share (secondary medical area)',
    'legend.cellCovered': 'covered',
    'legend.cellUncovered': 'not covered',
    'layer.facilities': 'Facilities',
    'layer.areas': 'Covered share by medical area',
    'layer.coverage': '500 m cells covered',
    'layer.basemap': 'Base map',
    'set.home_care': 'Home-care support clinics and hospitals',
    'set.pharmacy': 'Pharmacies',
    'set.dental': 'Dental clinics',
    'set.visiting_nurse': 'Visiting-nurse stations',
    'set.palliative_ward': 'Palliative-care wards',
    'set.cancer_hub': 'Cancer hub hospitals',
    'set.label': '{set} (within {km} km)',
    'kind.hospital': 'Hospital',
    'kind.clinic': 'Clinic',
    'kind.dental': 'Dental clinic',
    'kind.pharmacy': 'Pharmacy',
    'kind.visiting_nurse': 'Visiting-nurse station',
    'kind.salon': 'Cancer salon',
    'kind.peer_support': 'Peer support',
    'cap.home_care_support': 'Home-care support',
    'cap.home_palliative_enhanced': 'Enhanced home palliative care',
    'cap.palliative_ward': 'Palliative-care ward',
    'cap.palliative_consult': 'Palliative-care consultation',
    'cap.palliative_outpatient': 'Palliative-care outpatients',
    'cap.home_cancer_care': 'Comprehensive home cancer care',
    'cap.cancer_pain': 'Cancer pain management',
    'cap.backup_bed': 'Backup beds for home patients',
    'cap.cancer_hub': 'Cancer hub hospital',
    'tab.nearest': 'Nearest providers',
    'tab.areas': 'Coverage by area',
    'nearest.hint': "Click the map or type \"lat,lon\" above to list the providers nearest to the patient's home, one per role of a home-care team.",
    'nearest.origin': 'Home: {lat}, {lon}',
    'nearest.loading': 'Searching…',
    'nearest.none': 'No matching facility',
    'nearest.error': 'Search failed: {detail}',
    'role.home_care': 'Home-care support clinic / hospital',
    'role.pharmacy': 'Pharmacy',
    'role.dental': 'Dental (home visits)',
    'role.visiting_nurse': 'Visiting-nurse station',
    'role.palliative_ward': 'Palliative-care ward',
    'role.salon': 'Cancer salon',
    'limit.within': 'Within 16 km: insured home visits possible',
    'limit.beyond': 'Beyond 16 km: no insured home visits',
    'limit.note': 'Insured home visits are allowed only within 16 km of the clinic.',
    'result.distance': '{km} km',
    'result.phone': 'Phone',
    'result.noPhone': 'no phone number',
    'precision.exact': 'Location: exact',
    'precision.town': 'Location: approximate (town)',
    'precision.municipality': 'Location: approximate (municipality)',
    'result.beds': '{beds} beds',
    'result.wardBeds': '{beds} palliative beds',
    'product.filter': 'Filter by opioid',
    'product.any': 'any',
    'product.anyForm': '{ingredient} (any form)',
    'stock.title': 'Stock',
    'stock.none': 'no stock information',
    'stock.inStock': 'in stock',
    'stock.orderable': 'orderable',
    'stock.staleInStock': 'in stock (over 30 days ago)',
    'stock.updated': 'updated {date}',
    'stock.stale': 'stale (over 30 days)',
    'stock.services': 'Services',
    'service.sterile_compounding': 'sterile compounding',
    'service.open_24h': 'open 24 h',
    'service.home_visits': 'home visits',
    'service.narcotics_licence': 'narcotics licence',
    'areas.for': 'Provider set:',
    'areas.col.area': 'Medical area',
    'areas.col.population': 'Population',
    'areas.col.covered': 'Covered',
    'areas.col.covered65': 'Covered 65+',
    'areas.col.per100k': 'Providers per 100k',
    'areas.total': 'Prefecture',
    'areas.chartTitle': 'Covered share by secondary medical area',
    'areas.csv': 'Download CSV (for Excel)',
    'areas.incomplete': 'population data incomplete',
    'areas.error': 'Could not load the coverage: {detail}',
    'credits.title': 'Data credits',
    'credits.basemap': 'Base map: ',
    'popup.approximate': 'approximate location',
    'cluster.count': '{count} facilities',
    'pharmacy.intro': 'Sign in with the token issued to your pharmacy and record your stock of medical opioids and the services you offer. Home-care teams see them in the map\'s nearest-provider panel when they plan a discharge.',
    'pharmacy.facilityId': 'Facility ID',
    'pharmacy.token': 'Token',
    'pharmacy.signIn': 'Sign in',
    'pharmacy.signOut': 'Sign out',
    'pharmacy.signedInAs': '{name} ({id})',
    'pharmacy.lastUpdated': 'Last updated: {date}',
    'pharmacy.neverUpdated': 'Nothing recorded yet',
    'pharmacy.status.in_stock': 'in stock',
    'pharmacy.status.orderable': 'orderable',
    'pharmacy.status.none': 'none',
    'pharmacy.orderableDays': 'Days to order',
    'pharmacy.days': 'days',
    'pharmacy.product': 'Product',
    'pharmacy.status': 'Status',
    'pharmacy.services': 'Services offered',
    'pharmacy.save': 'Save',
    'pharmacy.saved': 'Saved ({date})',
    'pharmacy.saving': 'Saving…',
    'pharmacy.loading': 'Loading…',
    'pharmacy.stale': 'Not updated for over 30 days',
    'pharmacy.error': 'Error: {detail}',
    'pharmacy.error.401': 'The token is wrong or has been revoked.',
    'pharmacy.error.403': "This token cannot update another pharmacy's stock.",
    'pharmacy.error.404': 'No facility has this ID.',
    'pharmacy.error.429': 'Too many updates: try again in {seconds} s.',
    'pharmacy.error.network': 'Could not reach the server.',
    'pharmacy.unavailable': 'Stock updates are not available on this server yet.',
    'pharmacy.aliases': 'Brands: {aliases}',
  },
};

/** The current language: the stored choice, else Japanese. */
export function getLang() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'ja' || stored === 'en') return stored;
  } catch {
    // Storage can be blocked (private mode, policy): Japanese then.
  }
  return 'ja';
}

/** Stores the language choice (remembered across visits). */
export function setLang(lang) {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered, but the page still switches.
  }
}

/** The string for `key` in the current language, with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const lang = getLang();
  const text = dictionaries[lang][key] ?? dictionaries.ja[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Fills every element under `root` that names a key, and the document language. */
export function applyI18n(root = document) {
  document.documentElement.lang = getLang();
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  }
}

/** Wires a toggle button: shows the other language's name, switches, stores, calls `onChange`. */
export function bindLangToggle(button, onChange) {
  const label = () => {
    button.textContent = t('lang.toggle');
    button.lang = getLang() === 'ja' ? 'en' : 'ja';
  };
  label();
  button.addEventListener('click', () => {
    setLang(getLang() === 'ja' ? 'en' : 'ja');
    applyI18n();
    label();
    onChange?.();
  });
}

/** A number in the page's language conventions (grouping, fixed decimals). */
export function formatNumber(value, digits = 0) {
  return Number(value).toLocaleString(getLang() === 'ja' ? 'ja-JP' : 'en-GB', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A share 0..1 as a percentage. */
export function formatPercent(share, digits = 1) {
  return `${formatNumber(share * 100, digits)}%`;
}

/** An ISO timestamp as a local date (YYYY-MM-DD in both languages: unambiguous for both). */
export function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
