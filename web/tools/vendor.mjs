// Copies the browser files of the npm dependencies into web/vendor/, the only place the page loads
// libraries from (the hospital intranets it runs on have no internet, so nothing comes from a CDN).
// Run by `npm ci` (postinstall) and by scripts/lib.sh when web/vendor/ is missing or stale.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const vendor = join(web, 'vendor');

// MapLibre GL JS 6 is ESM only: the main module finds its worker next to itself
// (new URL('maplibre-gl-worker.mjs', import.meta.url)), so both go into one folder.
const packages = {
  'maplibre-gl': [
    'dist/maplibre-gl.mjs',
    'dist/maplibre-gl.mjs.map',
    'dist/maplibre-gl-worker.mjs',
    'dist/maplibre-gl-worker.mjs.map',
    'dist/maplibre-gl.css',
    'LICENSE.txt',
  ],
};

rmSync(vendor, { recursive: true, force: true });
const versions = {};
for (const [name, files] of Object.entries(packages)) {
  const from = join(web, 'node_modules', name);
  const to = join(vendor, name);
  mkdirSync(to, { recursive: true });
  versions[name] = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')).version;
  for (const file of files) {
    copyFileSync(join(from, file), join(to, file.split('/').pop()));
  }
}
writeFileSync(join(vendor, 'versions.json'), `${JSON.stringify(versions, null, 2)}\n`);
console.log(`web/vendor: ${Object.entries(versions).map(([n, v]) => `${n} ${v}`).join(', ')}`);
