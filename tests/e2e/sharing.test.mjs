// Story 5 in a real browser: the demo shares story 2's modus operandi TLP:GREEN with the
// alliance; the partner port (the Port of Helsinki's installation, with the token the demo
// prints) reads it from the TAXII alliance collection and posts an indicator of its own; the
// PFSO's sharing page shows what is shared under which marking, the partner's indicator in the
// library, and for the modus operandi who may see it and why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDemo, launchBrowser, signIn, artifacts } from './harness.mjs';

const TAXII = 'application/taxii+json;version=2.1';
const ALLIANCE = '8f3c6a2e-0b51-4d6f-9a7e-2c4d1e5f6a70';
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

test('a partner port pulls the shared modus operandi over TAXII and its own indicator comes back', async () => {
  const token = demo.banner.match(/its API token[^\n]*\n\s+(\S+)/)?.[1];
  assert.ok(token, `the banner names the partner's token:\n${demo.banner}`);
  const headers = { authorization: `Bearer ${token}`, accept: TAXII };
  const discovery = await fetch(`${demo.url}/taxii2/`, { headers });
  assert.equal(discovery.status, 200);
  const objectsUrl = `${demo.url}/taxii2/hamnvakt/collections/${ALLIANCE}/objects/`;
  const got = await (await fetch(objectsUrl, { headers })).json();
  const report = got.objects.find((o) => o.type === 'report');
  assert.ok(report, JSON.stringify(got));
  assert.match(report.name, /Fake-driver collection/);
  // Everything is TLP:GREEN, but the places the modus operandi names: public geography,
  // TLP:CLEAR (STIX locations with their UN/LOCODE).
  const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
  const CLEAR = 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487';
  assert.ok(got.objects.every((o) => o.object_marking_refs[0] === (o.type === 'location' ? CLEAR : GREEN)), JSON.stringify(got));
  const places = got.objects.filter((o) => o.type === 'location');
  assert.ok(places.some((o) => o.external_references[0].external_id === 'SENYN'), JSON.stringify(places));
  assert.ok(report.object_refs.includes(places[0].id));

  const own = {
    type: 'indicator', spec_version: '2.1', id: 'indicator--6b0f2c1d-3e4a-4b5c-8d9e-0f1a2b3c4d5e',
    created: '2026-11-30T08:00:00.000Z', modified: '2026-11-30T08:00:00.000Z',
    name: 'Helsinki: seal reused on a reefer', description: 'A seal number seen on two reefers in one week',
    indicator_types: ['malicious-activity'], pattern: "[x-hamnvakt-seal:number = 'HEL7781']",
    pattern_type: 'stix', valid_from: '2026-11-30T08:00:00Z',
    object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'],
  };
  const posted = await fetch(objectsUrl, {
    method: 'POST', headers: { ...headers, 'content-type': TAXII }, body: JSON.stringify({ objects: [own] }),
  });
  assert.equal(posted.status, 202);
  const status = await posted.json();
  assert.equal(status.success_count, 1, JSON.stringify(status));

  const page = await browser.newPage();
  await signIn(page, demo.url, 'pfso');
  await page.goto(`${demo.url}/sharing`);
  await page.waitForSelector('#shared');
  const shared = await page.textContent('#shared');
  assert.match(shared, /Fake-driver collection/);
  assert.match(shared, /TLP:GREEN/);
  const library = await page.textContent('#indicators');
  assert.match(library, /Helsinki: seal reused on a reefer/);
  await page.screenshot({ path: path.join(artifacts, 'sharing.png'), fullPage: true });

  await Promise.all([page.waitForURL(/\/sharing\/objects\/report--/), page.click('#shared a:has-text("Fake-driver collection")')]);
  const access = await page.textContent('#access');
  assert.match(access, /Port of Helsinki/);
  const helsinki = await page.locator('#access tr', { hasText: 'Port of Helsinki' }).textContent();
  assert.match(helsinki, /alliance/i);
  await page.close();
});
