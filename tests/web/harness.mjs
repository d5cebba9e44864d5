// Shared set-up of the browser tests: the real data imported into a temporary database by the real
// binary, `kanwamap serve` on a free port with the repository's web/ folder, and the system Chromium
// driven by playwright-core (no browser download). See scripts/test.sh `step_browser`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..');
export const ARTIFACTS = join(REPO, 'tests', 'artifacts');

function env(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (!value) throw new Error(`${name} is not set (scripts/test.sh browser sets it)`);
  return value;
}

/** Flags for headless Chromium with WebGL through SwiftShader (STACK-NOTES). */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Imports the real data into a fresh database, serves it, and returns
 * `{ base, db, bin, tmp, stop() }`. Fails (never skips) when the binary or the data are missing.
 * `prefecture` is what `kanwamap import --prefecture` takes (`all` for the national registry);
 * by default KANWAMAP_PREFECTURE, else 43.
 */
export async function startServer({ prefecture = env('KANWAMAP_PREFECTURE', '43') } = {}) {
  const bin = env('KANWAMAP_BIN');
  const dataDir = env('KANWAMAP_DATA_DIR');
  const tmp = mkdtempSync(join(tmpdir(), 'kanwamap-web-'));
  const db = join(tmp, 'kanwamap.sqlite');
  execFileSync(bin, [
    'import', '--data-dir', dataDir, '--prefecture', prefecture, '--db', db,
    '--report', join(tmp, 'import-rejections.csv'),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });

  // The default base map (GSI) is kept: on a machine without internet the page must cope with it.
  const child = spawn(bin, ['serve', '--db', db, '--addr', '127.0.0.1:0', '--web-dir', join(REPO, 'web')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const base = await new Promise((resolveBase, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolveBase(match[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    base,
    db,
    bin,
    tmp,
    stop() {
      child.kill('SIGTERM');
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The system Chromium in a fresh profile; `{ context, stop() }`. */
export async function startBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'kanwamap-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env('CHROMIUM_PATH', '/usr/bin/chromium'),
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    locale: 'ja-JP',
  });
  return {
    context,
    async stop() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Hosts whose failures the pages are allowed to have: the optional raster base map's probe. */
export const TOLERATED_HOSTS = ['cyberjapandata.gsi.go.jp'];

/**
 * Collects the page's console errors and uncaught exceptions, except the browser's own
 * "Failed to load resource" notes about the optional base map (unreachable offline).
 */
export function collectErrors(page) {
  const errors = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location()?.url ?? '';
    if (TOLERATED_HOSTS.some((host) => url.includes(host))) return;
    errors.push(`console: ${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

export function screenshotPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** GET JSON from the server (Node's fetch). */
export async function getJson(base, path) {
  const response = await fetch(new URL(path, base));
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}
