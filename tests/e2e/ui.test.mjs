// The console in a real browser: sign in, see the queue, acknowledge an alert, switch
// language, and read and verify the audit log as an administrator.
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

test('an operator signs in, sees the queue and acknowledges an alert', async () => {
  const context = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'operator');
  await page.waitForSelector('#alert-queue');
  assert.equal(await page.textContent('h1'), 'Larmkö');
  const rows = await page.$$('#alert-queue tbody tr');
  // Every one raised by a detector or a correlation rule from the day's traffic; none planted.
  assert.ok(rows.length >= 8, `expected a day's alerts in the queue, saw ${rows.length}`);
  const count = Number(await page.textContent('#alert-count'));

  // The night's story-1 alert is there.
  assert.ok((await page.textContent('#alert-queue')).includes('Värtahamnen'));

  // Acknowledge the first open alert the operator's organisation may act on.
  const row = page.locator('#alert-queue tbody tr[data-state="open"]', { has: page.locator('button.ack') }).first();
  const id = await row.getAttribute('data-alert-id');
  await page.screenshot({ path: path.join(artifacts, 'alert-queue.png'), fullPage: false });
  await Promise.all([page.waitForURL(/\/alerts/), row.locator('button.ack').click()]);
  const after = page.locator(`#alert-queue tbody tr[data-alert-id="${id}"]`);
  assert.equal(await after.getAttribute('data-state'), 'acknowledged');
  assert.equal(await after.locator('.state').textContent(), 'Kvitterat');
  assert.equal(Number(await page.textContent('#alert-count')), count, 'acknowledged alerts stay in the active queue');

  // The alert page shows the acknowledgement in its history, in words: the event and who did
  // it (a person by name, a detector as one), no event codes or actor ids.
  await page.goto(`${demo.url}/alerts/${id}`);
  const history = await page.textContent('ol.history');
  assert.ok(history.includes('kvitterat'), history);
  assert.ok(await page.locator('ol.history span.step[title="alert.acknowledged"]').count() === 1, history);
  assert.ok(!/alert\.|detector:|system:|user:|token:/.test(history), `codes in the history: ${history}`);
  const raisedBy = await page.textContent('#alert-raised-by');
  assert.ok(!/detector:|system:|user:|token:/.test(raisedBy), `raised by a code: ${raisedBy}`);

  // English, every label switched.
  await page.click('a[lang=en]');
  await page.waitForSelector('#alert-detail');
  await page.goto(`${demo.url}/alerts`);
  assert.equal(await page.textContent('h1'), 'Alert queue');
  const english = await page.textContent('body');
  for (const swedish of ['Larmkö', 'Kvittera', 'Allvarlighet', 'Logga ut']) {
    assert.ok(!english.includes(swedish), `"${swedish}" left untranslated`);
  }
  await page.screenshot({ path: path.join(artifacts, 'alert-queue-en.png'), fullPage: false });
  await context.close();
});

test('an administrator reads the audit log and verifies the chain', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'admin');
  await page.click('nav.main a[href="/audit"]');
  await page.waitForSelector('#audit-log');
  const text = await page.textContent('#audit-log');
  for (const kind of ['auth.login', 'alert.acknowledged']) {
    assert.ok(text.includes(kind), `${kind} missing from the newest page of the audit log`);
  }
  // Older events are a filter away (the newest page is mostly gate decisions).
  await page.fill('form.filters input[name=kind]', 'alert.raised');
  await Promise.all([page.waitForURL(/kind=alert.raised/), page.click('form.filters button[type=submit]')]);
  const raised = await page.locator('#audit-log tbody tr').count();
  assert.ok(raised >= 10, `only ${raised} alert.raised events`);
  await page.goto(`${demo.url}/audit`);
  await Promise.all([page.waitForURL(/verify=1/), page.click('#verify-chain')]);
  assert.match(await page.textContent('#chain-status'), /The chain is intact/);
  await page.screenshot({ path: path.join(artifacts, 'audit-log.png'), fullPage: false });
  await context.close();
});

test('one alert for the picture beyond the anchors links every subject to its entity page', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'operator');
  // Raised by the correlation rule from the traffic: the reefer's risk, its feeder's dark
  // approach and its driver's night at the stack (the stack detector).
  const link = page.locator('#alert-queue a', { hasText: 'its vessel dark on the approach' });
  await Promise.all([page.waitForURL(/\/alerts\/[0-9a-f-]{36}$/), link.first().click()]);
  const subjects = page.locator('ul.subjects');
  for (const href of ['/entities/container:MSKU4839210', '/entities/vessel:mmsi:636019870', '/map?track=636019870']) {
    assert.equal(await subjects.locator(`a[href="${href}"]`).count(), 1, href);
  }
  const person = subjects.locator('li[data-kind="person"] a.record');
  assert.match(await person.getAttribute('href'), /^\/access\/r\/people\/[0-9a-f-]{36}$/);
  // The consignment is named, but its record is customs' (the operator has no cargo role):
  // no link that would answer 403.
  assert.equal(await subjects.locator('li[data-kind="consignment"]').count(), 1);
  assert.equal(await subjects.locator('li[data-kind="consignment"] a.record').count(), 0);
  assert.match(await page.textContent('pre.evidence'), /cargo_vessel_gate/);
  // The badge part is the stack detector's finding: the driver at the reefer stack at night
  // with no task there.
  assert.match(await page.textContent('pre.evidence'), /access\.stack_outside_task/);
  // The container's entity page: every alert naming it that the operator may see.
  await Promise.all([page.waitForURL(/\/entities\/container:MSKU4839210$/), subjects.locator('a[href="/entities/container:MSKU4839210"]').click()]);
  const alerts = await page.textContent('#entity-alerts');
  assert.match(alerts, /number \d+ of \d+ by risk today, in the top 2 %/);
  assert.match(alerts, /Refused driver for a high-risk container/);
  await page.screenshot({ path: path.join(artifacts, 'entity-container.png'), fullPage: false });
  // The vessel's entity page leads to its track on the map.
  await page.goto(`${demo.url}/entities/vessel:mmsi:636019870`);
  assert.match(await page.textContent('h1'), /ANDES TRADER/);
  await Promise.all([page.waitForURL(/\/map\?track=636019870$/), page.click('a.map')]);
  await page.waitForSelector('#vessel-panel[data-mmsi="636019870"]');
  await context.close();
});

test('an operator has no audit log and a wrong password is refused', async () => {
  const context = await browser.newContext({ locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(`${demo.url}/login`);
  await page.fill('input[name=username]', 'operator');
  await page.fill('input[name=password]', 'wrong password');
  await page.click('form[action="/login"] button[type=submit]');
  assert.match(await page.textContent('.error'), /Fel användarnamn eller lösenord/);
  await signIn(page, demo.url, 'operator');
  assert.equal(await page.locator('nav.main a[href="/audit"]').count(), 0);
  const resp = await page.goto(`${demo.url}/audit`);
  assert.equal(resp.status(), 403);
  await context.close();
});
