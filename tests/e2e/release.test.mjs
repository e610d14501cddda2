// The haulier's dispatcher in a real browser: the line issues a release through the API and
// the forwarder nominates the haulier (each with its own sign-in); the haulier's dispatcher
// finds it in the console, accepts it, assigns one of the company's drivers and a truck, and
// the release's page shows the assignment, the chain and each step in the timeline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDemo, launchBrowser, signIn, artifacts, apiAs as signInApi } from './harness.mjs';

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

/** Signs in through the API; returns a function that calls it with the session. */
const apiAs = async (username) => (await signInApi(demo.url, username)).call;

test('a dispatcher accepts a release, assigns a driver and a truck, and sees the timeline', async () => {
  const line = await apiAs('feeder.release');
  const forwarder = await apiAs('forwarder.dispatch');
  // The story's release names the forwarder and the haulier.
  const mine = await line('GET', '/api/v1/releases');
  assert.equal(mine.status, 200);
  const story = mine.json[0];
  // Story 2's reefer is selected for scanning by customs' targeting: its release shows the
  // customs light the gate applies, present for scanning, though customs last set it green.
  assert.equal(story.container, 'MSKU4839210');
  assert.deepEqual([story.customs.state, story.customs.scan], ['orange', true], JSON.stringify(story.customs));
  const [toForwarder, toHaulier] = story.chain;
  const issued = await line('POST', '/api/v1/releases', {
    container: 'NSFU 771204-7', bill_of_lading: 'NSFS-E2E-1', release_to: toForwarder.to, facility: story.facility,
  });
  assert.equal(issued.status, 201, JSON.stringify(issued.json));
  const id = issued.json.id;
  assert.equal((await forwarder('POST', `/api/v1/releases/${id}/steps`, { action: 'accept' })).status, 200);
  const offered = await forwarder('POST', `/api/v1/releases/${id}/steps`, { action: 'offer', to: toHaulier.to, role: 'haulier' });
  assert.equal(offered.status, 200, JSON.stringify(offered.json));

  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'baltic.dispatch');
  await page.goto(`${demo.url}/releases`);
  await page.click(`a[href="/releases/${id}"]`);
  await page.waitForSelector('#chain');
  assert.match(await page.textContent('#chain'), /offered, awaiting answer/);
  await Promise.all([page.waitForURL(new RegExp(`/releases/${id}$`)), page.click('#accept')]);
  // Now the holder: the assignment form lists the company's own drivers.
  await page.waitForSelector('#assign');
  const drivers = await page.$$eval('#assign select[name=driver] option', (o) => o.length);
  assert.ok(drivers > 10, `${drivers} drivers to choose from`);
  // Each driver is shown with the port card, so two people of one name are told apart.
  const driverOption = await page.$eval('#assign select[name=driver] option', (o) => o.textContent);
  const [driverName, card] = driverOption.split(' — ');
  assert.ok(driverName && card, `"${driverOption}" names the driver and the card`);
  const options = await page.$$eval('#assign select[name=driver] option', (o) => o.map((x) => x.textContent));
  assert.equal(new Set(options).size, options.length, 'no two drivers look alike');
  // The company's trucks are offered as the plate is typed.
  assert.ok(await page.$$eval('#own-plates option', (o) => o.length) > 0);
  await page.fill('#assign input[name=plate]', 'lt-krm 418');
  await Promise.all([page.waitForURL(new RegExp(`/releases/${id}$`)), page.click('#assign button[type=submit]')]);
  const assignment = await page.textContent('#assignment');
  assert.ok(assignment.includes(driverName) && assignment.includes('LTKRM418'), assignment);
  // Each step in words, its event kind kept as the title.
  const timeline = await page.$$eval('#timeline .step', (s) => s.map((x) => `${x.title} ${x.textContent}`).join('; '));
  for (const step of ['release.issued issued by the line', 'release.offered offered', 'release.accepted accepted', 'release.assigned driver and truck assigned']) {
    assert.ok(timeline.includes(step), `${step} in ${timeline}`);
  }
  await page.screenshot({ path: path.join(artifacts, 'release-dispatcher.png'), fullPage: true });

  // The line sees the same release moved on; another haulier's dispatcher would not see it.
  const after = await line('GET', `/api/v1/releases/${id}`);
  assert.equal(after.json.holder, toHaulier.to);
  assert.equal(after.json.assignment.plate, 'LTKRM418');

  // The forwarder takes its right back on the console: not in one stray click, but once
  // the box is ticked.
  const fwd = await context.newPage();
  await context.clearCookies();
  await signIn(fwd, demo.url, 'forwarder.dispatch');
  await fwd.goto(`${demo.url}/releases/${id}`);
  await fwd.click('#revoke');
  assert.equal((await line('GET', `/api/v1/releases/${id}`)).json.holder, toHaulier.to, 'an unticked revoke does nothing');
  await fwd.check('#steps input[name=confirm]');
  await Promise.all([fwd.waitForURL(new RegExp(`/releases/${id}$`)), fwd.click('#revoke')]);
  const revoked = await line('GET', `/api/v1/releases/${id}`);
  assert.equal(revoked.json.holder, toForwarder.to, JSON.stringify(revoked.json));
  assert.equal(revoked.json.assignment, null);
  assert.ok((await fwd.textContent('#timeline')).includes('taken back'));
  await context.close();
});

test("the day's pick-ups put story 2's refusal by its own reason: another driver than the assigned one", async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'pfso');
  await page.goto(`${demo.url}/releases/pickups`);
  const refused = page.locator('#pickups tbody tr', { hasText: 'MSKU4839210' }).filter({ has: page.locator('ul.reasons li code', { hasText: 'wrong_driver' }) });
  assert.equal(await refused.count(), 1, await page.textContent('#pickups'));
  // The impostor came in the assigned truck with his own card: the first reason is the
  // pick-up's, the permit's plate comes after it.
  assert.equal(await refused.locator('ul.reasons li code').first().textContent(), 'wrong_driver');
  await context.close();
});
