// Browser tests of the classroom tools in the release build: the picture saved as a PNG, every
// key the `?` overlay lists doing what it says, keys staying out of text fields, and presenter
// mode keeping Raft's safety badges on screen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

async function openApp(query = '', viewport) {
  const opened = await openPage(browser, viewport);
  await opened.page.goto(site.url + query);
  await opened.page.waitForSelector('main#app svg#cluster g.node', { timeout: 15000 });
  await opened.page.waitForFunction(() => typeof window.nodescape === 'object', null, { timeout: 5000 });
  return opened;
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(bytes) {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.subarray(0, 8)], signature, 'the PNG signature');
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR', 'the first chunk is IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Decodes the PNG in the page and counts pixels: not white, of a colour, dark, by region. */
async function pixels(page, bytes, colour, splitY) {
  return page.evaluate(async ({ b64, colour, splitY }) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    const [cr, cg, cb] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
    const out = { drawn: 0, coloured: 0, colouredBelow: 0, darkBelow: 0, drawnBelowRight: 0, white: 0 };
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      const y = Math.floor(i / 4 / c.width);
      if (r === 255 && g === 255 && b === 255) out.white++;
      // The picture's background is #f6f7f9; anything else is drawn.
      if (Math.abs(r - 0xf6) + Math.abs(g - 0xf7) + Math.abs(b - 0xf9) > 24 && !(r === 255 && g === 255 && b === 255)) out.drawn++;
      const ofColour = Math.abs(r - cr) + Math.abs(g - cg) + Math.abs(b - cb) < 12;
      if (ofColour) out.coloured++;
      if (ofColour && splitY && y > splitY) out.colouredBelow++;
      // Below the split, right of the middle: where the ring's charts go.
      if (splitY && y > splitY && (i / 4) % c.width > c.width / 2 && r + g + b < 600) out.drawnBelowRight++;
      if (splitY && y > splitY && r + g + b < 200) out.darkBelow++;
    }
    out.total = data.length / 4;
    return out;
  }, { b64: bytes.toString('base64'), colour, splitY });
}

test('Save picture (PNG) downloads the cluster with its messages in flight and the diagram, at 2x', async () => {
  const { page, context, problems } = await openApp('', { width: 1280, height: 720 });
  // Vector clocks, five nodes: a message from 1 to 2 is on its way (a green "Chat" disc).
  await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'vclock', seed: '2', nodes: 5, settings: { vclock: { events_per_sec: 0 } } });
    nodescape.advance(300);
    nodescape.intervene({ type: 'send_message', from: 1, to: 2 });
    nodescape.advance(3);
  });
  const inFlight = await page.evaluate(() => nodescape.state().messages.length);
  assert.ok(inFlight >= 1, 'a message is in flight');
  await page.keyboard.press('s');
  await page.locator('#save-png').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#save-png')]);
  assert.equal(download.suggestedFilename(), 'nodescape-picture.png');
  const bytes = readFileSync(await download.path());
  writeFileSync(SCREENSHOTS + 'picture-vclock.png', bytes);
  const { width, height } = pngSize(bytes);
  // The picture's viewBox is 1000 x 620; the diagram for 5 nodes is 36 + 44 x 5 = 256 px; all at 2x.
  assert.equal(width, 2000);
  assert.equal(height, (620 + 256) * 2);
  const px = await pixels(page, bytes, '#0a8a6a', 620 * 2);
  console.log(`PNG (vector clocks): ${bytes.length} bytes, ${width}x${height}, ${px.drawn} drawn pixels, ${px.coloured} message-coloured, ${px.darkBelow} dark pixels in the diagram`);
  assert.ok(px.drawn > px.total * 0.01, `the picture is not blank: ${px.drawn} of ${px.total} pixels drawn`);
  assert.ok(px.coloured > 300, `the message in flight is painted (${px.coloured} pixels of its colour)`);
  assert.ok(px.darkBelow > 500, `the space-time diagram is painted under the cluster (${px.darkBelow} dark pixels)`);
  await page.waitForSelector('#banner:has-text("Saved nodescape-picture.png")');
  assert.deepEqual(problems, []);
  await context.close();
});

test('The PNG of the hash ring has the ring and its two charts under the cluster', async () => {
  const { page, context, problems } = await openApp('', { width: 1280, height: 720 });
  await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'ring', seed: '3', nodes: 5 });
    nodescape.advance(2000);
  });
  await page.locator('#ring-load-chart').waitFor();
  await page.keyboard.press('s');
  await page.locator('#save-png').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#save-png')]);
  const bytes = readFileSync(await download.path());
  writeFileSync(SCREENSHOTS + 'picture-ring.png', bytes);
  // The cluster's 620 viewBox units, then a strip of 440 for the ring and its charts; all at 2x.
  assert.deepEqual(pngSize(bytes), { width: 2000, height: (620 + 440) * 2 });
  // Node 1's keys and tokens are blue (#0072B2), on the ring and in the load chart's first bar.
  const px = await pixels(page, bytes, '#0072b2', 620 * 2);
  console.log(`PNG (ring): ${bytes.length} bytes, ${px.colouredBelow} pixels of node 1's colour under the cluster, ${px.drawnBelowRight} drawn pixels where the charts go`);
  assert.ok(px.colouredBelow > 2000, `the ring's keys and tokens are painted under the cluster (${px.colouredBelow})`);
  assert.ok(px.drawnBelowRight > 20000, `the charts are drawn right of the ring (${px.drawnBelowRight})`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('The PNG of a Raft run is the cluster alone, 2000 x 1240, with its heartbeats painted', async () => {
  const { page, context, problems } = await openApp();
  await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '5', nodes: 5 });
    nodescape.advance(2000);
    const leader = nodescape.state().nodes.find((n) => n.role === 'leader');
    nodescape.intervene({ type: 'client_request', node: leader.id });
    nodescape.advance(2);
  });
  await page.keyboard.press('s');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.keyboard.press('p')]);
  const bytes = readFileSync(await download.path());
  writeFileSync(SCREENSHOTS + 'picture-raft.png', bytes);
  assert.deepEqual(pngSize(bytes), { width: 2000, height: 1240 });
  // AppendEntries travel as blue discs (#1f6fd1).
  const px = await pixels(page, bytes, '#1f6fd1', 0);
  console.log(`PNG (Raft): ${bytes.length} bytes, ${px.coloured} AppendEntries-coloured pixels`);
  assert.ok(px.coloured > 200, `messages in flight are painted (${px.coloured})`);
  assert.deepEqual(problems, []);
  await context.close();
});

/** What a key can change: the app's markup (without the ticking clock), focus, the run, files. */
async function fingerprint(page, counters) {
  const view = await page.evaluate(() => {
    const clone = document.querySelector('main#app').cloneNode(true);
    clone.querySelector('#clock')?.remove();
    const a = document.activeElement;
    return JSON.stringify({
      html: clone.outerHTML,
      focus: a ? `${a.tagName}#${a.id}` : '',
      run: JSON.stringify(nodescape.scenario()),
      now: nodescape.now(),
    });
  });
  return `${view} downloads=${counters.downloads} choosers=${counters.choosers}`;
}

const SETUP = {
  any: async () => {},
  advanced: async (page) => page.evaluate(() => nodescape.advance(2000)),
  past: async (page) => page.evaluate(() => { nodescape.advance(2000); nodescape.seek(1000); }),
  'raft-start': async (page) => page.evaluate(() => nodescape.load({ nodescape: 1, protocol: 'raft', seed: '5', nodes: 5 })),
  raft: async (page) => page.evaluate(() => { nodescape.load({ nodescape: 1, protocol: 'raft', seed: '5', nodes: 5 }); nodescape.advance(2000); }),
  node: async (page) => page.keyboard.press('2'),
  'raft-node': async (page) => { await SETUP.raft(page); await page.keyboard.press('2'); },
  crashed: async (page) => { await page.keyboard.press('2'); await page.evaluate(() => nodescape.intervene({ type: 'crash', node: 2 })); },
  flights: async (page) => page.evaluate(() => nodescape.intervene({ type: 'send_message', from: 1, to: 2 })),
  message: async (page) => { await SETUP.flights(page); await page.keyboard.press('q'); },
  'link-focus': async (page) => page.focus('svg g.link[data-link="1-2"]'),
  partitioned: async (page) => page.evaluate(() => nodescape.intervene({ type: 'partition', groups: [[1, 2]] })),
  chosen: async (page) => { await SETUP.advanced(page); for (const k of ['>', '<', '<']) await page.keyboard.press(k); },
  'diagram-back': async (page) => { await SETUP.advanced(page); await page.keyboard.press('Shift+ArrowLeft'); },
  ring: async (page) => page.evaluate(() => { nodescape.load({ nodescape: 1, protocol: 'ring', seed: '3', nodes: 5 }); nodescape.advance(500); }),
  'ring-member': async (page) => { await SETUP.ring(page); await page.keyboard.press('1'); },
  lesson: async (page) => page.goto(`${site.url}?lesson=raft-first-election`),
  'lesson-later': async (page) => page.goto(`${site.url}?lesson=raft-first-election&step=3`),
  'lesson-menu': async (page) => page.keyboard.press('g'),
  share: async (page) => page.keyboard.press('s'),
};

test('Every key the ? overlay lists does something observable where it says', async () => {
  const { page, context, problems } = await openApp();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(site.url).origin });
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor();
  const lines = await page.$$eval('dl.keys dt', (dts) => dts.map((dt) => ({
    keys: dt.textContent, press: dt.dataset.press, ctx: dt.dataset.ctx,
  })));
  await page.screenshot({ path: SCREENSHOTS + 'keys-1280x720.png' });
  // The overlay fits the screen without scrolling.
  const card = await page.locator('.keys-card').evaluate((c) => ({ scroll: c.scrollHeight, client: c.clientHeight }));
  assert.ok(card.scroll <= card.client + 1, `the list fits on a 1280x720 screen (${card.scroll} > ${card.client})`);
  assert.ok(lines.length >= 55, `${lines.length} lines listed`);
  const counters = { downloads: 0, choosers: 0 };
  page.on('download', () => counters.downloads++);
  page.on('filechooser', () => counters.choosers++);
  let checked = 0;
  const failures = [];
  for (const line of lines) {
    assert.ok(SETUP[line.ctx], `a setup for "${line.ctx}" (${line.keys})`);
    for (const alt of line.press.split('|')) {
      await page.goto(site.url);
      await page.waitForSelector('main#app svg#cluster g.node', { timeout: 15000 });
      await SETUP[line.ctx](page);
      await page.waitForSelector('main#app svg#cluster g.node', { timeout: 15000 });
      await page.waitForTimeout(60);
      const before = await fingerprint(page, counters);
      for (const key of alt.split(' ')) await page.keyboard.press(key);
      let changed = false;
      for (let i = 0; i < 30 && !changed; i++) {
        await page.waitForTimeout(50);
        changed = (await fingerprint(page, counters)) !== before;
      }
      if (!changed) failures.push(`${line.keys} (${alt}) in ${line.ctx}`);
      // A key may explain itself with a notice, but never with an error.
      const error = await page.locator('#banner.error').count();
      if (error) failures.push(`${line.keys} (${alt}) in ${line.ctx}: ${await page.textContent('#banner')}`);
      checked++;
    }
  }
  console.log(`keys: ${lines.length} lines in the ? overlay, ${checked} key presses checked`);
  assert.deepEqual(failures, [], 'keys that did nothing observable');
  assert.deepEqual(problems.filter((p) => !/Permissions policy|fullscreen/i.test(p)), []);
  await context.close();
});

test('Keys do nothing while typing in a field, and buttons keep Space and Enter', async () => {
  const { page, context, problems } = await openApp();
  const before = await page.evaluate(() => JSON.stringify(nodescape.scenario()));
  await page.click('#seed');
  await page.keyboard.type('sxp?bg');
  assert.equal(await page.locator('.overlay').count(), 0, 'no dialog opened while typing');
  assert.equal(await page.locator('main.presenter').count(), 0, 'presenter mode stayed off');
  assert.equal(await page.evaluate(() => JSON.stringify(nodescape.scenario())), before);
  await page.fill('#seed', '1');
  await page.click('h1.brand');
  // In the ring's lookup box, "/" and letters are text.
  await page.evaluate(() => nodescape.load({ nodescape: 1, protocol: 'ring', seed: '3', nodes: 5 }));
  await page.keyboard.press('/');
  await page.waitForFunction(() => document.activeElement?.id === 'ring-key');
  await page.keyboard.type('s/j');
  assert.equal(await page.inputValue('#ring-key'), 's/j');
  assert.equal(await page.locator('.overlay').count(), 0);
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('#ring-key').value === '');
  // Space on a focused button presses the button, not Play.
  await page.locator('#help').focus();
  await page.keyboard.press('Space');
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  assert.equal(await page.textContent('#play'), 'Play');
  assert.deepEqual(problems, []);
  await context.close();
});

test('Presenter mode keeps the Raft safety badges on screen, large and inside the window', async () => {
  const { page, context, problems } = await openApp('', { width: 1280, height: 720 });
  await page.evaluate(() => {
    nodescape.load({ nodescape: 1, protocol: 'raft', seed: '3', nodes: 5 });
    nodescape.advance(1500);
  });
  await page.keyboard.press('p');
  await page.waitForSelector('main.presenter .safety-row');
  const badges = await page.$$eval('.safety-row .badge', (els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { text: e.textContent, right: r.right, bottom: r.bottom, top: r.top, font: parseFloat(getComputedStyle(e).fontSize), visible: r.width > 0 };
  }));
  assert.equal(badges.length, 7, 'all seven properties');
  for (const b of badges) {
    assert.ok(b.visible && b.right <= 1280 && b.bottom <= 720 && b.top >= 0, `${b.text} is inside the window`);
    assert.ok(b.font >= 16, `${b.text} is large (${b.font}px)`);
  }
  await page.screenshot({ path: SCREENSHOTS + 'presenter-raft-1280x720.png' });
  assert.deepEqual(problems.filter((p) => !/fullscreen/i.test(p)), []);
  await context.close();
});
