// The targeting officer's day in a real browser: story 2's reefer tops the worklist with its
// reasons and a red lane; the officer records what the scan found and re-routes it; the
// profiles show their hit rates; the weekly precision chart is drawn.
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

test('story 2 tops the worklist, and its outcome and re-route are recorded', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'targeting');
  await page.click('nav.main a[href="/targeting"]');
  await page.waitForSelector('#worklist tbody tr');
  // Story 2's reefer ranks in the day's top 2 % (the brief's bar), in red.
  const ids = await page.locator('#worklist tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
  const rank = ids.findIndex((id) => /-7781$/.test(id));
  assert.ok(rank >= 0 && rank < Math.max(1, Math.ceil(0.02 * ids.length)), `story 2 at rank ${rank} of ${ids.length}`);
  const first = page.locator('#worklist tbody tr[data-id$="-7781"]');
  assert.equal(await first.getAttribute('data-lane'), 'red');
  const reasons = await first.locator('td.reasons').textContent();
  assert.match(reasons, /Fruit via cocaine ports/);
  assert.match(reasons, /routed via ECGYE/);
  assert.match(reasons, /first consignment of importer/);
  assert.match(reasons, /Model/);
  assert.match(reasons, /×\d+(\.\d)? odds: new importer/);
  // In Swedish every number has a decimal comma, the model's probability too.
  await page.click('a[lang=sv]');
  await page.waitForSelector('#worklist tbody tr');
  const sv = await page.locator('#worklist tbody tr[data-id$="-7781"] td.reasons').textContent();
  assert.match(sv, /Modell \d+,\d %/);
  assert.ok(!/\d\.\d/.test(sv), `a decimal point in Swedish: ${sv}`);
  await page.click('a[lang=en]');
  await page.waitForSelector('#worklist tbody tr');
  assert.equal(await page.locator('.capacity meter').count(), 2);
  // Red's capacity is 40; the day's hits, random and exploration places use some of it, and
  // what no risk asks for stays free (selection selects, it does not fill).
  const used = Number((await page.textContent('.capacity')).match(/(\d+) \/ 40/)[1]);
  assert.ok(used >= 1 && used <= 40, `red used ${used} of 40`);
  assert.equal(await page.locator('#precision-chart').count(), 1);
  await page.screenshot({ path: path.join(artifacts, 'worklist.png'), fullPage: false });

  // Running the selection says what it did (the demo's day is selected already: nothing new).
  await Promise.all([page.waitForURL(/placed=/), page.click('#run-selection')]);
  assert.match(await page.textContent('#selection-result'), /placed consignments: 0/);

  // The lane filter shows one lane's consignments only.
  await page.selectOption('#lane-filter', 'red');
  await Promise.all([page.waitForURL(/lane=red/), page.click('#worklist-filter button[type=submit]')]);
  const lanesShown = await page.locator('#worklist tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.lane));
  assert.ok(lanesShown.length > 0 && lanesShown.every((l) => l === 'red'), lanesShown.join(','));
  const top = page.locator('#worklist tbody tr[data-id$="-7781"]');

  await Promise.all([page.waitForURL(/\/targeting\/c\//), top.locator('a').first().click()]);
  assert.match(await page.textContent('#lane'), /Red/);
  // A page, not a JSON dump: the declaration's fields and the score with its reasons.
  assert.match(await page.textContent('#declaration'), /Country of origin/);
  assert.match(await page.textContent('#score'), /Fruit via cocaine ports/);
  assert.equal(await page.locator('pre').count(), 0);
  await page.selectOption('#record-outcome select[name=result]', 'seizure');
  await page.fill('#record-outcome input[name=goods]', 'cocaine');
  await page.fill('#record-outcome input[name=quantity]', '48,5');
  await page.fill('#record-outcome input[name=unit]', 'kg');
  await Promise.all([page.waitForLoadState('load'), page.click('#record-outcome button[type=submit]')]);
  await page.waitForSelector('#outcome');
  // In words, not the stored JSON.
  assert.match(await page.textContent('#outcome'), /Seizure 48\.5 kg cocaine/);
  assert.doesNotMatch(await page.textContent('#outcome'), /[{}"]/);

  await page.selectOption('#reroute select[name=lane]', 'yellow');
  await page.fill('#reroute input[name=reason]', 'scanned at the terminal already');
  await Promise.all([page.waitForLoadState('load'), page.click('#reroute button[type=submit]')]);
  await page.waitForFunction(() => /Yellow/.test(document.querySelector('#lane').textContent));
  assert.match(await page.textContent('#lane'), /rerouted/);

  await page.goto(`${demo.url}/targeting/profiles`);
  const rows = page.locator('#profiles tbody tr[data-id]');
  assert.equal(await rows.count(), 3);
  assert.match(await rows.first().locator('td.hits').textContent(), /^\s*[1-9]\d* \/ \d+/);
  assert.match(await rows.first().locator('td.precision').textContent(), /%/);

  // Disabling a profile is a new version of it.
  const edit = page.locator('#profiles tr.edit').first();
  await edit.locator('summary').click();
  const json = JSON.parse(await edit.locator('textarea').inputValue());
  json.enabled = false;
  await edit.locator('textarea').fill(JSON.stringify(json));
  await Promise.all([page.waitForLoadState('load'), edit.locator('button[type=submit]').click()]);
  await page.waitForSelector('#profiles tbody tr[data-id]');
  const versions = await page.$$eval('#profiles tbody tr[data-id] td:nth-child(3)', (tds) => tds.map((td) => td.textContent.trim()));
  assert.ok(versions.includes('2'), `a second version: ${versions}`);
  await context.close();
});
