// Story 5 in a real browser: the demo shares story 2's modus operandi TLP:GREEN with the
// alliance; the partner port (the Port of Helsinki's installation, with the token the demo
// prints) reads it from the TAXII alliance collection and posts an indicator of its own; the
// PFSO's sharing page shows what is shared under which marking, the partner feeds with their
// state, the partner's indicator in the library, the sighting the matcher recorded when the
// impostor's truck came back to the gate, and for the modus operandi who may see it and why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDemo, launchBrowser, signIn, artifacts, apiAs as signInApi } from './harness.mjs';

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

const apiAs = (username) => signInApi(demo.url, username);

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

  // Two feeds from the PFSO, through the API: one that pulls Helsinki's view of the alliance
  // collection (this installation's own TAXII server, with the partner's token), one whose
  // partner cannot be reached. Each is run once.
  const pfso = await apiAs('pfso');
  const orgs = await pfso.call('GET', '/api/v1/organisations');
  const partner = orgs.json.find((o) => o.name === 'Port of Helsinki');
  assert.ok(partner, JSON.stringify(orgs.json));
  const feeds = {};
  for (const [name, url] of [
    ['Helsinki alliance collection', objectsUrl],
    ['Helsinki backup node', 'http://127.0.0.1:9/taxii2/hamnvakt/collections/x/objects/'],
  ]) {
    const made = await pfso.call('POST', '/api/v1/sharing/feeds', {
      name, partner_org: partner.id, direction: 'pull', objects_url: url, token, interval_seconds: 86400,
    });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    const run = await pfso.call('POST', `/api/v1/sharing/feeds/${made.json.id}/pull`, {});
    assert.equal(run.status, 200, JSON.stringify(run.json));
    feeds[name] = run.json;
  }
  assert.equal(feeds['Helsinki alliance collection'].last_error, null, JSON.stringify(feeds));
  assert.match(feeds['Helsinki backup node'].last_error, /cannot reach the partner/, JSON.stringify(feeds));

  // The impostor's truck comes back to Norvik's in-gate: the shared plate indicator matches,
  // and the matcher records a sighting for the port.
  const plateIndicator = got.objects.find((o) => o.type === 'indicator' && o.pattern.startsWith('[x-hamnvakt-vehicle:plate'));
  assert.ok(plateIndicator, JSON.stringify(got.objects));
  const plate = plateIndicator.pattern.match(/= '([^']+)'/)[1];
  const gateToken = demo.banner.match(/hvt_[0-9a-f]{64}/)[0];
  const decided = await fetch(`${demo.url}/api/v1/access/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ gate: 'NVK-IN2', plate, direction: 'in' }),
  });
  assert.equal(decided.status, 200, await decided.text());
  let sighted = [];
  for (let i = 0; i < 100 && sighted.length === 0; i += 1) {
    sighted = (await pfso.call('GET', `/api/v1/sharing/objects?sighting_of=${plateIndicator.id}`)).json.objects;
    if (sighted.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(sighted.length, 1, 'the plate at the gate is sighted');

  const page = await browser.newPage();
  await signIn(page, demo.url, 'pfso');
  await page.goto(`${demo.url}/sharing`);
  await page.waitForSelector('#shared');
  const shared = await page.textContent('#shared');
  assert.match(shared, /Fake-driver collection/);
  assert.match(shared, /TLP:GREEN/);
  // The incoming feeds, each with its partner and its state.
  const working = await page.locator('#feeds tr', { hasText: 'Helsinki alliance collection' });
  assert.match(await working.textContent(), /pull.*Port of Helsinki/s);
  assert.equal(await working.locator('td.state').getAttribute('data-state'), 'working');
  assert.notEqual((await working.locator('td').nth(4).textContent()).trim(), '', 'its last run is shown');
  // What crossed the wire on that run: the whole collection, though all of it was here already.
  const received = feeds['Helsinki alliance collection'].last_run_objects;
  assert.ok(received > 0, JSON.stringify(feeds));
  assert.equal((await working.locator('td.last-run-objects').textContent()).trim(), String(received));
  const failing = await page.locator('#feeds tr', { hasText: 'Helsinki backup node' });
  assert.equal(await failing.locator('td.state').getAttribute('data-state'), 'failing');
  assert.match(await failing.locator('td.error').textContent(), /cannot reach the partner/);
  const library = await page.textContent('#indicators');
  assert.match(library, /Helsinki: seal reused on a reefer/);
  // The indicator library counts the sighting beside the plate's indicator, and none beside
  // the partner's seal, which nothing has shown.
  const plateRow = page.locator('#indicators tr', { hasText: plateIndicator.name });
  assert.equal((await plateRow.locator('td.sightings').textContent()).trim(), '1');
  const sealRow = page.locator('#indicators tr', { hasText: 'Helsinki: seal reused on a reefer' });
  assert.equal((await sealRow.locator('td.sightings').textContent()).trim(), '0');
  await page.screenshot({ path: path.join(artifacts, 'sharing.png'), fullPage: true });

  // The plate's indicator page lists the sighting: the port saw the plate at the gate.
  await Promise.all([page.waitForURL(/\/sharing\/objects\/indicator--/), plateRow.locator('a').click()]);
  const seen = await page.textContent('#sightings');
  assert.match(seen, new RegExp(`truck_plate ${plate} seen in a presentation at gate NVK-IN2`));
  await page.goto(`${demo.url}/sharing`);
  await Promise.all([page.waitForURL(/\/sharing\/objects\/report--/), page.click('#shared a:has-text("Fake-driver collection")')]);
  const access = await page.textContent('#access');
  assert.match(access, /Port of Helsinki/);
  const helsinki = await page.locator('#access tr', { hasText: 'Port of Helsinki' }).textContent();
  assert.match(helsinki, /alliance/i);
  await page.close();
});
