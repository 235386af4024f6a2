// Browser tests of the release build (dist/, from `trunk build --release`): the page loads
// clean, renders, reacts to a click, works from a sub-path, survives a panic with an error
// panel, stays within its size budget, and runs under its Content-Security-Policy (and, under
// `trunk serve`, the policy the post-build hook writes allows Trunk's live-reload script).
// Run by scripts/test.sh (`node --test tests/e2e/`) after the release build.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { launchBrowser, openPage } from './browser.mjs';
import { DIST, serveDist } from './server.mjs';

const SCREENSHOTS = fileURLToPath(new URL('../../target/screenshots/', import.meta.url));
/**
 * The release site's transfer size budget: html + js + wasm + css, gzip -9.
 * Issue 2 asks for under 300 KB (issue 9's 150 KB is out of reach on this stack: see the
 * README's performance section). With the three protocols, the lessons, the classroom tools (a
 * key for every action, PNG export), the ring's charts and the layered diagram the site
 * measures about 296 KB by this count (wasm 283 KB), with the standard library built with the
 * app on both wasm routes (scripts/setup.sh, wasm_release_env), the wasm's functions laid out
 * by kind (scripts/postbuild.mjs), share links deflated and inflated by the browser's
 * compression streams and JSON parsed by the browser (ui::json).
 */
const BUDGET_BYTES = 300 * 1000;

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

/** Opens the page at `url` and waits until the app has rendered and its API exists. */
async function openApp(url, viewport) {
  const opened = await openPage(browser, viewport);
  await opened.page.goto(url);
  await opened.page.waitForSelector('main#app svg#cluster g.node', { timeout: 15000 });
  await opened.page.waitForFunction(() => typeof window.nodescape === 'object', null, { timeout: 5000 });
  return opened;
}

test('the page loads with no console error, failed request or CSP violation, and renders the cluster', async () => {
  const { context, page, problems } = await openApp(site.url);
  const labels = await page.$$eval('svg#cluster g.node', (nodes) => nodes.map((n) => n.getAttribute('aria-label')));
  assert.ok(labels.length >= 3, `expected at least 3 nodes, found ${labels.length}`);
  for (const label of labels) assert.match(label ?? '', /^Node /, `node label "${label}"`);
  assert.equal(await page.textContent('#play'), 'Play');
  await page.waitForTimeout(300); // let late errors (a deferred request, a panic) show up
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Content-Security-Policy allows the wasm, no eval and only hashed inline scripts', () => {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const meta = html.match(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i);
  assert.ok(meta, 'dist/index.html has a Content-Security-Policy meta tag');
  const scriptSrc = meta[1].split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src '));
  assert.ok(scriptSrc, `a script-src directive in: ${meta[1]}`);
  const sources = scriptSrc.split(/\s+/).slice(1);
  assert.ok(sources.includes("'wasm-unsafe-eval'"), scriptSrc);
  assert.ok(!sources.includes("'unsafe-eval'"), scriptSrc);
  assert.ok(!sources.includes("'unsafe-inline'"), scriptSrc);
  for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/.test(attrs)) continue;
    const hash = `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`;
    assert.ok(sources.includes(hash), `inline script ${hash} is allowed by its hash`);
  }
});

test('clicking Play runs the clock and turns the button into Pause', async () => {
  const { context, page, problems } = await openApp(site.url);
  const before = await page.textContent('#clock');
  await page.click('#play');
  await page.waitForFunction((t) => document.querySelector('#clock')?.textContent !== t, before, { timeout: 5000 });
  assert.equal(await page.textContent('#play'), 'Pause');
  await page.click('#play');
  assert.equal(await page.textContent('#play'), 'Play');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the JavaScript API reports the version and advances simulated time', async () => {
  const { context, page, problems } = await openApp(site.url);
  const api = await page.evaluate(() => ({
    version: window.nodescape.version,
    kinds: ['now', 'play', 'pause', 'advance', 'debugPanic'].map((f) => typeof window.nodescape[f]),
  }));
  assert.equal(typeof api.version, 'string');
  assert.deepEqual(api.kinds, ['function', 'function', 'function', 'function', 'function']);
  const clockBefore = await page.textContent('#clock');
  const t0 = await page.evaluate(() => window.nodescape.now());
  assert.equal(typeof t0, 'number');
  await page.evaluate(() => window.nodescape.advance(1000));
  const t1 = await page.evaluate(() => window.nodescape.now());
  assert.ok(t1 >= t0 + 1000, `now() went from ${t0} to ${t1} after advance(1000)`);
  await page.waitForFunction((t) => document.querySelector('#clock')?.textContent !== t, clockBefore, { timeout: 5000 });
  assert.deepEqual(problems, []);
  await context.close();
});

test('fastForward runs over several animation frames and resolves where advance() ends', async () => {
  const { context, page, problems } = await openApp(site.url);
  const r = await page.evaluate(async () => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '3', nodes: 5 });
    const frames = [];
    let on = true;
    const tick = (t) => {
      frames.push(t);
      if (on) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const pending = nodescape.fastForward(600);
    // Returned at once: the run goes on in slices, and the state says how far it is.
    const during = nodescape.state().fastForward;
    const reached = await pending;
    on = false;
    const after = { now: nodescape.now(), ff: nodescape.state().fastForward, digest: nodescape.digest() };
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '3', nodes: 5 });
    nodescape.advance(600000);
    return { isPromise: pending instanceof Promise, during, reached, after, frames: frames.length, digest: nodescape.digest() };
  });
  assert.ok(r.isPromise, 'fastForward returns a promise');
  assert.deepEqual(r.during, { from: 0, to: 600000, done: 0 });
  assert.equal(r.reached, 600000);
  assert.equal(r.after.now, 600000);
  assert.equal(r.after.ff, null);
  assert.ok(r.frames >= 2, `the page drew ${r.frames} frame(s) during the fast-forward`);
  assert.equal(r.after.digest, r.digest, 'the sliced fast-forward gives the same run as one advance');
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [width, height] of [[1280, 720], [1440, 900]]) {
  test(`the page fits a ${width}x${height} screen, saved as a screenshot`, async () => {
    const { context, page, problems } = await openApp(site.url, { width, height });
    mkdirSync(SCREENSHOTS, { recursive: true });
    const file = join(SCREENSHOTS, `home-${width}x${height}.png`);
    await page.screenshot({ path: file });
    console.log(`screenshot: ${file}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the ${width}px window`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('the site works from a sub-path, as on GitHub Pages', async () => {
  const sub = await serveDist({ prefix: '/nodescape/' });
  try {
    const { context, page, problems } = await openApp(sub.url);
    assert.equal(await page.textContent('#play'), 'Play');
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await sub.close();
  }
});

test('a panic shows an error panel in words with a Reload button that brings the app back', async () => {
  const { context, page } = await openApp(site.url);
  // The panic aborts the wasm call, so the call itself throws; the page must not go blank.
  await page.evaluate(() => {
    try {
      window.nodescape.debugPanic();
    } catch {
      /* expected: the panic traps */
    }
  });
  const panel = page.locator('#panic-panel[role="alert"]');
  await panel.waitFor({ timeout: 5000 });
  assert.match(await panel.innerText(), /Something went wrong/);
  assert.match(await panel.locator('pre').innerText(), /^debugPanic\(\) was called from the page's JS API$/, 'the panic message, in words');
  const reload = panel.getByRole('button', { name: 'Reload' });
  await Promise.all([page.waitForEvent('load'), reload.click()]);
  await page.waitForSelector('main#app svg#cluster g.node', { timeout: 15000 });
  assert.equal(await page.locator('#panic-panel').count(), 0, 'the panel is gone after Reload');
  await context.close();
});

test('the release site stays under its transfer size budget (html + js + wasm + css, gzip -9)', () => {
  const files = readdirSync(DIST).filter((f) => /\.(html|js|wasm|css)$/.test(f));
  let total = 0;
  const parts = [];
  for (const f of files.sort()) {
    const gz = gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length;
    total += gz;
    parts.push(`${f} ${gz}`);
  }
  assert.ok(files.some((f) => f.endsWith('.wasm')), 'dist/ has a .wasm file');
  console.log(`transfer size (gzip -9): ${total} bytes = ${(total / 1000).toFixed(1)} KB of ${BUDGET_BYTES / 1000} KB [${parts.join(', ')}]`);
  assert.ok(total < BUDGET_BYTES, `transfer size ${total} bytes is over the ${BUDGET_BYTES}-byte budget`);
  // The post-build hook's short import names (scripts/postbuild.mjs): none of wasm-bindgen's
  // hashed names is left in the glue or the wasm.
  for (const f of files.filter((f) => /\.(js|wasm)$/.test(f))) {
    const text = readFileSync(join(DIST, f)).toString('latin1');
    const left = text.match(/__wbg_\w+_[0-9a-f]{16}|closures_+invoke__h[0-9a-f]{16}/);
    assert.equal(left, null, `${f} still has a long import name: ${left?.[0]}`);
  }
});

test('under `trunk serve` the policy allows the live-reload script as Trunk fills it in (127.0.0.1, localhost or none)', async () => {
  // A page with the policy tag and a script with Trunk's placeholders (the same lines as
  // Trunk's autoreload.js), run through the post-build hook as `trunk serve` runs it; then the
  // three pages Trunk can send (scripts/postbuild.mjs) are opened, and each script must run.
  const dir = mkdtempSync(join(tmpdir(), 'nodescape-serve-'));
  try {
    const script = [
      '"use strict";',
      "(function () {",
      "    const address = '{{__TRUNK_ADDRESS__}}';",
      "    const base = '{{__TRUNK_WS_BASE__}}';",
      "    window.reloadAddress = address + base;",
      '})()',
    ].join('\n');
    // (`rel="icon"` with a data: URL: no favicon request, whose 404 the test would count.)
    const page = (body) => `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="x"><link rel="icon" href="data:,"></head><body><script>${body}</script></body></html>`;
    writeFileSync(join(dir, 'template.html'), page(script));
    execFileSync('node', [fileURLToPath(new URL('../../scripts/postbuild.mjs', import.meta.url)), join(dir, 'template.html')], {
      env: { ...process.env, NODESCAPE_SERVE_PORT: '8093', TRUNK_PROFILE: 'debug' },
    });
    const hooked = readFileSync(join(dir, 'template.html'), 'utf8');
    const filled = { local: "'127.0.0.1:8093'", named: "'localhost:8093'", none: 'window.location.host' };
    for (const [name, host] of Object.entries(filled)) {
      writeFileSync(join(dir, `${name}.html`), hooked.replace("'{{__TRUNK_ADDRESS__}}'", host).replace('{{__TRUNK_WS_BASE__}}', '/'));
    }
    const served = await serveDist({ root: dir });
    try {
      for (const name of Object.keys(filled)) {
        const { context, page: tab, problems } = await openPage(browser);
        await tab.goto(`${served.url}${name}.html`);
        const ran = await tab.evaluate(() => window.reloadAddress);
        assert.ok(typeof ran === 'string' && ran.endsWith('/'), `${name}: the live-reload script did not run (${ran})`);
        assert.deepEqual(problems, [], `${name}: ${problems.join('; ')}`);
        await context.close();
      }
      // A script changed in any other way is still refused.
      writeFileSync(join(dir, 'other.html'), hooked.replace("'{{__TRUNK_ADDRESS__}}'", "'evil.example:1'"));
      const { context, page: tab } = await openPage(browser);
      await tab.goto(`${served.url}other.html`);
      assert.equal(await tab.evaluate(() => window.reloadAddress), undefined, 'a script the hook did not allow ran');
      await context.close();
    } finally {
      await served.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
