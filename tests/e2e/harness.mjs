// Starts a real `hamnvakt demo` on a free port in a temporary directory and a headless Debian
// Chromium driven by playwright-core. Nothing is downloaded: the browser is /usr/bin/chromium.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const artifacts = path.join(here, 'artifacts');

export function binary() {
  const bin = process.env.HAMNVAKT_BIN ?? path.join(root, 'target/debug/hamnvakt');
  if (!existsSync(bin)) {
    throw new Error(`hamnvakt binary not found at ${bin}; build it with cargo build or set HAMNVAKT_BIN`);
  }
  return bin;
}

/**
 * The demo's generated day, made once for the whole browser suite: generating it takes about
 * 20 s in a debug build, and each test file needs a fresh copy of its own (the tests change
 * it). The first `startDemo` of a run generates it with `hamnvakt demo --no-serve` into
 * `artifacts/demo-template`; the others copy that folder and start `hamnvakt serve` on the
 * copy. A template is used only when it was made by this very binary (path, size, mtime) within
 * the last `TEMPLATE_MAX_AGE_MS`, since the demo's day ends at the moment it was generated.
 */
const TEMPLATE_MAX_AGE_MS = 20 * 60 * 1000;
const template = path.join(artifacts, 'demo-template');

function binaryStamp(bin) {
  const s = statSync(bin);
  return `${bin} ${s.size} ${s.mtimeMs}`;
}

function freshTemplate(bin) {
  try {
    const meta = JSON.parse(readFileSync(path.join(template, 'template.json'), 'utf8'));
    if (meta.binary !== binaryStamp(bin) || Date.now() - meta.made > TEMPLATE_MAX_AGE_MS) return null;
    return meta;
  } catch {
    return null;
  }
}

/** This process's environment less any `HAMNVAKT_` setting, so the server runs on its defaults. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HAMNVAKT_')));
}

/** Waits until `child` prints the address it listens on; resolves with that URL and its output. */
function listening(child, what) {
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 60 s:\n${out}\n${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/Hamnvakt listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve({ url: m[1], out }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited with ${code}:\n${out}\n${err}`)); });
  });
}

/** Generates the template (the demo's day, not served); answers its metadata. */
function makeTemplate(bin) {
  rmSync(template, { recursive: true, force: true });
  mkdirSync(template, { recursive: true });
  const r = spawnSync(bin, ['demo', '--data-dir', path.join(template, 'demo'), '--no-serve'], {
    env: cleanEnv(),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`hamnvakt demo --no-serve exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  const meta = { binary: binaryStamp(bin), made: Date.now(), banner: r.stdout };
  writeFileSync(path.join(template, 'template.json'), JSON.stringify(meta));
  return meta;
}

/**
 * A server on the demo's day on a free port; resolves once it listens, with its URL and the
 * demo's banner (it names the demo's API token). By default the server is `hamnvakt serve` on a
 * fresh copy of the day generated once for the suite. `{ live: true }` runs `hamnvakt demo`
 * itself, for the tests that watch what only a running demo does after the generated day: the
 * coming day's AIS recording replayed in real time (vessels moving, the source counting).
 */
export async function startDemo({ live = false } = {}) {
  const bin = binary();
  const dir = mkdtempSync(path.join(tmpdir(), 'hamnvakt-e2e-'));
  const data = path.join(dir, 'demo');
  let child;
  let banner = null;
  if (live) {
    child = spawn(bin, ['demo', '--data-dir', data, '--listen', '127.0.0.1:0'], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } else {
    mkdirSync(artifacts, { recursive: true });
    const meta = freshTemplate(bin) ?? makeTemplate(bin);
    banner = meta.banner;
    cpSync(path.join(template, 'demo'), data, { recursive: true });
    child = spawn(bin, ['serve'], {
      env: {
        ...cleanEnv(),
        HAMNVAKT_DATA_DIR: data,
        HAMNVAKT_DATABASE_URL: `sqlite://${path.join(data, 'hamnvakt.db')}`,
        HAMNVAKT_LISTEN_ADDRESS: '127.0.0.1:0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  child.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const { url, out } = await listening(child, live ? 'hamnvakt demo' : 'hamnvakt serve on the demo');
  return { url, banner: banner ?? out, stop: () => child.kill('SIGTERM') };
}

export async function launchBrowser() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export async function signIn(page, url, username, password = 'hamnvakt-demo') {
  await page.goto(`${url}/alerts`);
  await page.waitForURL(/\/login/);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(/\/alerts/), page.click('form[action="/login"] button[type=submit]')]);
}

/**
 * Signs `username` in through the API of the server at `url`; returns `call(method, path,
 * body)` with that session (its cookie and CSRF token), answering `{ status, json }`, and the
 * user's organisation.
 */
export async function apiAs(url, username, password = 'hamnvakt-demo') {
  const r = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (r.status !== 200) throw new Error(`sign-in of ${username}: ${r.status}`);
  const body = await r.json();
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const call = async (method, path, json) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': body.csrf_token, 'content-type': 'application/json' },
      body: json ? JSON.stringify(json) : undefined,
    });
    return { status: res.status, json: await res.json().catch(() => null) };
  };
  return { call, org: body.user.org_id };
}
