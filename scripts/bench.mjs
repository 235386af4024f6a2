// The performance benchmark (issue 9): serves the built dist/ on loopback, drives headless
// Chromium (the system one, through playwright-core) at 1280x720 and prints one table. It is a
// benchmark, not a test: it never fails on timing, only when the page itself is broken (a
// console error, a failed request, the API missing).
//
//   node scripts/bench.mjs            # after scripts/build.sh; scripts/bench.sh does both
//
// Environment:
//   BENCH_SECONDS=5          wall seconds of animation per scenario and CPU rate
//   BENCH_SOAK_SECONDS=60    wall seconds of the soak at 10x (3600 for the one-hour soak)
//   BENCH_SOAK_SAMPLE=10     seconds between soak samples
//   BENCH_LIGHTHOUSE=0       skip Lighthouse
//   BENCH_LIGHTHOUSE_RUNS=3  runs of each Lighthouse preset (default 1; its simulated mobile
//                            score moves by a few hundredths between runs)
//   BENCH_LIGHTHOUSE_PRESETS=mobile  only these presets, separated by ';' (mobile, 'mobile, applied', desktop)
//   BENCH_NATIVE=0           skip the native events-per-second run (cargo)
//   BENCH_SIM_RUNS=5         steady-state runs of the events-per-second workload (after one
//                            cold run and one warm-up run in the same page)
//   BENCH_ONLY=raft,vclock   run only these animation scenarios (raft, vclock, ring, stress)
//   BENCH_PARTS=load,anim    run only these parts (load, anim, sim, native, soak, lighthouse;
//                            default all of them)
//   BENCH_DIST=/tmp/old-dist measure another build of the site than dist/ (for A/B comparisons)
//
// Where each figure comes from:
// - busy, script, style+layout: the DevTools protocol's Performance.getMetrics (TaskDuration,
//   ScriptDuration, RecalcStyleDuration + LayoutDuration), delta over the wall time;
// - fps and frame intervals: requestAnimationFrame timestamps collected in the page;
// - JS heap: JSHeapUsedSize after HeapProfiler.collectGarbage;
// - wasm memory: the byteLength of the wasm module's memory, taken from the detail of the
//   TrunkApplicationStarted event that Trunk's loader dispatches (no app change needed);
// - DOM nodes: document.getElementsByTagName('*').length at the end;
// - CPU slowdown: Emulation.setCPUThrottlingRate.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { launchBrowser, openPage } from '../tests/e2e/browser.mjs';
import { DIST as BUILT, serveDist } from '../tests/e2e/server.mjs';

// BENCH_DIST=/path/to/a/dist/ measures another build (an A/B against a copy of an older dist/).
const DIST = process.env.BENCH_DIST ? join(process.env.BENCH_DIST, '/') : BUILT;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);
const SOAK_SAMPLE = Number(process.env.BENCH_SOAK_SAMPLE ?? 10);
const ONLY = process.env.BENCH_ONLY?.split(',');
const PARTS = process.env.BENCH_PARTS?.split(',');
const part = (name) => !PARTS || PARTS.includes(name);
const RATES = [1, 4];
const SIM_RUNS = Number(process.env.BENCH_SIM_RUNS ?? 5);

const log = (...a) => console.error('[bench]', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ms = (v, d = 1) => (v == null || Number.isNaN(v) ? 'n/a' : `${v.toFixed(d)} ms`);
const mb = (b) => (b == null ? 'n/a' : `${(b / 1048576).toFixed(1)} MB`);
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;

/** Problems that mean the page is broken: the benchmark exits non-zero on these. */
const broken = [];

/** Runs before any page script: keeps the wasm memory and records when the cluster appears. */
function pageProbes() {
  addEventListener('TrunkApplicationStarted', (e) => {
    window.__benchWasmMemory = e.detail?.wasm?.memory ?? null;
  });
  const seen = () => {
    if (window.__benchClusterAt == null && document.querySelector('svg#cluster g.node')) {
      window.__benchClusterAt = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, { childList: true, subtree: true });
  window.__benchLongest = 0;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__benchLongest = Math.max(window.__benchLongest, e.duration);
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    window.__benchLongest = null;
  }
}

/** A fresh page with a DevTools session, CPU throttled by `rate`, loaded and ready. */
async function freshPage(browser, url, rate) {
  const opened = await openPage(browser, { width: 1280, height: 720 });
  const { page } = opened;
  await page.addInitScript(pageProbes);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.nodescape && document.querySelector('svg#cluster g.node'), null, {
    timeout: 60000,
  });
  return { ...opened, cdp };
}

async function close(opened, what) {
  for (const p of opened.problems) broken.push(`${what}: ${p}`);
  await opened.context.close();
}

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

async function heapAfterGc(cdp) {
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  return (await metrics(cdp)).JSHeapUsedSize;
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Animates for `seconds` of wall time and returns the figures of one table row. */
async function measureAnimation({ page, cdp }, seconds) {
  await page.evaluate(() => {
    window.__benchFrames = [];
    window.__benchRecording = true;
    const tick = (t) => {
      window.__benchFrames.push(t);
      if (window.__benchRecording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const before = await metrics(cdp);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const after = await metrics(cdp);
  const wall = (performance.now() - t0) / 1000;
  const frames = await page.evaluate(() => {
    window.__benchRecording = false;
    return window.__benchFrames;
  });
  const intervals = frames.slice(1).map((t, i) => t - frames[i]).sort((a, b) => a - b);
  const span = (frames.at(-1) - frames[0]) / 1000;
  const per = (k) => ((after[k] - before[k]) * 1000) / wall;
  const end = await page.evaluate(() => ({
    dom: document.getElementsByTagName('*').length,
    wasm: window.__benchWasmMemory?.buffer.byteLength ?? null,
    messages: window.nodescape.state().messages.length,
    events: window.nodescape.state().events,
  }));
  return {
    busy: per('TaskDuration'),
    script: per('ScriptDuration'),
    style: per('RecalcStyleDuration') + per('LayoutDuration'),
    fps: intervals.length / span,
    p95: percentile(intervals, 95),
    p99: percentile(intervals, 99),
    heap: await heapAfterGc(cdp),
    ...end,
  };
}

// --- The animation scenarios ---------------------------------------------------------------

const SCENARIOS = [
  {
    id: 'raft',
    name: 'Raft, 5 nodes, default speed',
    async setup({ page }) {
      await page.evaluate(() => {
        nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 });
        nodescape.play();
      });
    },
  },
  {
    id: 'vclock',
    name: 'Vector clocks, diagram of ~10,000 events',
    async setup({ page }, extra) {
      await page.evaluate(() => {
        nodescape.load({
          nodescape: 1, protocol: 'vclock', seed: '1', nodes: 5,
          settings: { vclock: { events_per_sec: 100, send_ratio: 0.5 } },
        });
      });
      // Widen the diagram from 1 s to 16 s so that it shows the whole run.
      for (let i = 0; i < 4; i++) await page.click('button[title^="Show more time"]');
      // Run (in 1 s steps, each redrawing) to about 10,000 events.
      const events = await page.evaluate(() => {
        while (nodescape.state().events < 10000) nodescape.advance(1000);
        return nodescape.state().events;
      });
      // Time one redraw with the whole 10,000-event run in the window: advance(1) moves the
      // trace, so the diagram model is rebuilt and every event, arrow and label repainted.
      const draw = await page.evaluate(async () => {
        const times = [];
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          nodescape.advance(1);
          const t1 = performance.now();
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
          times.push([t1 - t0, performance.now() - t0]);
        }
        return times;
      });
      // Scrolling: the "◀" / "▶" buttons move the window by half its width.
      const scroll = [];
      for (const title of ['Scroll back in time', 'Scroll forward', 'Scroll back in time', 'Scroll forward']) {
        scroll.push(
          await page.evaluate((t) => {
            const b = document.querySelector(`button[title^="${t}"]`);
            const t0 = performance.now();
            b.click();
            return performance.now() - t0;
          }, title),
        );
      }
      extra.vclockEvents = events;
      extra.drawFirst = draw[0][0];
      extra.drawFirstToFrame = draw[0][1];
      extra.drawMedian = draw.map((d) => d[0]).sort((a, b) => a - b)[2];
      extra.scroll = scroll.reduce((a, b) => a + b, 0) / scroll.length;
      await page.evaluate(() => nodescape.play());
    },
  },
  {
    id: 'ring',
    name: 'Ring, 5 nodes x 100 tokens, 10,000 keys, node 6 joins',
    async setup({ page }) {
      await page.evaluate(() => {
        nodescape.load({
          nodescape: 1, protocol: 'ring', seed: '1', nodes: 6,
          settings: { ring: { keys: 10000, tokens_per_node: 100 } },
        });
        nodescape.play();
        nodescape.intervene({ type: 'join', node: 6 });
      });
    },
  },
  {
    id: 'stress',
    name: 'Stress: vector clocks, 64 nodes, ~1,000 messages in flight',
    async setup({ page }) {
      // 64 nodes x 20 events/s x 0.5 sends = 640 sends/s; with 1.5-1.6 s of latency about
      // 1,000 messages are in flight at any moment.
      await page.evaluate(() => {
        nodescape.load({
          nodescape: 1, protocol: 'vclock', seed: '1', nodes: 64,
          network: { latency_min_us: 1500000, latency_max_us: 1600000, jitter_us: 0, loss: 0, duplicate: 0 },
          settings: { vclock: { events_per_sec: 20, send_ratio: 0.5 } },
        });
        nodescape.advance(3000);
        nodescape.play();
      });
    },
  },
];

async function animationRows(browser, url) {
  const rows = [];
  const extra = {};
  for (const sc of SCENARIOS) {
    if (ONLY && !ONLY.includes(sc.id)) continue;
    for (const rate of RATES) {
      log(`${sc.id} at ${rate}x CPU`);
      const opened = await freshPage(browser, url, rate);
      const ex = {};
      await sc.setup(opened, ex);
      await sleep(300);
      const r = await measureAnimation(opened, SECONDS);
      rows.push({ scenario: sc.name, rate, ...r });
      extra[`${sc.id}@${rate}`] = ex;
      await close(opened, `${sc.id} at ${rate}x`);
    }
  }
  return { rows, extra };
}

// --- Loading -----------------------------------------------------------------------------------

async function loading(browser, url) {
  const out = [];
  for (const rate of RATES) {
    const opened = await freshPage(browser, url, rate);
    // Let the first paint entries settle.
    await sleep(200);
    const r = await opened.page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      cluster: window.__benchClusterAt ?? null,
    }));
    out.push({ rate, ...r });
    await close(opened, `loading at ${rate}x`);
  }
  return out;
}

function transferSizes() {
  const groups = { wasm: 0, js: 0, css: 0, html: 0, other: 0 };
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const ext = extname(name).slice(1);
        const g = ext in groups ? ext : ext === 'mjs' ? 'js' : 'other';
        groups[g] += gzipSync(readFileSync(p), { level: 9 }).length;
      }
    }
  };
  walk(DIST);
  return groups;
}

// --- Simulation speed, fast-forward, seek -----------------------------------------------------

async function simulation(browser, url) {
  const out = {};
  // Events per second: the default 5-node Raft run, six advances of 600 s (one hour). Two
  // figures from one fresh page: "cold" is the first run, while V8 still runs much of the wasm
  // in its baseline compiler (Liftoff) and tiers functions up to TurboFan in the background;
  // "steady" loads the same scenario again and repeats the run SIM_RUNS times in the same page
  // once a first repeat has warmed it up (median and best). Every run's digest is kept so a
  // difference from native shows.
  {
    const opened = await freshPage(browser, url, 1);
    Object.assign(
      out,
      await opened.page.evaluate((runs) => {
        const once = () => {
          nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 });
          const e0 = nodescape.state().events;
          const t0 = performance.now();
          for (let i = 0; i < 6; i++) nodescape.advance(600000);
          const secs = (performance.now() - t0) / 1000;
          const events = nodescape.state().events - e0;
          return { events, secs, rate: events / secs, digest: nodescape.digest() };
        };
        const cold = once();
        once(); // warm-up, not counted
        const steady = [];
        for (let i = 0; i < runs; i++) steady.push(once());
        steady.sort((a, b) => a.rate - b.rate);
        return {
          browserEvents: cold.events,
          browserSeconds: cold.secs,
          browserRate: cold.rate,
          browserDigest: cold.digest,
          steadyRuns: steady.length,
          steadyMedian: steady[Math.floor(steady.length / 2)],
          steadyBest: steady[steady.length - 1],
          steadyDigests: [...new Set(steady.map((r) => r.digest))],
        };
      }, SIM_RUNS),
    );
    await close(opened, 'events per second');
  }
  // Fast-forward 10 minutes, and seeks into that run, at 1x and 4x.
  for (const rate of RATES) {
    const opened = await freshPage(browser, url, rate);
    const r = await opened.page.evaluate(async () => {
      nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 });
      await new Promise((r) => setTimeout(r, 200));
      window.__benchLongest = 0;
      // fastForward() runs in slices over animation frames and returns a promise; record the
      // frame intervals meanwhile (the page's responsiveness) as well as long tasks.
      const frames = [];
      let recording = true;
      const tick = (t) => {
        frames.push(t);
        if (recording) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const t0 = performance.now();
      const reached = await nodescape.fastForward(600);
      const ff = performance.now() - t0;
      recording = false;
      if (reached !== 600000) throw new Error(`fastForward(600) ended at ${reached} ms`);
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100)));
      const longest = window.__benchLongest;
      const gaps = frames.slice(1).map((t, i) => t - frames[i]);
      const gap = gaps.length ? Math.max(...gaps) : null;
      // Seeks to 20 moments spread over the run (a fixed sequence, so runs compare).
      let x = 12345;
      const seeks = [];
      for (let i = 0; i < 20; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const at = Math.floor((x / 2147483648) * 600000);
        const s0 = performance.now();
        nodescape.seek(at);
        seeks.push(performance.now() - s0);
      }
      seeks.sort((a, b) => a - b);
      return { ff, longest, gap, frames: gaps.length, seekMedian: seeks[10], seekMax: seeks[19] };
    });
    out[`ff@${rate}`] = r;
    await close(opened, `fast-forward at ${rate}x`);
  }
  return out;
}

async function nativeRate() {
  if (process.env.BENCH_NATIVE === '0') return { note: 'skipped (BENCH_NATIVE=0)' };
  const out = {};
  try {
    // As many runs as the browser's steady state (native code has no warm-up to speak of):
    // the median is the figure, so that one unlucky run on a shared machine does not decide.
    const runs = [];
    for (let i = 0; i < SIM_RUNS; i++) {
      const { stdout } = await run(
        'cargo',
        ['run', '-q', '--release', '--no-default-features', '--example', 'bench_events'],
        { cwd: ROOT, maxBuffer: 1 << 20 },
      );
      runs.push(JSON.parse(stdout.trim().split('\n').at(-1)));
    }
    runs.sort((a, b) => a.events_per_sec - b.events_per_sec);
    Object.assign(out, runs[Math.floor(runs.length / 2)], { runs: runs.length, best: runs.at(-1).events_per_sec });
  } catch (e) {
    out.note = `native run failed: ${e.message.split('\n')[0]}`;
  }
  if (existsSync(join(ROOT, 'examples', 'bench_native.rs'))) {
    try {
      const { stdout } = await run(
        'cargo',
        ['run', '-q', '--release', '--no-default-features', '--example', 'bench_native'],
        { cwd: ROOT, maxBuffer: 1 << 20 },
      );
      out.benchNative = stdout.trim();
    } catch (e) {
      out.benchNative = `failed: ${e.message.split('\n')[0]}`;
    }
  }
  return out;
}

// --- Soak --------------------------------------------------------------------------------------

async function soak(browser, url) {
  const opened = await freshPage(browser, url, 1);
  const { page, cdp } = opened;
  await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 });
    nodescape.speed(10);
    nodescape.play();
  });
  const samples = [];
  const t0 = performance.now();
  for (;;) {
    const wall = (performance.now() - t0) / 1000;
    const heap = await heapAfterGc(cdp);
    const s = await page.evaluate(() => ({
      sim: nodescape.now() / 1000,
      wasm: window.__benchWasmMemory?.buffer.byteLength ?? null,
      dom: document.getElementsByTagName('*').length,
    }));
    samples.push({ wall, heap, ...s });
    if (wall >= SOAK_SECONDS) break;
    await sleep(Math.min(SOAK_SAMPLE, SOAK_SECONDS - wall) * 1000);
  }
  await close(opened, 'soak');
  return samples;
}

// --- Lighthouse ----------------------------------------------------------------------------------

async function lighthouse(url) {
  if (process.env.BENCH_LIGHTHOUSE === '0') return [{ preset: 'all', note: 'skipped (BENCH_LIGHTHOUSE=0)' }];
  const bin = join(ROOT, 'node_modules', '.bin', 'lighthouse');
  const out = [];
  // 'mobile, applied' runs the mobile preset with the throttling applied to the browser while
  // it loads (--throttling-method=devtools) instead of simulated afterwards from a fast load.
  // The server gzips as GitHub Pages does: served raw, the simulated 1.6 Mbit/s network timed
  // the 790 KB wasm instead of 340 KB, and the default mobile run scored 0.81 instead of 0.99.
  const presets = process.env.BENCH_LIGHTHOUSE_PRESETS?.split(';').map((p) => p.trim())
    ?? ['mobile', 'mobile, applied', 'desktop'];
  const runs = Number(process.env.BENCH_LIGHTHOUSE_RUNS ?? 1);
  for (const preset of presets.flatMap((p) => Array(runs).fill(p))) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-lh-'));
    const file = join(dir, 'report.json');
    const args = [
      url,
      '--only-categories=performance,accessibility',
      '--output=json',
      `--output-path=${file}`,
      '--quiet',
      '--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage',
    ];
    if (preset === 'desktop') args.push('--preset=desktop');
    if (preset === 'mobile, applied') args.push('--throttling-method=devtools');
    try {
      const cmd = existsSync(bin) ? bin : 'npx';
      const cmdArgs = existsSync(bin) ? args : ['-y', 'lighthouse@12', ...args];
      await run(cmd, cmdArgs, {
        env: { ...process.env, CHROME_PATH: process.env.NODESCAPE_CHROMIUM ?? '/usr/bin/chromium' },
        maxBuffer: 1 << 24,
        timeout: 240000,
      });
      const rep = JSON.parse(readFileSync(file, 'utf8'));
      out.push({
        preset,
        version: rep.lighthouseVersion,
        performance: rep.categories.performance?.score,
        accessibility: rep.categories.accessibility?.score,
        fcp: rep.audits['first-contentful-paint']?.numericValue,
        lcp: rep.audits['largest-contentful-paint']?.numericValue,
        tbt: rep.audits['total-blocking-time']?.numericValue,
      });
    } catch (e) {
      out.push({ preset, note: `could not run: ${e.message.split('\n')[0].slice(0, 160)}` });
    }
  }
  return out;
}

// --- The table ---------------------------------------------------------------------------------

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main() {
  if (!existsSync(join(DIST, 'index.html'))) {
    console.error('no dist/index.html: run scripts/build.sh first (scripts/bench.sh does)');
    process.exit(1);
  }
  const server = await serveDist({ root: DIST });
  const browser = await launchBrowser();
  const started = new Date();
  try {
    const version = browser.version();
    const sizes = transferSizes();
    log('loading');
    const load = part('load') ? await loading(browser, server.url) : [];
    log('animation scenarios');
    const anim = part('anim') ? await animationRows(browser, server.url) : { rows: [], extra: {} };
    log('simulation speed, fast-forward, seek');
    const sim = part('sim') ? await simulation(browser, server.url) : null;
    log('native simulation speed (cargo run --release --no-default-features --example bench_events)');
    const native = part('native') ? await nativeRate() : { note: 'skipped (BENCH_PARTS)' };
    log(`soak: ${SOAK_SECONDS} s at 10x`);
    const soakSamples = part('soak') ? await soak(browser, server.url) : [];
    log('Lighthouse');
    await browser.close();
    const lh = part('lighthouse') ? await lighthouse(server.url) : [];

    const rows = [];
    for (const r of anim.rows) {
      rows.push([
        r.scenario, `${r.rate}x`, ms(r.busy), ms(r.script), ms(r.style), r.fps.toFixed(1), ms(r.p95), ms(r.p99),
        mb(r.heap), mb(r.wasm), r.dom, r.messages,
      ]);
    }
    const out = [];
    out.push(`Nodescape benchmark, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, Chromium ${version}, 1280x720, ${SECONDS} s per row`);
    out.push('');
    out.push(table(
      ['scenario', 'CPU', 'busy/s', 'script/s', 'style+layout/s', 'fps', 'p95 frame', 'p99 frame', 'JS heap', 'wasm mem', 'DOM nodes', 'msgs in flight'],
      rows,
    ));
    out.push('');
    const o = [];
    const v1 = anim.extra['vclock@1'], v4 = anim.extra['vclock@4'];
    for (const [rate, v] of [[1, v1], [4, v4]]) {
      if (!v) continue;
      o.push([`draw the space-time diagram of ${v.vclockEvents} events (advance(1); to next frame)`, `${rate}x`,
        `${ms(v.drawFirst)} (${ms(v.drawFirstToFrame)}); median of 5: ${ms(v.drawMedian)}`]);
      o.push(['scroll that diagram by half a window (button click)', `${rate}x`, ms(v.scroll)]);
    }
    for (const l of load) {
      o.push(['first contentful paint', `${l.rate}x`, ms(l.fcp, 0)]);
      o.push(['cluster drawn (svg#cluster g.node), from navigation start', `${l.rate}x`, ms(l.cluster, 0)]);
    }
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    o.push(['transfer size, gzip -9', '', `${kb(total)}: wasm ${kb(sizes.wasm)}, JS ${kb(sizes.js)}, CSS ${kb(sizes.css)}, HTML ${kb(sizes.html)}, other ${kb(sizes.other)}`]);
    if (sim) {
      const digests = [sim.browserDigest, ...sim.steadyDigests];
      const same = (d) => (native.digest ? (d === native.digest ? 'equal to native' : `${d}, native ${native.digest}`) : d);
      const vsNative = (rate) => (native.events_per_sec ? `; native/browser ${(native.events_per_sec / rate).toFixed(2)}x` : '');
      o.push(['simulated events/s in the browser, 5-node Raft, COLD: first run in a fresh page (6 x advance(600000))', '1x',
        `${Math.round(sim.browserRate).toLocaleString('en')} (${sim.browserEvents} events in ${sim.browserSeconds.toFixed(2)} s)${vsNative(sim.browserRate)}; digest ${same(sim.browserDigest)}`]);
      const m = sim.steadyMedian, b = sim.steadyBest;
      o.push([`simulated events/s in the browser, same run, STEADY: median / best of ${sim.steadyRuns} after a warm-up run, same page`, '1x',
        `${Math.round(m.rate).toLocaleString('en')} / ${Math.round(b.rate).toLocaleString('en')} (median ${m.secs.toFixed(3)} s)${vsNative(m.rate)}${native.best ? `, best/best ${(native.best / b.rate).toFixed(2)}x` : ''}; digests ${digests.every((d) => d === digests[0]) ? same(digests[0]) : `differ: ${digests.join(', ')}`}`]);
    }
    if (native.events_per_sec && sim) {
      o.push([`simulated events/s natively, same run (examples/bench_events.rs): median / best of ${native.runs}`, '',
        `${Math.round(native.events_per_sec).toLocaleString('en')} / ${Math.round(native.best).toLocaleString('en')} (median ${native.events} events in ${native.seconds.toFixed(3)} s); digest ${native.digest}`]);
    } else if (sim) {
      o.push(['simulated events/s natively', '', native.note]);
    }
    if (native.benchNative) o.push(['examples/bench_native.rs', '', native.benchNative.replace(/\n/g, '; ')]);
    for (const rate of sim ? RATES : []) {
      const f = sim[`ff@${rate}`];
      o.push(['fastForward(600): 10 min of 5-node Raft (longest task >= 50 ms; frames, longest frame gap)', `${rate}x`,
        `${ms(f.ff, 0)} (${f.longest == null ? 'n/a' : f.longest ? ms(f.longest, 0) : 'none'}; ${f.frames} frames, ${ms(f.gap, 0)})`]);
      o.push(['seek to 20 moments of that run: median / max', `${rate}x`, `${ms(f.seekMedian)} / ${ms(f.seekMax)}`]);
    }
    if (soakSamples.length) {
      const first = soakSamples[0], last = soakSamples.at(-1);
      const afterMinute = soakSamples.find((s) => s.wall >= Math.min(60, SOAK_SECONDS / 2)) ?? first;
      o.push([`soak, 5-node Raft at 10x, ${SOAK_SECONDS} s (${Math.round(last.sim)} s simulated)`, '1x',
        `wasm ${mb(first.wasm)} -> ${mb(afterMinute.wasm)} -> ${mb(last.wasm)}; JS heap ${mb(first.heap)} -> ${mb(afterMinute.heap)} -> ${mb(last.heap)}; DOM ${first.dom} -> ${last.dom}`]);
    }
    for (const l of lh) {
      o.push([`Lighthouse ${l.version ?? '12'} (${l.preset})`, '',
        l.note ?? `performance ${l.performance}, accessibility ${l.accessibility} (FCP ${ms(l.fcp, 0)}, LCP ${ms(l.lcp, 0)}, TBT ${ms(l.tbt, 0)})`]);
    }
    out.push(table(['other figures', 'CPU', 'value'], o));
    out.push('');
    out.push(table(['soak sample: wall s', 'simulated s', 'wasm memory', 'JS heap after GC', 'DOM nodes'],
      soakSamples.map((s) => [s.wall.toFixed(0), s.sim.toFixed(0), mb(s.wasm), mb(s.heap), s.dom])));
    console.log(out.join('\n'));
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }
  if (broken.length) {
    console.error(`the page is broken:\n${broken.join('\n')}`);
    process.exit(1);
  }
}

await main();
