// Starts a real `hamnvakt demo` on a free port in a temporary directory and a headless Debian
// Chromium driven by playwright-core. Nothing is downloaded: the browser is /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, mkdirSync } from 'node:fs';
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

/** Runs `hamnvakt demo` and resolves with its URL once it listens. */
export async function startDemo() {
  const dir = mkdtempSync(path.join(tmpdir(), 'hamnvakt-e2e-'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HAMNVAKT_')));
  const child = spawn(binary(), ['demo', '--data-dir', path.join(dir, 'demo'), '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start in 60 s:\n${out}\n${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/Hamnvakt listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`demo exited with ${code}:\n${out}\n${err}`)); });
  });
  return { url, banner: out, stop: () => child.kill('SIGTERM') };
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
