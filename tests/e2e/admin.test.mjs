// The administrator's console in a real browser, in Swedish and in English: the users with
// their roles and the API tokens; a token is created with an expiry and a role, its secret shown
// once, and revoked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDemo, launchBrowser, signIn, artifacts } from './harness.mjs';

let demo;
let browser;

before(async () => {
  // The coming day's AIS is replayed in real time only by a running demo.
  demo = await startDemo({ live: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  demo?.stop();
});

for (const [locale, words] of [
  ['sv-SE', { nav: 'Administration', tokens: 'API-nycklar', revoked: 'återkallad', create: 'Skapa nyckel' }],
  ['en-GB', { nav: 'Administration', tokens: 'API tokens', revoked: 'revoked', create: 'Create token' }],
]) {
  test(`the administrator creates and revokes an API token (${locale})`, async () => {
    const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signIn(page, demo.url, 'admin');
    // The demo's admin prefers English; the language follows the switch.
    await page.goto(`${demo.url}/lang/${locale.slice(0, 2)}?back=%2Fadmin`);
    await page.waitForSelector('#users');
    assert.match(await page.textContent('nav.main'), new RegExp(words.nav));
    assert.match(await page.textContent('h2:has-text("' + words.tokens + '")'), new RegExp(words.tokens));
    assert.ok(await page.locator('#users tr[data-user="operator"]').count() === 1);

    const name = `console-${locale}`;
    await page.fill('#new-token input[name=name]', name);
    await page.fill('#new-token input[name=lifetime_days]', '7');
    await page.selectOption('#new-token select[name=role]', ['administrator']);
    await Promise.all([page.waitForLoadState('load'), page.click(`#new-token button:has-text("${words.create}")`)]);
    const secret = await page.textContent('#secret');
    assert.match(secret, /^hvt_[0-9a-f]+$/);
    await page.screenshot({ path: path.join(artifacts, `admin-${locale}.png`) });
    // The secret works as a bearer token …
    const ok = await fetch(`${demo.url}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(ok.status, 200);
    // … until it is revoked here, and then at once no more.
    await page.goto(`${demo.url}/admin`);
    assert.equal(await page.locator('#secret').count(), 0, 'the secret is shown once');
    const row = page.locator(`#tokens tr[data-token="${name}"]`);
    await Promise.all([page.waitForLoadState('load'), row.locator('button[type=submit]').click()]);
    assert.match(await page.locator(`#tokens tr[data-token="${name}"]`).textContent(), new RegExp(words.revoked));
    const refused = await fetch(`${demo.url}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(refused.status, 401);
    await context.close();
  });
}

for (const [locale, w] of [
  ['sv-SE', { ais: 'AIS-källor', backups: 'Säkerhetskopior', make: 'Gör en säkerhetskopia nu', made: 'kedjan obruten', state: /spelas upp|uppspelad/ }],
  ['en-GB', { ais: 'AIS sources', backups: 'Backups', make: 'Make a backup now', made: 'chain intact', state: /replaying|played to the end/ }],
]) {
  test(`the administrator sees the AIS sources and makes a backup (${locale})`, async () => {
    const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signIn(page, demo.url, 'admin');
    await page.goto(`${demo.url}/lang/${locale.slice(0, 2)}?back=%2Fadmin`);
    // The demo's AIS day is replayed through the ingest: one source, its messages counted.
    await Promise.all([page.waitForURL(/\/admin\/ais$/), page.click(`nav.tabs a:has-text("${w.ais}")`)]);
    const row = page.locator('#ais-sources tr[data-source="recording"]');
    assert.match(await row.textContent(), w.state);
    const messages = Number(await row.locator('td').nth(5).textContent());
    assert.ok(messages > 10_000, `messages: ${messages}`);
    assert.ok(Number(await page.locator('#ais-totals tr').last().locator('td').textContent()) >= 15, 'vessels in the picture');
    const api = await page.request.get(`${demo.url}/api/v1/ais/sources`);
    assert.equal(api.status(), 200);
    assert.equal((await api.json())[0].kind, 'replay');
    await page.screenshot({ path: path.join(artifacts, `admin-ais-${locale}.png`) });

    // A backup made from the console is verified, listed, and in the audit log.
    await Promise.all([page.waitForURL(/\/admin\/backups$/), page.click(`nav.tabs a:has-text("${w.backups}")`)]);
    const before = await page.locator('#backups tbody tr').count();
    await Promise.all([page.waitForLoadState('load'), page.click(`#make-backup button:has-text("${w.make}")`)]);
    const made = await page.textContent('#backup-made');
    assert.ok(made.includes(w.made), made);
    const file = made.match(/hamnvakt-\d{8}T\d{6}Z(-\d+)?\.db/)[0];
    assert.equal(await page.locator(`#backups tr[data-file="${file}"]`).count(), 1);
    assert.equal(await page.locator('#backups tbody tr').count(), before + 1);
    const events = await (await page.request.get(`${demo.url}/api/v1/audit/events?kind=backup&limit=10`)).json();
    assert.ok(JSON.stringify(events).includes(file), 'the backup is in the audit log');
    await page.screenshot({ path: path.join(artifacts, `admin-backups-${locale}.png`) });
    await context.close();
  });
}

test('only the installation\'s administrators see the AIS sources and backups', async () => {
  const context = await browser.newContext({ locale: 'sv-SE' });
  const page = await context.newPage();
  await signIn(page, demo.url, 'kbv.analyst');
  for (const p of ['/admin/ais', '/admin/backups', '/api/v1/ais/sources']) {
    const r = await page.goto(`${demo.url}${p}`);
    assert.equal(r.status(), 403, p);
  }
  const post = await page.request.post(`${demo.url}/admin/backups`, { form: { csrf: 'x' }, maxRedirects: 0 });
  assert.ok([403, 401].includes(post.status()), `POST /admin/backups: ${post.status()}`);
  await context.close();
});

test('an operator has no administration', async () => {
  const context = await browser.newContext({ locale: 'sv-SE' });
  const page = await context.newPage();
  await signIn(page, demo.url, 'operator');
  assert.equal(await page.locator('nav.main a[href="/admin"]').count(), 0);
  const r = await page.goto(`${demo.url}/admin`);
  assert.equal(r.status(), 403);
  await context.close();
});

test('the console follows a dark system setting, and the switch overrides it', async () => {
  const context = await browser.newContext({ locale: 'sv-SE', colorScheme: 'dark', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'operator');
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await theme(), 'dark');
  assert.equal(await background(), 'rgb(13, 21, 29)');
  await page.screenshot({ path: path.join(artifacts, 'alerts-dark.png') });
  // system → dark (the same here) → light, kept across pages.
  await page.click('#theme-switch');
  await page.click('#theme-switch');
  assert.equal(await theme(), 'light');
  await page.goto(`${demo.url}/alerts`);
  assert.equal(await theme(), 'light');
  assert.equal(await background(), 'rgb(244, 246, 248)');
  await context.close();
});
