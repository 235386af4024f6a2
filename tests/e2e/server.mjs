// A tiny static file server for the browser tests: serves dist/ on a loopback port, under a
// path prefix ("/" or a sub-path such as "/nodescape/", as GitHub Pages does), with the MIME
// types the page needs (application/wasm for streaming compilation), gzip-encoded when the
// browser accepts it, as GitHub Pages serves it. No dependencies.
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built site, next to the repository's Cargo.toml. */
export const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** Compressed like GitHub Pages does (text, JS, wasm, SVG; not images that are compressed already). */
const GZIP = new Set(['.html', '.js', '.mjs', '.wasm', '.css', '.svg', '.json', '.webmanifest', '.txt']);

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Starts serving `root` under `prefix` on 127.0.0.1 and an ephemeral port.
 * Resolves to { url, close }, where url is the page's address (ending in the prefix).
 */
export async function serveDist({ root = DIST, prefix = '/' } = {}) {
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw new Error(`prefix must start and end with "/": ${prefix}`);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    if (!path.startsWith(prefix)) return notFound(res);
    let file = normalize(join(root, path.slice(prefix.length)));
    if (!file.startsWith(normalize(root + sep))) return notFound(res);
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      let body = await readFile(file);
      const headers = {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        vary: 'accept-encoding',
      };
      // Without this, Lighthouse's simulated mobile network (1.6 Mbit/s) would time the raw
      // 790 KB wasm instead of the 340 KB that a visitor of the deployed site downloads.
      if (GZIP.has(extname(file)) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        body = gzipped(file, body);
        headers['content-encoding'] = 'gzip';
      }
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      notFound(res);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The gzip of each file's content, made once per content (the tests load the page often). */
const compressed = new Map();
function gzipped(file, body) {
  const hit = compressed.get(file);
  if (hit && hit.body.equals(body)) return hit.gz;
  const gz = gzipSync(body, { level: 6 });
  compressed.set(file, { body, gz });
  return gz;
}

function notFound(res) {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}

// `node tests/e2e/server.mjs [prefix]` serves dist/ until interrupted.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { url } = await serveDist({ prefix: process.argv[2] ?? '/' });
  console.log(`serving dist/ at ${url}`);
}
