// Takes the README's screenshot (docs/screenshot.png, 1280x720) from the built page in dist/.
//
//   bash scripts/build.sh && node scripts/screenshot.mjs
import { launchBrowser, openPage } from '../tests/e2e/browser.mjs';
import { serveDist } from '../tests/e2e/server.mjs';
import { fileURLToPath } from 'node:url';

const out = fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));
const site = await serveDist();
const browser = await launchBrowser();
try {
  const { page, problems } = await openPage(browser, { width: 1280, height: 720 });
  await page.goto(site.url);
  await page.waitForSelector('main#app svg#cluster g.node', { timeout: 15000 });
  // Let the simulation run a moment so that the picture shows something happening.
  await page.evaluate(() => window.nodescape?.play?.());
  await page.waitForTimeout(1500);
  await page.evaluate(() => window.nodescape?.pause?.());
  await page.screenshot({ path: out });
  if (problems.length) console.warn(`the page reported problems:\n${problems.join('\n')}`);
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await site.close();
}
