// The live maritime picture in a real browser: the coast guard's analyst opens the map, the
// demo's vessels appear and move as their AIS reports arrive over server-sent events, and the
// freighter of story 3 shows its port calls, its risk and the alerts raised on it. The map has
// land offline (the base layer bundled at build time), vessel names, search, the selected
// track with its gaps and meetings, both tracks of an encounter, and open alerts; the side
// panel speaks the reader's language and shows AIS "not available" values as such.
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

for (const [locale, w] of [
  ['sv-SE', { callSign: 'Anropssignal', type: 'Fartygstyp', cargo: /Lastfartyg \(7\d\)/, eta: 'Beräknad ankomst', na: 'uppgift saknas',
    risk: /möten till sjöss på \d+ dagar/, calls: 'Hamnanlöp', both: 'Visa båda spåren', english: /Call sign|Port calls|Destination:/ }],
  ['en-GB', { callSign: 'Call sign', type: 'Type', cargo: /Cargo \(7\d\)/, eta: 'ETA', na: 'not available',
    risk: /encounter\(s\) at sea in \d+ days/, calls: 'Port calls', both: 'Show both tracks', english: /Anropssignal|Hamnanlöp/ }],
]) {
  test(`land, names, search, the track's gaps and meeting, both tracks and alerts (${locale})`, async () => {
    const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const failures = [];
    page.on('pageerror', (e) => failures.push(String(e)));
    await signIn(page, demo.url, 'kbv.analyst');
    await page.goto(`${demo.url}/lang/${locale.slice(0, 2)}?back=%2Fmap`);
    await page.waitForURL(/\/map$/);
    await page.waitForFunction(() => document.querySelectorAll('#vessels tbody tr[data-mmsi]').length >= 15);

    // Land, from the bundled base layer: the Baltic overview, the archipelago in detail when
    // zoomed into it, drawn on a canvas, with its source credited.
    await page.waitForFunction(() => document.getElementById('map').dataset.land === 'baltic');
    assert.ok(await page.locator('#map canvas').count() >= 1, 'the land is drawn');
    assert.match(await page.textContent('#map .leaflet-control-attribution'), /OpenStreetMap/);
    const coast = await (await page.request.get(`${demo.url}/static/coast.json`)).json();
    assert.ok(coast.layers.baltic.coordinates.length > 500, 'the Baltic has its islands');
    assert.ok(coast.layers.archipelago.coordinates.length > 500, 'the archipelago has its islands');
    await page.evaluate(() => window.hamnvaktMap.map.setView([59.36, 18.45], 11, { animate: false }));
    await page.waitForFunction(() => document.getElementById('map').dataset.land === 'archipelago');
    await page.evaluate(() => window.hamnvaktMap.map.setView([59.45, 18.9], 8, { animate: false }));
    await page.waitForFunction(() => document.getElementById('map').dataset.land === 'baltic');

    // Vessel names on the map.
    await page.waitForFunction(() => [...document.querySelectorAll('#map .vessel-label')]
      .some((l) => l.textContent === 'LIIVI CARRIER'));
    assert.ok(await page.locator('#map .vessel-label').count() >= 15);

    // Search narrows the table; Enter selects the vessel and zooms to its track.
    await page.fill('#map-search', 'liivi');
    assert.equal(await page.locator('#vessels tbody tr[data-mmsi]:visible').count(), 1);
    await page.press('#map-search', 'Enter');
    await page.waitForSelector('#vessel-panel[data-mmsi="276812000"] .vessel-alerts li');
    const panel = await page.textContent('#vessel-panel');
    for (const word of [w.callSign, w.type, w.eta, w.calls]) assert.ok(panel.includes(word), `${word} in: ${panel}`);
    assert.match(panel, w.cargo, 'the ship type by name');
    assert.doesNotMatch(panel, w.english, 'the panel is in one language');
    assert.doesNotMatch(panel, /24:60|00-00/, 'no AIS "not available" value shown as a date');
    const eta = await page.locator('#vessel-panel dt', { hasText: w.eta }).locator('xpath=following-sibling::dd[1]').textContent();
    assert.ok(eta === w.na || /\d/.test(eta), `ETA: ${eta}`);
    assert.match(panel, w.risk, 'risk reasons in the reader\'s language');
    const fitted = await page.evaluate(() => {
      const { map, tracks } = window.hamnvaktMap;
      const t = tracks.get(276812000);
      return map.getBounds().pad(0.01).contains(t.line.getBounds());
    });
    assert.ok(fitted, 'the map is zoomed to the whole track');
    // The gap and the meeting are marked on the track.
    assert.ok(await page.locator('#map path.track-gap').count() >= 1, 'the gap is drawn');
    assert.ok(await page.locator('#map path.track-meeting').count() >= 1, 'the meeting is marked');
    await page.fill('#map-search', '');
    await page.dispatchEvent('#map-search', 'input');

    // Both vessels of the encounter at once, zoomed to where they met.
    await page.click(`#vessel-panel button.show-both:has-text("${w.both}")`);
    await page.waitForFunction(() => window.hamnvaktMap.tracks.size === 2 && window.hamnvaktMap.tracks.get(265771440)?.line);
    const strokes = await page.$$eval('#map path.track', (ps) => [...new Set(ps.map((p) => p.getAttribute('stroke')))]);
    assert.ok(strokes.includes('#d97706') && strokes.includes('#7c3aed'), `two tracks in two colours: ${strokes}`);
    // Zoomed in to where they met (Leaflet animates the zoom).
    await page.waitForFunction(() => window.hamnvaktMap.map.getZoom() >= 11);
    await page.screenshot({ path: path.join(artifacts, `map-encounter-${locale}.png`) });
    await page.click('#clear-tracks');
    assert.equal(await page.locator('#map path.track').count(), 0);

    // Open alerts are on the map, and can be hidden.
    await page.evaluate(() => window.hamnvaktMap.map.setView([59.45, 18.9], 7, { animate: false }));
    await page.waitForFunction(() => document.querySelectorAll('#map .alert-icon').length >= 1);
    await page.uncheck('#show-alerts');
    assert.equal(await page.locator('#map .alert-icon').count(), 0);
    await page.check('#show-alerts');
    await page.screenshot({ path: path.join(artifacts, `map-${locale}.png`) });
    assert.deepEqual(failures, []);
    await context.close();
  });
}
