// The security centre's operator in a real browser, in English and in Swedish (issue 18,
// points 5 and 8): the alert queue updates live — customs' alert shared with the port appears
// at the top without a reload, ordered by severity, while one customs keeps to itself never
// does —; its page shows the evidence for people (labelled, local times); then alert →
// incident → escalated to the police → grouped into a case → a line in the shift log → the
// handover, acknowledged by the incoming operator.
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

const WORDS = {
  'en-GB': {
    live: 'Live: alerts appear and change here as they happen.',
    firstSeen: 'First seen',
    container: 'Container',
    cases: 'Cases',
    caseOpen: 'Open',
    group: 'Open (1)',
    // Detector-made titles, written from the message code in the reader's language.
    gap: /^MMSI \d+ silent for \d+ min while under way$/,
    meeting: /^MMSI \d+ and MMSI \d+ met for \d+ min, \d+ m apart at \d+\.\d kn$/,
    denials: /^Credential \S+ refused \d+ times within \d+ minutes at \d+ gates$/,
  },
  'sv-SE': {
    live: 'Live: larm visas och ändras här när de händer.',
    firstSeen: 'Först sedd',
    container: 'Container',
    cases: 'Ärenden',
    caseOpen: 'Öppet',
    group: 'Öppen (1)',
    gap: /^AIS-avbrott: MMSI \d+ tyst i \d+ min under gång$/,
    meeting: /^Möte till sjöss: MMSI \d+ och MMSI \d+ i \d+ min, \d+ m isär i \d+,\d knop$/,
    denials: /^Passerkort \S+ nekat \d+ gånger inom \d+ minuter vid \d+ grindar$/,
  },
};

const SEVERITY = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

for (const [locale, words] of Object.entries(WORDS)) {
  test(`${locale}: live queue → alert → incident → escalate → case → handover acknowledged`, async () => {
    const operator = await apiAs('operator');
    const customs = await apiAs('targeting');
    const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signIn(page, demo.url, 'operator');
    await page.goto(`${demo.url}/alerts`);
    assert.equal((await page.textContent('#queue-live-note')).trim(), words.live);
    await page.waitForSelector('#alert-queue-live[data-listening="true"]');

    // The queue is in severity order, then the latest seen first.
    const order = await page.$$eval('#alert-queue tbody tr', (rows) =>
      rows.map((r) => [r.dataset.severity, Number(r.dataset.lastSeen)]));
    for (let i = 1; i < order.length; i++) {
      const [s0, t0] = order[i - 1];
      const [s1, t1] = order[i];
      assert.ok(SEVERITY[s0] > SEVERITY[s1] || (SEVERITY[s0] === SEVERITY[s1] && t0 >= t1), `row ${i} out of order: ${JSON.stringify(order)}`);
    }

    // The demo's detector-made alerts are titled in the reader's language, in the queue and
    // on the alert's page (the English title stays the API's `title`).
    const titles = await page.$$eval('#alert-queue tbody tr', (rows) => rows.map((r) =>
      [r.dataset.alertId, r.querySelector('td:nth-child(2) a').textContent.trim(), r.querySelector('small.kind').textContent.trim()]));
    for (const [kind, pattern] of [['ais.gap', words.gap], ['ais.encounter', words.meeting], ['access.repeated_denials', words.denials]]) {
      const found = titles.filter(([, , k]) => k === kind);
      assert.ok(found.length > 0, `no ${kind} alert in the queue: ${JSON.stringify(titles)}`);
      for (const [, title] of found) assert.match(title, pattern);
    }
    const [gapId, gapTitle] = titles.find(([, , k]) => k === 'ais.gap');
    await page.goto(`${demo.url}/alerts/${gapId}`);
    assert.ok((await page.textContent('#alert-title')).includes(gapTitle));
    const gapApi = await operator.call('GET', `/api/v1/alerts/${gapId}`);
    assert.match(gapApi.json.title, WORDS['en-GB'].gap);
    assert.equal(gapApi.json.message.code, 'alert.ais.gap');
    await page.goto(`${demo.url}/alerts`);
    await page.waitForSelector('#alert-queue-live[data-listening="true"]');

    // Customs raises two alerts: one it keeps to itself, one shared with the port by name.
    const stamp = `${locale} ${Date.now()}`;
    const kept = await customs.call('POST', '/api/v1/alerts', {
      kind: 'cargo.manual_hold', severity: 'critical', title: `Kept by customs ${stamp}`, tlp: 'TLP:AMBER',
      subjects: [{ kind: 'container', reference: 'MSKU1234565', label: null }],
    });
    assert.equal(kept.status, 201, JSON.stringify(kept.json));
    const shared = await customs.call('POST', '/api/v1/alerts', {
      kind: 'cargo.manual_hold', severity: 'critical', title: `Hold at the gate ${stamp}`, tlp: 'TLP:AMBER',
      shared_with: [operator.org],
      subjects: [{ kind: 'container', reference: 'MSKU1234565', label: null }],
      evidence: { container: 'MSKU1234565', first_seen: '2026-03-01T01:14:00Z', at_ms: 1772327640000, reasons: [{ code: 'no_permit', text: 'no permit' }] },
    });
    assert.equal(shared.status, 201, JSON.stringify(shared.json));
    const id = shared.json.id;

    // It appears at the top of the open page without a reload; the other never does.
    const row = await page.waitForSelector(`#alert-queue tbody tr[data-alert-id="${id}"]`, { timeout: 10_000 });
    assert.ok(await row.evaluate((r) => r.classList.contains('live')));
    const first = await page.getAttribute('#alert-queue tbody tr:first-child', 'data-alert-id');
    assert.equal(first, id, 'a critical alert just raised is at the top');
    assert.equal(await page.$(`#alert-queue tbody tr[data-alert-id="${kept.json.id}"]`), null);
    assert.ok(!(await page.textContent('#alert-queue-live')).includes(`Kept by customs ${stamp}`));
    await page.screenshot({ path: path.join(artifacts, `queue-live-${locale}.png`), fullPage: false });

    // The alert's page: evidence for people, local times, no epoch milliseconds.
    await Promise.all([page.waitForURL(new RegExp(`/alerts/${id}$`)), page.click(`#alert-queue tbody tr[data-alert-id="${id}"] a[href="/alerts/${id}"]`)]);
    const evidence = await page.textContent('#alert-evidence dl.evidence-fields');
    assert.ok(evidence.includes(words.container), evidence);
    assert.ok(evidence.includes(words.firstSeen), evidence);
    assert.ok(evidence.includes('2026-03-01 02:14'), `local time: ${evidence}`);
    assert.ok(!evidence.includes('1772327640000'), `epoch milliseconds shown: ${evidence}`);
    assert.ok(!evidence.includes('2026-03-01T01:14:00Z'), `RFC 3339 text shown: ${evidence}`);
    await page.screenshot({ path: path.join(artifacts, `alert-evidence-${locale}.png`), fullPage: true });

    // Alert → incident.
    await page.waitForSelector('#open-incident');
    await page.selectOption('#open-incident select[name=tlp]', 'TLP:AMBER');
    await page.selectOption('#open-incident select[name=audience]', 'organisation');
    await page.fill('#open-incident input[name=title]', `Incident ${stamp}`);
    await Promise.all([page.waitForURL(/\/incidents\/[0-9a-f-]+$/), page.click('#open-incident-submit')]);
    const incidentId = page.url().split('/').pop();
    assert.ok((await page.textContent('#incident-alerts')).includes(`Hold at the gate ${stamp}`));

    // Escalated to the police, which then sees it.
    const police = await apiAs('police.analyst');
    assert.equal((await police.call('GET', `/api/v1/incidents/${incidentId}`)).status, 404);
    const agencies = await page.$$eval('#escalate-to option', (os) => os.map((o) => ({ v: o.value, t: o.textContent })));
    const polisen = agencies.find((a) => a.t.includes('Polisen'));
    assert.ok(polisen, JSON.stringify(agencies));
    await page.selectOption('#escalate-to', polisen.v);
    await Promise.all([page.waitForURL(new RegExp(`/incidents/${incidentId}$`)), page.click('#escalate')]);
    assert.ok((await page.textContent('#incident-escalated')).includes('Polisen'));
    assert.equal((await police.call('GET', `/api/v1/incidents/${incidentId}`)).status, 200);

    // Grouped into a case, from the console's cases page.
    await page.click('a[href="/incidents"]');
    await Promise.all([page.waitForURL(/\/cases$/), page.click('#cases-link')]);
    assert.equal((await page.textContent('h1')).trim(), words.cases);
    await page.fill('#open-case input[name=title]', `Case ${stamp}`);
    await page.selectOption('#open-case-incidents', [incidentId]);
    await Promise.all([page.waitForURL(/\/cases\/[0-9a-f-]+$/), page.click('#open-case-submit')]);
    const caseId = page.url().split('/').pop();
    assert.equal((await page.textContent('#case-state')).trim(), words.caseOpen);
    const group = page.locator('#case-incidents section[data-group="open"]');
    assert.equal((await group.locator('h3').textContent()).trim(), words.group);
    assert.equal(await group.locator(`li[data-incident-id="${incidentId}"] a`).getAttribute('href'), `/incidents/${incidentId}`);
    await page.screenshot({ path: path.join(artifacts, `case-${locale}.png`), fullPage: true });
    // The police, named on the incident but not on the case, do not see the case.
    assert.equal((await police.call('GET', `/api/v1/cases/${caseId}`)).status, 404);
    await page.goto(`${demo.url}/cases`);
    assert.ok(await page.$(`#case-list tr[data-case-id="${caseId}"]`));
    // The incident's page names its case.
    await page.goto(`${demo.url}/incidents/${incidentId}`);
    assert.equal(await page.getAttribute('#incident-cases a', 'href'), `/cases/${caseId}`);

    // The shift log and the handover.
    await page.goto(`${demo.url}/shift`);
    await page.fill('#shift-write textarea[name=text]', `Escalated ${stamp} to the police`);
    await Promise.all([page.waitForURL(/\/shift$/), page.click('#shift-write button[type=submit]')]);
    assert.ok((await page.textContent('#handover-entries')).includes(`Escalated ${stamp}`));
    assert.ok((await page.textContent('#handover-incidents')).includes(`Incident ${stamp}`));
    await Promise.all([page.waitForURL(/\/shift$/), page.click('#hand-over button[type=submit]')]);
    const handover = await page.getAttribute('#handovers li', 'data-handover');
    assert.equal(await page.getAttribute('#handovers li', 'data-acknowledged'), 'false');

    const incoming = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
    const next = await incoming.newPage();
    await signIn(next, demo.url, 'operator2');
    await next.goto(`${demo.url}/shift`);
    await Promise.all([
      next.waitForURL(/\/shift$/),
      next.click(`#handovers li[data-handover="${handover}"] .acknowledge-handover`),
    ]);
    assert.equal(await next.getAttribute(`#handovers li[data-handover="${handover}"]`, 'data-acknowledged'), 'true');
    await context.close();
    await incoming.close();
  });
}
