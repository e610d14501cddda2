// Renews README's screenshot (docs/screenshot.png): the demo's alert queue in Swedish, as the
// operator of the security centre sees it at 1440×900 — every alert in it raised by a real
// detector or correlation rule from the demo's traffic, its title written in Swedish from the
// detector's message code. Run with `npm run screenshot` after `cargo build -p hamnvakt-server
// --bin hamnvakt` (HAMNVAKT_BIN picks another binary). Like the tests, it starts `hamnvakt
// demo` on a free port and drives Debian's Chromium; nothing is downloaded.
import path from 'node:path';
import { startDemo, launchBrowser, signIn, root } from './harness.mjs';

const out = path.join(root, 'docs', 'screenshot.png');
const demo = await startDemo();
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  await signIn(page, demo.url, 'operator');
  await page.goto(`${demo.url}/alerts`);
  await page.waitForSelector('#alert-queue-live[data-listening="true"]');
  await page.screenshot({ path: out, fullPage: false });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  demo.stop();
}
