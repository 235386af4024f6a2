// Where the main thread's time goes: records a DevTools trace (the Tracing domain, the same
// categories as the Performance panel) of one benchmark scenario while it animates, and prints
// the renderer main thread's self time per trace event name, in ms per wall second, with the
// top JS functions from the sampling profiler. A tool for issue 9, next to scripts/bench.mjs.
//
//   node scripts/profile.mjs raft [seconds] [cpu-rate]     # after scripts/build.sh
//   (scenarios: raft, vclock, ring, stress, ff)
//
// PROFILE_TRACE=out.json also writes the raw trace (open it in DevTools' Performance panel).
// PROFILE_DIST=dir serves another build: one made with data-wasm-opt="0" data-keep-debug on
// index.html's rust link, and NODESCAPE_KEEP_NAMES=1 in the environment (scripts/postbuild.mjs
// otherwise strips them), keeps the wasm function names, so the JS table names Rust functions.
import { writeFileSync } from 'node:fs';
import { launchBrowser, openPage } from '../tests/e2e/browser.mjs';
import { serveDist } from '../tests/e2e/server.mjs';

const [id = 'raft', secs = '3', rate = '1'] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const SETUP = {
  raft: () => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 });
    nodescape.play();
  },
  ring: () => {
    nodescape.load({
      nodescape: 1, protocol: 'ring', seed: '1', nodes: 6,
      settings: { ring: { keys: 10000, tokens_per_node: 100 } },
    });
    nodescape.play();
    nodescape.intervene({ type: 'join', node: 6 });
  },
  stress: () => {
    nodescape.load({
      nodescape: 1, protocol: 'vclock', seed: '1', nodes: 64,
      network: { latency_min_us: 1500000, latency_max_us: 1600000, jitter_us: 0, loss: 0, duplicate: 0 },
      settings: { vclock: { events_per_sec: 20, send_ratio: 0.5 } },
    });
    nodescape.advance(3000);
    nodescape.play();
  },
  vclock: () => {
    nodescape.load({
      nodescape: 1, protocol: 'vclock', seed: '1', nodes: 5,
      settings: { vclock: { events_per_sec: 100, send_ratio: 0.5 } },
    });
  },
  ff: () => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 });
  },
};

const server = await serveDist(process.env.PROFILE_DIST ? { root: process.env.PROFILE_DIST } : {});
const browser = await launchBrowser();
try {
  const { page, context } = await openPage(browser, { width: 1280, height: 720 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: Number(rate) });
  await page.goto(server.url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.nodescape && document.querySelector('svg#cluster g.node'));
  await page.evaluate(SETUP[id]);
  if (id === 'vclock') {
    for (let i = 0; i < 4; i++) await page.click('button[title^="Show more time"]');
    await page.evaluate(() => {
      while (nodescape.state().events < 10000) nodescape.advance(1000);
      nodescape.play();
    });
  }
  await sleep(500);

  const events = [];
  cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: {
      includedCategories: [
        'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink',
        'cc', 'toplevel', 'disabled-by-default-devtools.timeline.frame', 'blink.user_timing',
      ],
    },
  });
  await cdp.send('Profiler.start');
  const t0 = Date.now();
  if (id === 'ff') {
    await page.evaluate(() => nodescape.fastForward(600));
    await sleep(Number(secs) * 1000);
  } else {
    await sleep(Number(secs) * 1000);
  }
  const wall = (Date.now() - t0) / 1000;
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.send('Tracing.end');
  await done;
  if (process.env.PROFILE_TRACE) writeFileSync(process.env.PROFILE_TRACE, JSON.stringify({ traceEvents: events }));

  // The renderer's main thread.
  const names = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
  const perThread = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur == null) continue;
    const k = `${e.pid}:${e.tid}`;
    if (!perThread.has(k)) perThread.set(k, []);
    perThread.get(k).push(e);
  }
  const report = (k) => {
    const list = perThread.get(k).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const self = new Map();
    const stack = [];
    let top = 0;
    for (const e of list) {
      while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= e.ts) stack.pop();
      if (stack.length) {
        const p = stack.at(-1);
        self.set(p.name, (self.get(p.name) ?? 0) - Math.min(e.dur, p.ts + p.dur - e.ts));
      } else {
        top += e.dur;
      }
      self.set(e.name, (self.get(e.name) ?? 0) + e.dur);
      stack.push(e);
    }
    console.log(`\n${names.get(k) ?? k}: top-level ${(top / 1000 / wall).toFixed(1)} ms/s over ${wall.toFixed(1)} s`);
    for (const [n, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 18)) {
      console.log(`  ${(us / 1000 / wall).toFixed(2).padStart(8)} ms/s  ${n}`);
    }
  };
  for (const k of perThread.keys()) {
    const n = names.get(k) ?? '';
    if (n === 'CrRendererMain' || n.startsWith('Compositor') && perThread.get(k).length > 50) report(k);
  }

  // Top JS/wasm functions by self time.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((sid, i) => {
    const n = byId.get(sid);
    const name = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
    selfTime.set(name, (selfTime.get(name) ?? 0) + (dt[i + 1] ?? 0));
  });
  console.log('\nJS self time (sampling profiler):');
  for (const [n, us] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${(us / 1000 / wall).toFixed(2).padStart(8)} ms/s  ${n}`);
  }
  await context.close();
} finally {
  await browser.close();
  await server.close();
}
