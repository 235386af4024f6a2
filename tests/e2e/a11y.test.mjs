// Accessibility audit with axe-core on each main view: no violation of serious or critical
// impact. (The audit script is injected by the test, so the context bypasses the page's CSP.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launchBrowser } from './browser.mjs';
import { serveDist } from './server.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let browser;
let site;

before(async () => {
  browser = await launchBrowser();
  site = await serveDist();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

const VIEWS = [
  ['vector clocks', "nodescape.load({nodescape:1,protocol:'vclock',seed:'1',nodes:5}); nodescape.advance(500)"],
  ['raft', "nodescape.load({nodescape:1,protocol:'raft',seed:'1',nodes:5}); nodescape.advance(1500)"],
  ['hash ring', "nodescape.load({nodescape:1,protocol:'ring',seed:'1',nodes:5}); nodescape.advance(500)"],
  ['raft in presenter mode', "nodescape.load({nodescape:1,protocol:'raft',seed:'1',nodes:5}); nodescape.advance(1500); document.querySelector('#present').click()"],
];

for (const [name, setup] of VIEWS) {
  test(`axe finds no serious or critical problem in the ${name} view`, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(site.url);
    await page.waitForSelector('main#app svg#cluster g.node', { timeout: 15000 });
    await page.evaluate(setup);
    await page.waitForTimeout(200);
    await page.evaluate(AXE);
    const result = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`);
    });
    assert.deepEqual(result, [], result.join('\n'));
    await context.close();
  });
}
