// scratch: CPU profile of the steady-state events/s run (not committed)
import { launchBrowser, openPage } from '../tests/e2e/browser.mjs';
import { serveDist } from '../tests/e2e/server.mjs';
const root = process.argv[2];
const server = await serveDist({ root });
const browser = await launchBrowser();
const { page, context } = await openPage(browser);
page.on("console", m => console.log("console", m.text())); page.on("pageerror", e => console.log("err", e.message));
await page.goto(server.url, { waitUntil: 'load' });
await page.waitForFunction(() => window.nodescape && document.querySelector('svg#cluster g.node'), null, { timeout: 60000 });
const once = () => page.evaluate(() => {
  nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 });
  const e0 = nodescape.state().events; const t0 = performance.now();
  for (let i = 0; i < 6; i++) nodescape.advance(600000);
  const s = (performance.now() - t0) / 1000; return [(nodescape.state().events - e0) / s, nodescape.digest()];
});
console.log('cold', await once()); console.log('warm', await once());
const cdp = await context.newCDPSession(page);
await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
await cdp.send('Profiler.start');
for (let i = 0; i < 4; i++) console.log('run', await once());
const { profile } = await cdp.send('Profiler.stop');
const self = new Map(); const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const dt = profile.timeDeltas; let total = 0;
profile.samples.forEach((id, i) => { const n = byId.get(id); const k = n.callFrame.functionName || '(anon)'; const d = dt[i + 1] ?? 0; total += d; self.set(k, (self.get(k) ?? 0) + d); });
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 40);
for (const [k, v] of top) console.log((100 * v / total).toFixed(1).padStart(5) + '%', k.slice(0, 150));
await browser.close(); await server.close();
