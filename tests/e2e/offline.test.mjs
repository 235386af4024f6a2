// The site keeps working offline after the first visit (service worker).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage } from './browser.mjs';
import { serveDist } from './server.mjs';

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

test('after one visit the page still opens with the network off', async () => {
  const { page, context } = await openPage(browser);
  await page.goto(site.url);
  await page.waitForSelector('main#app svg#cluster g.node', { timeout: 15000 });
  await page.evaluate(() => navigator.serviceWorker.ready);
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector('main#app svg#cluster g.node', { timeout: 15000 });
  assert.equal(await page.locator('svg#cluster g.node').count(), 5);
  assert.equal(await page.evaluate(() => typeof window.nodescape.play), 'function');
  await context.close();
});
