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
  // A Raft cluster with a few commands replicated, messages in flight and one node crashed.
  await page.evaluate(() => {
    const ns = window.nodescape;
    ns.load({ nodescape: 1, protocol: 'raft', seed: '3', nodes: 5 });
    ns.advance(1500);
    for (let i = 0; i < 4; i++) {
      const leader = ns.state().nodes.find((n) => n.role === 'leader');
      ns.intervene({ type: 'client_request', node: leader.id });
      ns.advance(40);
    }
    ns.intervene({ type: 'crash', node: 4 });
    ns.intervene({ type: 'client_request', node: ns.state().nodes.find((n) => n.role === 'leader').id });
    ns.advance(6);
  });
  await page.waitForTimeout(300);
  await page.screenshot({ path: out });
  if (problems.length) console.warn(`the page reported problems:\n${problems.join('\n')}`);
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await site.close();
}
