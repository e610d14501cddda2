// Story 6 in a real browser: the Norvik PFSO opens the demo's half-done assessment, sees the
// gaps ranked by risk, each with the practices the partner ports (Helsinki, Antwerp-Bruges)
// used for it; measures the controls Hamnvakt can measure from live facts, confirms the
// level-2 measurement, answers a control and plans an action; the harmonised catalogue and
// the report are there; and the page reads in Swedish.
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

test('the PFSO assesses Norvik: gaps ranked with other ports\' practices, measured evidence confirmed', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, demo.url, 'pfso');
  await page.click('nav.main a[href="/assessments"]');
  await page.waitForSelector('#assessments');
  await Promise.all([page.waitForURL(/\/assessments\/[0-9a-f-]{36}$/), page.click('#assessments a')]);
  const url = page.url();

  // Gaps, ranked: the insider scenario's not-vetted control first, each with practices.
  const gaps = await page.$$eval('#gaps li.gap', (li) => li.map((x) => x.dataset.control));
  assert.ok(gaps.length >= 3, `gaps: ${gaps}`);
  assert.equal(gaps[0], 'PER-1');
  const per1 = await page.textContent('#gaps li.gap[data-control="PER-1"]');
  assert.match(per1, /Re-vetting of everyone who can change release or location data/);
  assert.match(per1, /Port of Helsinki/);
  const wat2 = await page.textContent('#gaps li.gap[data-control="WAT-2"]');
  assert.match(wat2, /Hull inspection of vessels from high-risk ports/);
  const inf1 = await page.textContent('#gaps li.gap[data-control="INF-1"]');
  assert.match(inf1, /Port of Antwerp-Bruges/);
  assert.match(per1, /risk \d+\.\d/);
  // In Swedish the risk has a decimal comma like every other number there.
  await page.click('a[lang=sv]');
  await page.waitForSelector('#gaps');
  assert.match(await page.textContent('#gaps li.gap[data-control="PER-1"]'), /risk \d+,\d/);
  await page.click('a[lang=en]');
  await page.waitForSelector('#gaps');

  // The demo measured what it can: the level-2 rule from the policy set in force.
  const lvl = await page.textContent('#controls tr[data-control="LVL-1"]');
  assert.match(lvl, /measured, not yet confirmed/);
  assert.match(lvl, /level2_generic_card/);
  await Promise.all([page.waitForURL(url), page.click('#controls tr[data-control="LVL-1"] form.confirm button')]);
  assert.match(await page.textContent('#controls tr[data-control="LVL-1"]'), /measured and confirmed/);

  // Answer a control by hand; it leaves the unanswered.
  const before = await page.textContent('#summary');
  await page.selectOption('#controls tr[data-control="INF-2"] form.answer select[name=status]', 'partly');
  await page.fill('#controls tr[data-control="INF-2"] form.answer input[name=evidence]', 'Personal accounts; no second factor yet');
  await Promise.all([page.waitForURL(url), page.click('#controls tr[data-control="INF-2"] form.answer button')]);
  assert.notEqual(await page.textContent('#summary'), before);
  assert.ok(await page.$('#gaps li.gap[data-control="INF-2"]'), 'INF-2 is now a gap');

  // Plan an action from a practice another port used.
  await page.selectOption('#add-action select[name=control]', 'WAT-2');
  await page.fill('#add-action input[name=title]', 'Agree hull inspections with the coast guard');
  await page.fill('#add-action input[name=owner]', 'PFSO Norvik');
  await page.fill('#add-action input[name=due]', '2027-09-30');
  await Promise.all([page.waitForURL(url), page.click('#add-action button')]);
  assert.match(await page.textContent('#actions'), /Agree hull inspections with the coast guard/);
  await page.screenshot({ path: path.join(artifacts, 'assessment-norvik.png'), fullPage: true });

  // The report and the action plan come from the server.
  const pdf = await page.request.get(`${url.replace('/assessments/', '/api/v1/assessments/')}/report.pdf`);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.equal((await pdf.body()).subarray(0, 8).toString(), '%PDF-1.4');
  const csv = await page.request.get(`${url.replace('/assessments/', '/api/v1/assessments/')}/actions.csv`);
  assert.match(await csv.text(), /Agree hull inspections with the coast guard,PFSO Norvik,2027-09-30,open/);

  // The harmonised catalogue shows where the instruments agree and differ.
  await page.goto(`${demo.url}/assessments/catalogue`);
  assert.match(await page.textContent('tr[data-control="LVL-1"]'), /2 kap\. 1 §/);
  await page.goto(`${demo.url}/assessments/practices`);
  assert.match(await page.textContent('main'), /Certified pick-up/);

  // In Swedish.
  await page.goto(`${demo.url}/lang/sv?back=${encodeURIComponent(new URL(url).pathname)}`);
  await page.waitForSelector('#gaps');
  assert.match(await page.textContent('main'), /Brister rangordnade efter risk/);
  assert.match(await page.textContent('main'), /Metoder som andra hamnar använt/);
  await context.close();
});
