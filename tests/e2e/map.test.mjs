// The live maritime picture in a real browser: the coast guard's analyst opens the map, the
// demo's vessels appear and move as their AIS reports arrive over server-sent events, and the
// freighter of story 3 shows its port calls, its risk and the alerts raised on it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDemo, launchBrowser, signIn, artifacts } from './harness.mjs';

let demo;
let browser;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  demo?.stop();
});

test('vessels appear on the map and move', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  const failures = [];
  page.on('pageerror', (e) => failures.push(String(e)));
  page.on('requestfailed', (r) => {
    // The alert queue's live stream (the page signing in lands on) ends when the page is left.
    if (r.url().includes('/api/v1/alerts/stream') && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    failures.push(`${r.url()} ${r.failure()?.errorText}`);
  });
  await signIn(page, demo.url, 'kbv.analyst');
  await page.click('nav.main a[href="/map"]');
  await page.waitForURL(/\/map$/);

  // The snapshot fills the table and the map.
  await page.waitForFunction(() => document.querySelectorAll('#vessels tbody tr[data-mmsi]').length >= 15);
  const markers = await page.locator('#map .vessel-icon').count();
  assert.ok(markers >= 15, `only ${markers} vessel markers on the map`);
  // Port geofences are drawn (Leaflet renders them as SVG paths).
  await page.waitForFunction(() => document.querySelectorAll('#map path.leaflet-interactive').length >= 6);

  // Pick ferries under way and watch them move on the map and in the table.
  const moving = await page.$$eval('#vessels tbody tr[data-mmsi]', (rows) =>
    rows.filter((r) => Number(r.cells[3].textContent) > 5).map((r) => r.dataset.mmsi));
  assert.ok(moving.length >= 3, `expected ferries under way, got ${moving}`);
  const where = (mmsi) => page.evaluate((m) => {
    const row = document.querySelector(`#vessels tr[data-mmsi="${m}"]`);
    // The marker's own position (on screen a few seconds of sailing are under a pixel).
    const marker = window.hamnvaktMap.vessels.get(Number(m))?.marker;
    const at = marker ? marker.getLatLng() : null;
    return { text: row.cells[2].textContent, marker: at ? `${at.lat},${at.lng}` : null };
  }, mmsi);
  const before = await Promise.all(moving.map(where));
  await page.waitForFunction((list) => list.some(({ m, text }) =>
    document.querySelector(`#vessels tr[data-mmsi="${m}"]`).cells[2].textContent !== text),
  moving.map((m, i) => ({ m, text: before[i].text })), { timeout: 40_000 });
  const after = await Promise.all(moving.map(where));
  const moved = moving.filter((_, i) => after[i].text !== before[i].text && after[i].marker !== before[i].marker);
  assert.ok(moved.length >= 1, 'no vessel moved on the map');
  await page.screenshot({ path: path.join(artifacts, 'map.png') });
  assert.deepEqual(failures, []);
  await context.close();
});

test('the dark approach of story 3 is on the vessel panel', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'kbv.analyst');
  await page.goto(`${demo.url}/map`);
  await page.waitForSelector('#vessels tr[data-mmsi="276812000"]');
  await page.click('#vessels tr[data-mmsi="276812000"]');
  await page.waitForSelector('#vessel-panel[data-mmsi="276812000"] .vessel-alerts li');
  const panel = await page.textContent('#vessel-panel');
  assert.match(panel, /LIIVI CARRIER/);
  assert.match(panel, /Kapellskär/, 'its call at Kapellskär');
  assert.match(panel, /silent for 180 min/, 'the gap alert');
  assert.match(panel, /met for \d+ min/, 'the encounter alert');
  assert.match(panel, /Risk \d+\/100/);
  // Its track is drawn.
  await page.waitForFunction(() => [...document.querySelectorAll('#map path.leaflet-interactive')]
    .some((p) => p.getAttribute('stroke') === '#d97706'));

  // The encounter alert carries both vessels' tracks as evidence.
  const link = page.locator('#vessel-panel .vessel-alerts a', { hasText: /met for/ });
  await Promise.all([page.waitForURL(/\/alerts\/[0-9a-f-]{36}$/), link.click()]);
  const alert = await page.textContent('main');
  assert.match(alert, /265771440/);
  assert.match(alert, /276812000/);
  await page.screenshot({ path: path.join(artifacts, 'map-story3.png'), fullPage: true });
  await context.close();
});
