// Launches the system Chromium through playwright-core (no browser download: scripts/setup.sh
// installs Debian's chromium, or NODESCAPE_CHROMIUM points at another Chrome), and opens pages
// that record every console error, page error, failed request and CSP violation.
import { chromium } from 'playwright-core';

/** Flags that work as root on a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Starts headless Chromium. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.NODESCAPE_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

/**
 * Opens a page in a fresh context at the given viewport and collects its problems:
 * `problems` lists console errors, uncaught page errors, failed requests (network failures
 * and HTTP statuses >= 400) and Content-Security-Policy violations, each as a sentence.
 */
export async function openPage(browser, { width = 1280, height = 720 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText;
    // The browser's own favicon fetch is cancelled when a test navigates while it is on its
    // way (seen in a CI run: the key test opens lessons by address); that is not the site's.
    if (error === 'net::ERR_ABORTED' && /\/favicon[^/]*\.svg$/.test(new URL(req.url()).pathname)) return;
    problems.push(`request failed: ${req.url()} (${error})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`);
    });
  });
  return { context, page, problems };
}
