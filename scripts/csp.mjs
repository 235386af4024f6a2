// Fills in the page's Content-Security-Policy meta tag after Trunk has written index.html.
//
// Trunk loads the wasm with an inline <script type="module">, and `trunk serve` adds an inline
// live-reload script. A static host (GitHub Pages) cannot send headers, so the policy lives in a
// <meta http-equiv> tag, and each inline script is allowed by its sha256 hash, never by
// 'unsafe-inline'. 'wasm-unsafe-eval' lets the page compile its wasm; 'unsafe-eval' stays out.
//
// Usage: node scripts/csp.mjs [path/to/index.html]
// (without an argument, it edits $TRUNK_STAGING_DIR/index.html, as a Trunk post_build hook).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const file = process.argv[2] ?? join(process.env.TRUNK_STAGING_DIR ?? 'dist', 'index.html');
const html = readFileSync(file, 'utf8');

const hashes = [];
for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  const [, attrs, body] = match;
  if (/\bsrc\s*=/.test(attrs)) continue; // external scripts are covered by 'self'
  hashes.push(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
}

const policy = [
  "default-src 'self'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`.trim(),
  // Yew and plotters may set style attributes; inline styles cannot run code.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].filter(Boolean).join('; ');

const marker = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/i;
if (!marker.test(html)) {
  console.error(`csp.mjs: no Content-Security-Policy meta tag in ${file}`);
  process.exit(1);
}
writeFileSync(file, html.replace(marker, `$1${policy}$2`));
console.log(`csp.mjs: ${hashes.length} inline script hash(es) written to ${file}`);
