// Browser tests of each protocol's view in the release build: what a learner does and sees.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { launchBrowser, openPage } from './browser.mjs';
import { serveDist } from './server.mjs';

const SCREENSHOTS = fileURLToPath(new URL('../../target/screenshots/', import.meta.url));
let browser;
let site;

before(async () => {
  browser = await launchBrowser();
  site = await serveDist();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await site?.close();
});

/** Waits (Yew renders on its own schedule) until the element's text matches `re`. */
async function waitText(page, selector, re) {
  await page.waitForFunction(
    ([sel, src]) => new RegExp(src).test(document.querySelector(sel)?.textContent ?? ''),
    [selector, re.source],
    { timeout: 5000 },
  );
  assert.match(await page.locator(selector).first().textContent(), re);
}

async function openApp(query = '', viewport) {
  const opened = await openPage(browser, viewport);
  await opened.page.goto(site.url + query);
  await opened.page.waitForSelector('main#app svg#cluster g.node', { timeout: 15000 });
  await opened.page.waitForFunction(() => typeof window.nodescape === 'object', null, { timeout: 5000 });
  return opened;
}

test('Raft: clicking the leader and crashing it brings a new leader with a higher term on screen', async () => {
  const { page, context, problems } = await openApp();
  await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '5', nodes: 5 });
    nodescape.advance(2000);
  });
  const leader = await page.locator('svg#cluster g.node.leader').first();
  const label = await leader.getAttribute('aria-label');
  const m = /^Node (\d+), leader, term (\d+)/.exec(label);
  assert.ok(m, `a leader is shown: ${label}`);
  const [id, term] = [Number(m[1]), Number(m[2])];
  await leader.click();
  await page.getByRole('button', { name: 'Crash' }).click();
  await page.waitForSelector(`svg#cluster g.node[data-node="${id}"][aria-label="Node ${id}, crashed"]`);
  await page.evaluate(() => nodescape.advance(3000));
  const after = await page.locator('svg#cluster g.node.leader').first().getAttribute('aria-label');
  const m2 = /^Node (\d+), leader, term (\d+)/.exec(after);
  assert.ok(m2, `a new leader is shown: ${after}`);
  assert.notEqual(Number(m2[1]), id, 'the new leader is another node');
  assert.ok(Number(m2[2]) > term, `its term ${m2[2]} is higher than ${term}`);
  // The log panel and the safety badges are on screen, all green.
  assert.ok(await page.locator('table.logs').isVisible());
  assert.equal(await page.locator('.badge.broken').count(), 0);
  await page.screenshot({ path: SCREENSHOTS + 'raft-1280x720.png' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('Vector clocks: clicking an event highlights its causal past, future and concurrent events', async () => {
  const { page, context, problems } = await openApp();
  await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'vclock', seed: '2', nodes: 4 });
    nodescape.advance(600);
  });
  const canvas = page.locator('canvas#diagram');
  await canvas.waitFor();
  // Find a drawn event through the hover label: scan the middle of node 2's line.
  const box = await canvas.boundingBox();
  let hit = null;
  for (let x = box.width * 0.3; x < box.width * 0.95 && !hit; x += 2) {
    for (const row of [1, 2]) {
      const y = 10 + (row - 0.5) * ((box.height - 28) / 4);
      await page.mouse.move(box.x + x, box.y + y);
      const title = await canvas.getAttribute('title');
      if (title) { hit = { x, y, title }; break; }
    }
  }
  assert.ok(hit, 'an event of the diagram answers to hovering with its description');
  assert.match(hit.title, /^e\d+ at node \d, .*vector \[/);
  await page.mouse.click(box.x + hit.x, box.y + hit.y);
  const info = page.locator('.event-info');
  await info.waitFor();
  assert.match(await info.textContent(), /vector \[/);
  await page.screenshot({ path: SCREENSHOTS + 'vclock-highlight-1280x720.png' });
  // Clicking a node records a local event; dragging from node 1 to node 2 sends a message.
  const before = await page.evaluate(() => nodescape.scenario().interventions.length);
  await page.locator('svg#cluster g.node[data-node="3"]').click();
  const one = await page.locator('svg#cluster g.node[data-node="1"]').boundingBox();
  const two = await page.locator('svg#cluster g.node[data-node="2"]').boundingBox();
  await page.mouse.move(one.x + one.width / 2, one.y + one.height / 2);
  await page.mouse.down();
  await page.mouse.move(two.x + two.width / 2, two.y + two.height / 2, { steps: 8 });
  await page.mouse.up();
  const done = await page.evaluate(() => nodescape.scenario().interventions.slice(-2).map((r) => r.do));
  assert.equal(await page.evaluate(() => nodescape.scenario().interventions.length), before + 2);
  assert.deepEqual(done, [{ type: 'local_event', node: 3 }, { type: 'send_message', from: 1, to: 2 }]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Hash ring: a node joins and its keys travel as transfer messages', async () => {
  const { page, context, problems } = await openApp();
  const before = await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'ring', seed: '3', nodes: 5 });
    nodescape.advance(500);
    return nodescape.state();
  });
  const standby = before.nodes.find((n) => n.role === 'standby');
  assert.ok(standby, 'one node waits on standby to join');
  await page.locator(`svg#cluster g.node[data-node="${standby.id}"]`).click();
  await page.getByRole('button', { name: 'Join ring' }).click();
  // Transfers start at the next sync tick (every 50 ms) and travel 10-15 ms.
  let kinds = [];
  for (let i = 0; i < 80 && !kinds.includes('Transfer'); i++) {
    kinds = await page.evaluate(() => {
      nodescape.advance(1);
      return nodescape.state().messages.map((m) => m.kind);
    });
  }
  assert.ok(kinds.includes('Transfer'), `transfers are in flight: ${kinds}`);
  await page.evaluate(() => nodescape.advance(2000));
  const after = await page.evaluate((id) => nodescape.state().nodes.find((n) => n.id === id), standby.id);
  assert.equal(after.role, 'member');
  // The figures beside the ring: keys moved against the ideal 1/(n+1), none to another node.
  const pane = page.locator('.ring-pane');
  await pane.getByText('Keys that changed owner').waitFor();
  const text = await pane.textContent();
  assert.match(text, /Ideal 1\/\(n\+1\)/);
  assert.match(text, /Moved to a node other than Node \d+:\s*0/);
  await page.screenshot({ path: SCREENSHOTS + 'ring-1280x720.png' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('A share link reproduces the run: same digest, same moment', async () => {
  const { page, context } = await openApp();
  const { url, digest, now } = await page.evaluate(async () => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '11', nodes: 5 });
    nodescape.advance(1200);
    const leader = nodescape.state().nodes.find((n) => n.role === 'leader');
    nodescape.intervene({ type: 'crash', node: leader.id });
    nodescape.advance(800);
    // The browser deflates the link (CompressionStream), so the link comes as a promise.
    return { url: await nodescape.shareUrl(), digest: nodescape.digest(), now: nodescape.now() };
  });
  // The share dialog shows the same link, and so does its QR code.
  await page.keyboard.press('s');
  await page.waitForFunction((u) => document.querySelector('#share-url')?.value === u, url);
  assert.equal(await page.locator('.share-card svg.qr').count(), 1);
  await page.keyboard.press('Escape');
  const second = await openPage(browser);
  await second.page.goto(url);
  await second.page.waitForFunction(() => typeof window.nodescape === 'object');
  const replay = await second.page.evaluate(() => ({ digest: nodescape.digest(), now: nodescape.now() }));
  assert.equal(replay.now, now);
  assert.equal(replay.digest, digest);
  await second.context.close();
  await context.close();
});

test('A mangled share link shows a clear message and a working default session', async () => {
  // The page inflates links with the browser's DecompressionStream: data that does not
  // inflate, a real link cut short, and data that inflates to something other than a scenario.
  const { page: first, context: firstContext } = await openApp();
  const url = await first.evaluate(async () => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '5', nodes: 3 });
    nodescape.advance(900);
    return nodescape.shareUrl();
  });
  await firstContext.close();
  const data = new URL(url).searchParams.get('s');
  const cut = data.slice(0, Math.floor(data.length / 8) * 4);
  const notScenario = deflateRawSync('{"hello": "world"}').toString('base64url');
  // More than the 1 MiB a scenario may have (world::scenario::MAX_SCENARIO_BYTES): refused
  // before it is copied into the wasm's memory.
  const tooBig = deflateRawSync(Buffer.alloc((1 << 20) + 1, 32)).toString('base64url');
  for (const [query, why] of [
    ['?s=AAAA-not-a-scenario', /does not unpack/],
    [`?s=${cut}`, /does not unpack/],
    [`?s=${notScenario}`, /"nodescape" \(schema version\) is missing/],
    [`?s=${tooBig}`, /does not unpack/],
  ]) {
    const { page, context } = await openApp(query);
    const banner = page.locator('#banner');
    await banner.waitFor();
    const text = await banner.textContent();
    assert.match(text, /could not be opened/, query);
    assert.match(text, why, query);
    assert.equal(await page.locator('svg#cluster g.node').count(), 5);
    await context.close();
  }
  // A browser without DecompressionStream says so instead of calling a good link damaged.
  const old = await openPage(browser);
  await old.page.addInitScript(() => { delete window.DecompressionStream; });
  await old.page.goto(url);
  await old.page.locator('#banner').waitFor();
  assert.match(await old.page.textContent('#banner'), /this browser cannot unpack share links/);
  assert.equal(await old.page.locator('svg#cluster g.node').count(), 5);
  await old.context.close();
});

test('Bad arguments to the JS API throw in words and change nothing', async () => {
  const { page, context } = await openApp();
  const r = await page.evaluate(() => {
    const d0 = nodescape.digest();
    const errors = [];
    for (const f of [
      () => nodescape.intervene({ type: 'crash', node: 42 }),
      () => nodescape.intervene({ type: 'explode' }),
      () => nodescape.advance(-5),
      () => nodescape.load('{"nodescape": 99}'),
    ]) {
      try { f(); errors.push(null); } catch (e) { errors.push(e.message); }
    }
    return { errors, same: nodescape.digest() === d0 };
  });
  for (const e of r.errors) assert.ok(e && e.length > 10, `an error in words: ${e}`);
  assert.ok(r.same, 'the run is unchanged');
  await context.close();
});

test('A guided lesson opens from its link and Next/Back move between steps', async () => {
  const { page, context, problems } = await openApp('?lesson=raft-first-election');
  const bar = page.locator('.lesson-bar');
  await bar.waitFor();
  assert.match(await bar.textContent(), /step 1 of/);
  const t0 = await page.evaluate(() => nodescape.now());
  await page.keyboard.press('PageDown');
  await waitText(page, '.lesson-bar', /step 2 of/);
  const t1 = await page.evaluate(() => nodescape.now());
  assert.ok(t1 > t0, 'the next step is later in the run');
  await page.keyboard.press('PageUp');
  assert.equal(await page.evaluate(() => nodescape.now()), t0);
  await page.keyboard.press('p');
  await page.screenshot({ path: SCREENSHOTS + 'lesson-presenter-1280x720.png' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('Clicking a link cycles it: cut both ways, one way each, lossy, healthy again', async () => {
  const { page, context, problems } = await openApp();
  await page.evaluate(() => nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 }));
  const link = page.locator('g.link[data-link="1-3"]');
  const labels = [];
  let previous = await link.getAttribute('aria-label');
  for (let i = 0; i < 5; i++) {
    await link.focus();
    await page.keyboard.press('Enter');
    // Yew renders on its own schedule: wait for the label to change.
    await page.waitForFunction(
      (prev) => document.querySelector('g.link[data-link="1-3"]').getAttribute('aria-label') !== prev,
      previous,
    );
    previous = await link.getAttribute('aria-label');
    labels.push(previous);
  }
  assert.deepEqual(labels, [
    'Link 1 to 3, cut',
    'Link 1 to 3, 1 to 3 cut, 3 to 1 healthy',
    'Link 1 to 3, 1 to 3 healthy, 3 to 1 cut',
    'Link 1 to 3, lossy 30%',
    'Link 1 to 3, healthy',
  ]);
  const state = await page.evaluate(() => nodescape.state().links.find((l) => l.a === 1 && l.b === 3));
  assert.deepEqual([state.ab, state.ba], [{ state: 'healthy' }, { state: 'healthy' }]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Box-select marks nodes, and Isolate partitions them; a drawn line cuts the links it crosses', async () => {
  const { page, context, problems } = await openApp();
  await page.evaluate(() => nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 }));
  const box = await page.locator('.cluster').boundingBox();
  const one = await page.locator('svg#cluster g.node[data-node="1"]').boundingBox();
  // A box around node 1 only (it sits alone at the top).
  await page.mouse.move(one.x - 20, one.y - 15);
  await page.mouse.down();
  await page.mouse.move(one.x + one.width + 20, one.y + one.height + 15, { steps: 6 });
  await page.mouse.up();
  await page.keyboard.press('i');
  const groups = await page.evaluate(() => nodescape.state().groups);
  assert.deepEqual(groups, [[1], [2, 3, 4, 5]]);
  await page.keyboard.press('h');
  // Cut mode: a vertical line through the middle crosses the links between the two sides.
  await page.getByRole('radio', { name: 'cut links' }).click();
  const x = box.x + box.width / 2 + 30;
  await page.mouse.move(x, box.y + 5);
  await page.mouse.down();
  await page.mouse.move(x, box.y + box.height - 5, { steps: 8 });
  await page.mouse.up();
  const cut = await page.evaluate(() => nodescape.state().links.filter((l) => l.ab.state === 'cut' && l.ba.state === 'cut').map((l) => `${l.a}-${l.b}`));
  assert.ok(cut.length >= 2, `links were cut: ${cut}`);
  assert.ok(cut.includes('2-5') || cut.includes('2-4') || cut.includes('3-5'), `links across the line: ${cut}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('A message in flight can be held, released, duplicated and dropped from the inspector', async () => {
  const { page, context, problems } = await openApp();
  const id = await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'vclock', seed: '1', nodes: 4, settings: { vclock: { events_per_sec: 0 } } });
    nodescape.intervene({ type: 'send_message', from: 1, to: 3 });
    nodescape.advance(4);
    return nodescape.state().messages[0].id;
  });
  await page.getByRole('button', { name: /^Message Chat from 1 to 3/ }).click();
  await page.getByRole('button', { name: 'Hold' }).click();
  await page.evaluate(() => nodescape.advance(50));
  let msgs = await page.evaluate(() => nodescape.state().messages);
  assert.equal(msgs.length, 1);
  assert.ok(msgs[0].held, 'a held message waits');
  await page.getByRole('button', { name: 'Release' }).click();
  await page.getByRole('button', { name: 'Duplicate' }).click();
  msgs = await page.evaluate(() => nodescape.state().messages);
  assert.equal(msgs.length, 2, 'a copy flies beside it');
  await page.getByRole('button', { name: 'Drop' }).click();
  msgs = await page.evaluate(() => nodescape.state().messages);
  assert.equal(msgs.length, 1);
  assert.notEqual(msgs[0].id, id, 'the selected original was dropped, the copy flies on');
  assert.deepEqual(problems, []);
  await context.close();
});

test('Scrubbing back and acting forks history, and the page says so', async () => {
  const { page, context } = await openApp();
  await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 });
    nodescape.advance(1000);
    nodescape.intervene({ type: 'crash', node: 2 });
    nodescape.advance(1000);
    nodescape.seek(500);
  });
  await waitText(page, '.past-note', /forks history/);
  await page.locator('svg#cluster g.node[data-node="4"]').click();
  await page.getByRole('button', { name: 'Crash' }).click();
  await waitText(page, '#banner', /History forked/);
  const sc = await page.evaluate(() => nodescape.scenario());
  assert.deepEqual(sc.interventions.map((r) => r.do), [{ type: 'crash', node: 4 }]);
  await context.close();
});

test("Jepsen's presets each make the partition they name, and Heal all undoes them", async () => {
  const { page, context, problems } = await openApp();
  await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 });
    nodescape.advance(1500);
  });
  const leader = await page.evaluate(() => nodescape.state().nodes.find((n) => n.role === 'leader').id);
  const faults = page.locator('section.faults');
  const cutPairs = () => page.evaluate(() => nodescape.state().links
    .filter((l) => l.ab.state === 'cut' && l.ba.state === 'cut').map((l) => `${l.a}-${l.b}`));

  await faults.getByRole('button', { name: `Isolate node ${leader}` }).click();
  let groups = await page.evaluate(() => nodescape.state().groups);
  assert.ok(groups.some((g) => g.length === 1 && g[0] === leader), `the leader is alone: ${JSON.stringify(groups)}`);
  await faults.getByRole('button', { name: 'Heal all' }).click();

  await faults.getByRole('button', { name: 'Split in halves' }).click();
  groups = await page.evaluate(() => nodescape.state().groups);
  assert.deepEqual(groups, [[1, 2], [3, 4, 5]]);
  await faults.getByRole('button', { name: 'Heal all' }).click();
  assert.deepEqual(await page.evaluate(() => nodescape.state().groups), [[1, 2, 3, 4, 5]]);

  // The bridge: {1,2,3} and {3,4,5}, node 3 in both.
  await faults.getByRole('button', { name: 'Bridge' }).click();
  assert.deepEqual((await cutPairs()).sort(), ['1-4', '1-5', '2-4', '2-5']);
  await faults.getByRole('button', { name: 'Heal all' }).click();

  // The ring of majorities: each node sees only its neighbours on the circle.
  await faults.getByRole('button', { name: 'Ring of majorities' }).click();
  assert.deepEqual((await cutPairs()).sort(), ['1-3', '1-4', '2-4', '2-5', '3-5']);
  await faults.getByRole('button', { name: 'Heal all' }).click();
  assert.deepEqual(await cutPairs(), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('The network sliders change the settings and record an intervention', async () => {
  const { page, context, problems } = await openApp();
  await page.evaluate(() => nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 5 }));
  await page.locator('#loss').fill('25');
  await page.locator('#lat-max').fill('40');
  const net = await page.evaluate(() => nodescape.state().network);
  assert.equal(net.loss, 0.25);
  assert.equal(net.latency_max_us, 40000);
  await waitText(page, 'label[for="loss"] output', /25%/);
  const log = await page.evaluate(() => nodescape.scenario().interventions.map((r) => r.do.type));
  assert.deepEqual(log, ['network', 'network']);
  await page.getByRole('button', { name: 'Reset network' }).click();
  assert.equal(await page.evaluate(() => nodescape.state().network.loss), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('A 64-node cluster paints its links: a click cycles one, and a node inspector reaches each by keyboard', async () => {
  const { page, context, problems } = await openApp();
  await page.evaluate(() => nodescape.load({ nodescape: 1, protocol: 'raft', seed: '1', nodes: 64 }));
  await page.waitForSelector('svg#cluster g.node[data-node="64"]');
  // 2,016 links, but not 2,016 elements.
  assert.equal(await page.locator('g.link').count(), 0);
  // The mouse: a point on link 1-10 (many links cross there), named on hover and cut by a click.
  const pt = await page.evaluate(() => {
    const svg = document.querySelector('svg#cluster');
    const at = (n) => {
      const t = svg.querySelector(`g.node[data-node="${n}"]`).transform.baseVal.consolidate().matrix;
      return new DOMPoint(t.e, t.f).matrixTransform(svg.getScreenCTM());
    };
    const [a, b] = [at(1), at(10)];
    return { x: a.x + (b.x - a.x) * 0.4, y: a.y + (b.y - a.y) * 0.4 };
  });
  await page.mouse.move(pt.x, pt.y);
  const title = await page.locator('.cluster').getAttribute('title');
  const [, a, b] = title.match(/^Link (\d+) to (\d+), healthy$/).map(Number);
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction(
    ([a, b]) => nodescape.state().links.find((l) => l.a === a && l.b === b).ab.state === 'cut',
    [a, b],
  );
  const cut = await page.evaluate(() => nodescape.state().links.filter((l) => l.ab.state !== 'healthy').length);
  assert.equal(cut, 1, 'only the link under the pointer changed');
  // The keyboard: node 5's inspector lists its links; choosing one gives a focusable link.
  await page.locator('svg#cluster g.node[data-node="5"]').focus();
  await page.keyboard.press('Enter');
  const item = page.getByRole('button', { name: 'Link 5 to 9, healthy' });
  await item.focus();
  await page.keyboard.press('Enter');
  const link = page.locator('g.link[data-link="5-9"]');
  await link.waitFor();
  await link.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('g.link[data-link="5-9"]')?.getAttribute('aria-label') === 'Link 5 to 9, cut');
  const l = await page.evaluate(() => nodescape.state().links.find((l) => l.a === 5 && l.b === 9));
  assert.deepEqual([l.ab, l.ba], [{ state: 'cut' }, { state: 'cut' }]);
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: SCREENSHOTS + 'links-64-nodes-1280x720.png' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('The same action by click and through the API gives the same trace', async () => {
  const run = async (byClick) => {
    const { page, context } = await openApp();
    await page.evaluate(() => {
      nodescape.load({ nodescape: 1, protocol: 'raft', seed: '4', nodes: 5 });
      nodescape.advance(700);
    });
    if (byClick) {
      await page.locator('svg#cluster g.node[data-node="3"]').click();
      await page.getByRole('button', { name: 'Crash' }).click();
      await page.locator('g.link[data-link="1-2"]').focus();
      await page.keyboard.press('Enter');
    } else {
      await page.evaluate(() => {
        nodescape.intervene({ type: 'crash', node: 3 });
        nodescape.intervene({ type: 'set_link', from: 1, to: 2, link: { state: 'cut' }, both: true });
      });
    }
    const digest = await page.evaluate(() => { nodescape.advance(1500); return nodescape.digest(); });
    await context.close();
    return digest;
  };
  assert.equal(await run(true), await run(false));
});

test('Canvases follow their boxes: a window resize and presenter mode redraw them at their new size, paused', async () => {
  const { context, page } = await openApp('', { width: 1280, height: 720 });
  // Each canvas's bitmap matches its box at the pixel ratio; the message layer covers the
  // part of the cluster's box the picture fills (the shown 660 x 620 of the viewBox, centred).
  const sizes = () =>
    page.evaluate(() => {
      const out = {};
      const dpr = Math.min(Math.max(devicePixelRatio, 1), 3);
      for (const c of document.querySelectorAll('canvas')) {
        const name = c.id || c.className;
        const fits = c.width === Math.floor(c.clientWidth * dpr) && c.height === Math.floor(c.clientHeight * dpr);
        out[name] = { w: c.clientWidth, fits };
        if (c.classList.contains('flights')) {
          const p = c.parentElement;
          const s = Math.min(p.clientWidth / 660, p.clientHeight / 620);
          out[name].covers = Math.abs(c.clientWidth - 660 * s) <= 1 && Math.abs(c.clientHeight - 620 * s) <= 1;
        }
      }
      return out;
    });
  const check = async (what, before) => {
    // The observer reports after the next layout; give it a few frames.
    await page.waitForTimeout(300);
    const now = await sizes();
    for (const [name, s] of Object.entries(now)) {
      assert.ok(s.fits, `${what}: canvas ${name} is drawn at its box's size (${JSON.stringify(now)})`);
      if ('covers' in s) assert.ok(s.covers, `${what}: the message layer covers the picture (${JSON.stringify(now)})`);
    }
    if (before) {
      const changed = Object.keys(now).filter((k) => before[k] && before[k].w !== now[k].w);
      assert.ok(changed.length > 0, `${what}: some canvas changed size (${JSON.stringify(before)} -> ${JSON.stringify(now)})`);
    }
    return now;
  };
  for (const protocol of ['vclock', 'ring']) {
    await page.evaluate((p) => {
      nodescape.load({ nodescape: 1, protocol: p, seed: '4', nodes: 5 });
      nodescape.advance(2000);
    }, protocol);
    await page.setViewportSize({ width: 1280, height: 720 });
    const first = await check(`${protocol} at 1280x720`);
    const wider = await check(`${protocol} after a resize to 1440x900`, (await page.setViewportSize({ width: 1440, height: 900 }), first));
    await page.keyboard.press('p');
    await check(`${protocol} in presenter mode (no window resize)`, wider);
    await page.keyboard.press('p');
  }
  await context.close();
});
