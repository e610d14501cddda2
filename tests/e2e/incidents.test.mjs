// The security centre's operator in a real browser, issue 18's flow: from an alert in the
// queue to an incident (its marking chosen when it is opened), escalated to customs — which
// then sees it while the police do not —, a line in the shift log, the handover, and the
// incoming operator's acknowledgement.
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

const apiAs = (username) => signInApi(demo.url, username);

test("story 2's refused driver is an incident shared with customs and police as TLP:AMBER", async () => {
  const customs = await apiAs('targeting');
  const police = await apiAs('police.analyst');
  const coastguard = await apiAs('kbv.analyst');
  const seen = await customs.call('GET', '/api/v1/incidents');
  const story = seen.json.find((i) => i.title.startsWith('Story 2'));
  assert.ok(story, JSON.stringify(seen.json));
  assert.equal(story.marking.tlp, 'TLP:AMBER');
  assert.equal(story.marking.audience, 'named');
  assert.ok((await police.call('GET', `/api/v1/incidents/${story.id}`)).status === 200);
  // The port's security centre, named by the terminal, sees it too.
  const centre = await apiAs('operator');
  assert.equal((await centre.call('GET', `/api/v1/incidents/${story.id}`)).status, 200);
  assert.equal((await coastguard.call('GET', `/api/v1/incidents/${story.id}`)).status, 404);
});

test('alert → incident → escalate to customs → shift log → handover acknowledged', async () => {
  const operator = await apiAs('operator');
  const org = operator.org;
  const open = await operator.call('GET', '/api/v1/alerts?state=open&limit=500');
  assert.equal(open.status, 200);
  // An open alert of the port authority that is in no incident yet (story 2's is).
  let alert;
  for (const a of open.json.alerts.filter((x) => x.owner_org === org)) {
    const of = await operator.call('GET', `/api/v1/incidents?alert=${a.id}`);
    if (of.json.length === 0) { alert = a; break; }
  }
  assert.ok(alert, 'an open alert of the port authority in no incident');

  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'operator');
  await page.goto(`${demo.url}/alerts/${alert.id}`);
  await page.waitForSelector('#open-incident');
  await page.selectOption('#open-incident select[name=tlp]', 'TLP:AMBER');
  await page.selectOption('#open-incident select[name=audience]', 'organisation');
  await page.fill('#open-incident input[name=title]', `Incident: ${alert.title}`);
  await Promise.all([page.waitForURL(/\/incidents\/[0-9a-f-]+$/), page.click('#open-incident-submit')]);
  const incidentId = page.url().split('/').pop();
  assert.ok((await page.textContent('#incident-alerts')).includes(alert.title));
  assert.equal(await page.getAttribute('#incident-detail', 'data-state'), 'open');

  // Customs may not see it yet.
  const customs = await apiAs('targeting');
  const police = await apiAs('police.analyst');
  assert.equal((await customs.call('GET', `/api/v1/incidents/${incidentId}`)).status, 404);

  // Escalate to customs (Tullverket) from the incident's page.
  const agencies = await page.$$eval('#escalate-to option', (os) => os.map((o) => ({ v: o.value, t: o.textContent })));
  const tullverket = agencies.find((a) => a.t.includes('Tullverket'));
  assert.ok(tullverket, JSON.stringify(agencies));
  await page.selectOption('#escalate-to', tullverket.v);
  await Promise.all([page.waitForURL(new RegExp(`/incidents/${incidentId}$`)), page.click('#escalate')]);
  assert.ok((await page.textContent('#incident-escalated')).includes('Tullverket'));
  assert.ok(await page.$('#incident-timeline li[data-entry=escalated]'));
  assert.equal((await customs.call('GET', `/api/v1/incidents/${incidentId}`)).status, 200);
  assert.equal((await police.call('GET', `/api/v1/incidents/${incidentId}`)).status, 404);
  const told = await customs.call('GET', '/api/v1/alerts?kind=incident');
  assert.ok(told.json.alerts.some((a) => a.evidence.incident === incidentId), JSON.stringify(told.json));

  // The alert's page now names its incident.
  await page.goto(`${demo.url}/alerts/${alert.id}`);
  assert.equal(await page.getAttribute('#alert-incident-link', 'href'), `/incidents/${incidentId}`);

  // The shift log and the handover.
  await page.goto(`${demo.url}/shift`);
  await page.fill('#shift-write textarea[name=text]', 'Escalated the refused driver to customs');
  await Promise.all([page.waitForURL(/\/shift$/), page.click('#shift-write button[type=submit]')]);
  assert.ok((await page.textContent('#handover-entries')).includes('Escalated the refused driver'));
  assert.ok((await page.textContent('#handover-incidents')).includes(alert.title));
  await page.fill('#hand-over textarea[name=note]', 'Customs call back before 06:00');
  await Promise.all([page.waitForURL(/\/shift$/), page.click('#hand-over button[type=submit]')]);
  const handover = await page.getAttribute('#handovers li', 'data-handover');
  // The entry stays in the log after the handover that carried it.
  assert.ok((await page.textContent('#shift-log')).includes('Escalated the refused driver'));
  assert.equal(await page.getAttribute('#handovers li', 'data-acknowledged'), 'false');
  // The outgoing operator is not offered to acknowledge their own handover.
  assert.equal(await page.$(`#handovers li[data-handover="${handover}"] .acknowledge-handover`), null);
  await page.screenshot({ path: path.join(artifacts, 'incidents-handover.png'), fullPage: true });

  const incoming = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 900 } });
  const next = await incoming.newPage();
  await signIn(next, demo.url, 'operator2');
  await next.goto(`${demo.url}/shift`);
  // The incoming operator reads the handover, open on the page, before acknowledging it.
  const content = next.locator(`#handovers li[data-handover="${handover}"] details.handover-content`);
  assert.equal(await content.getAttribute('open'), '');
  assert.ok(await content.isVisible());
  assert.match(await content.locator('.handover-note').textContent(), /Customs call back before 06:00/);
  assert.match(await content.locator('.handover-entries').textContent(), /Escalated the refused driver/);
  assert.match(await content.locator('.handover-incidents').textContent(), new RegExp(alert.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await Promise.all([
    next.waitForURL(/\/shift$/),
    next.click(`#handovers li[data-handover="${handover}"] .acknowledge-handover`),
  ]);
  assert.equal(await next.getAttribute(`#handovers li[data-handover="${handover}"]`, 'data-acknowledged'), 'true');
  await context.close();
  await incoming.close();
});
