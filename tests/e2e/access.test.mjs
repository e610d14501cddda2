// Access control in a real browser: the PFSO registers a contractor and a card, a gate
// controller is refused, the PFSO issues a permit in the console and the very next decision
// is a grant; the operator sees it in the live feed; the PFSO raises a facility to level 2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDemo, launchBrowser, signIn, artifacts } from './harness.mjs';

let demo;
let browser;
let token;

before(async () => {
  demo = await startDemo();
  token = demo.banner.match(/hvt_[0-9a-f]{64}/)[0];
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  demo?.stop();
});

async function decide(credential) {
  const r = await fetch(`${demo.url}/api/v1/access/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ gate: 'VHA-P1', credential, direction: 'in' }),
  });
  assert.equal(r.status, 200);
  return r.json();
}

async function saveForm(page) {
  await Promise.all([page.waitForURL(/\/access\/r\/[a-z]+\/[0-9a-f-]{36}$/), page.click('form.record button[type=submit]')]);
}

test('issuing a permit in the console changes the next gate decision', async () => {
  // The operator watches the live feed while the PFSO works.
  const op = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1440, height: 900 } });
  const opPage = await op.newPage();
  await signIn(opPage, demo.url, 'operator');
  await opPage.goto(`${demo.url}/access/feed`);
  await opPage.waitForSelector('#decision-feed');

  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'pfso');

  await page.goto(`${demo.url}/access/r/people/new`);
  await page.fill('input[name=name]', 'Eva Testare');
  await page.selectOption('select[name=kind]', 'contractor');
  await saveForm(page);

  await page.goto(`${demo.url}/access/r/credentials/new`);
  await page.fill('input[name=number]', 'E2E-1001');
  await page.selectOption('select[name=holder]', { label: 'Eva Testare' });
  await saveForm(page);

  const before = await decide('E2E-1001');
  assert.equal(before.outcome, 'deny');
  assert.equal(before.reasons.at(-1).code, 'no_permit');

  await page.goto(`${demo.url}/access/r/permits/new`);
  await page.selectOption('select[name=holder]', { label: 'Eva Testare' });
  await page.fill('input[name=purpose]', 'Crane inspection');
  await page.selectOption('select[name=zones]', { label: 'VHA-AREA — Värtahamnen terminal area' });
  await page.fill('input[name=schedule]', 'always');
  await saveForm(page);

  const after = await decide('E2E-1001');
  assert.equal(after.outcome, 'grant', JSON.stringify(after.reasons));
  assert.equal(after.person.name, 'Eva Testare');

  // A bad schedule is refused with the field named, and nothing is saved.
  await page.goto(`${demo.url}/access/r/permits/new`);
  await page.fill('input[name=purpose]', 'Broken');
  await page.selectOption('select[name=zones]', { label: 'VHA-AREA — Värtahamnen terminal area' });
  await page.fill('input[name=schedule]', 'Someday 06:00-07:00');
  await page.click('form.record button[type=submit]');
  assert.match(await page.textContent('.banner.bad'), /schedule/);
  await context.close();

  // The operator's feed received both decisions as they happened, without a reload.
  const live = opPage.locator('#decision-feed tbody tr.live', { hasText: 'E2E-1001' });
  await live.nth(1).waitFor({ timeout: 10_000 });
  const row = live.first();
  assert.equal(await row.getAttribute('data-outcome'), 'grant');
  assert.match(await row.textContent(), /Beviljad/);
  assert.match(await live.nth(1).textContent(), /Nekad.*Inget tillstånd/s);
  await opPage.screenshot({ path: path.join(artifacts, 'access-feed.png') });
  await op.close();
});

test('story 4: the PFSO raises Frihamnen to level 2 and the muster list is one click away', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'pfso');
  await page.goto(`${demo.url}/access`);
  const row = page.locator('#facilities tbody tr', { hasText: 'Frihamnen' });
  const gatesBefore = await row.locator('td').nth(3).textContent();
  await row.locator('input[name=reason]').fill('Threat assessment from Polisen');
  await row.locator('select[name=level]').selectOption('2');
  await Promise.all([page.waitForURL(/\/access$/), row.locator('form.set-level button').click()]);
  const after = page.locator('#facilities tbody tr', { hasText: 'Frihamnen' });
  assert.equal(await after.locator('span.level').textContent(), '2');
  const gatesAfter = await after.locator('td').nth(3).textContent();
  assert.ok(parseInt(gatesAfter) < parseInt(gatesBefore), `open gates ${gatesBefore} -> ${gatesAfter}`);
  await page.screenshot({ path: path.join(artifacts, 'access-levels.png') });

  // A generic day pass no longer works there.
  const r = await fetch(`${demo.url}/api/v1/access/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ gate: 'FRI-P1', credential: 'DAY-FRI-' + (await dayPass()), direction: 'in' }),
  });
  const d = await r.json();
  assert.equal(d.outcome, 'deny');
  assert.ok(d.reasons.some((x) => x.code === 'level2_generic_card'), JSON.stringify(d.reasons));

  await Promise.all([page.waitForURL(/\/access\/muster\//), after.locator('a[href^="/access/muster/"]').click()]);
  await page.waitForSelector('#muster');
  assert.ok(Number(await page.textContent('#muster-count')) >= 0);
  await context.close();

  async function dayPass() {
    const cookieless = await fetch(`${demo.url}/api/v1/access/credentials?q=DAY-FRI&limit=1`, { headers: { authorization: `Bearer ${token}` } });
    if (cookieless.status === 200) {
      const list = await cookieless.json();
      return list[0].number.replace('DAY-FRI-', '');
    }
    // Gate controllers may not read the register: read the number from the console instead.
    const p2 = await browser.newContext();
    const pg = await p2.newPage();
    await signIn(pg, demo.url, 'pfso');
    await pg.goto(`${demo.url}/access/r/credentials?q=DAY-FRI`);
    const text = await pg.textContent('#register');
    await p2.close();
    return text.match(/day-fri-(\d+)/i)[1];
  }
});
