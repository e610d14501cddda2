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
  const driverName = await page.$eval('#assign select[name=driver] option', (o) => o.textContent);
  await page.fill('#assign input[name=plate]', 'lt-krm 418');
  await Promise.all([page.waitForURL(new RegExp(`/releases/${id}$`)), page.click('#assign button[type=submit]')]);
  const assignment = await page.textContent('#assignment');
  assert.ok(assignment.includes(driverName) && assignment.includes('LTKRM418'), assignment);
  const timeline = await page.textContent('#timeline');
  for (const step of ['release.issued', 'release.offered', 'release.accepted', 'release.assigned']) {
    assert.ok(timeline.includes(step), `${step} in ${timeline}`);
  }
  await page.screenshot({ path: path.join(artifacts, 'release-dispatcher.png'), fullPage: true });

  // The line sees the same release moved on; another haulier's dispatcher would not see it.
  const after = await line('GET', `/api/v1/releases/${id}`);
  assert.equal(after.json.holder, toHaulier.to);
  assert.equal(after.json.assignment.plate, 'LTKRM418');
  await context.close();
});
