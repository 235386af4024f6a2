// scratch experiment (not committed): does Chromium's wasm code cache make the first run fast on a repeat visit?
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CHROMIUM_ARGS } from '../tests/e2e/browser.mjs';
const root = process.argv[2]; const cacheHeader = process.argv[3] ?? 'max-age=600';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.webmanifest': 'application/manifest+json' };
const server = createServer(async (req, res) => {
  let p = new URL(req.url, 'http://x').pathname; if (p.endsWith('/')) p += 'index.html';
  try { const b = await readFile(join(root, p)); res.writeHead(200, { 'content-type': TYPES[extname(p)] ?? 'application/octet-stream', 'cache-control': cacheHeader }); res.end(b); }
  catch { res.writeHead(404); res.end(); }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
const dir = mkdtempSync(join(tmpdir(), 'cachexp-'));
async function visit(label, idle) {
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true, viewport: { width: 1280, height: 720 } });
  const page = ctx.pages()[0] ?? await ctx.newPage();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.nodescape && document.querySelector('svg#cluster g.node'), null, { timeout: 60000 });
  const sw = await page.evaluate(() => !!navigator.serviceWorker?.controller);
  const r = await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 });
    const e0 = nodescape.state().events; const t0 = performance.now();
    for (let i = 0; i < 6; i++) nodescape.advance(600000);
    const s = (performance.now() - t0) / 1000; return { rate: Math.round((nodescape.state().events - e0) / s), digest: nodescape.digest() };
  });
  console.log(label, 'first run', r.rate, r.digest, 'sw controlling:', sw);
  await page.waitForTimeout(idle);
  await ctx.close();
}
for (let i = 1; i <= 4; i++) await visit(`visit ${i} (${cacheHeader})`, 6000);
server.close();
