// Trunk's post_build hook: finishes the page Trunk wrote into its staging directory.
//
// 1. In release builds, minifies wasm-bindgen's JS glue with terser (Trunk's own JS minifier
//    cannot parse it and leaves it as it is): 61 KB to 27 KB, 10.1 KB to 8.0 KB gzipped. The
//    import object's property names are what the wasm links against, and terser keeps property
//    names. The file's Subresource Integrity hash in index.html is written anew.
// 2. Fills in the page's Content-Security-Policy meta tag. Trunk loads the wasm with an inline
//    <script type="module">, and `trunk serve` adds an inline live-reload script. A static host
//    (GitHub Pages) cannot send headers, so the policy lives in a <meta http-equiv> tag, and
//    each inline script is allowed by its sha256 hash, never by 'unsafe-inline'.
//    'wasm-unsafe-eval' lets the page compile its wasm; 'unsafe-eval' stays out.
//
// Usage: node scripts/postbuild.mjs [path/to/index.html]
// (without an argument, it edits $TRUNK_STAGING_DIR/index.html, as a Trunk post_build hook).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const file = process.argv[2] ?? join(process.env.TRUNK_STAGING_DIR ?? 'dist', 'index.html');
let html = readFileSync(file, 'utf8');

// Attribute values with or without quotes: Trunk's HTML minifier drops the quotes it can.
const attr = (name) => new RegExp(`\\b${name}=("[^"]*"|[^\\s>"]+)`, 'i');
const unquote = (v) => v.replace(/^"|"$/g, '');

if (process.env.TRUNK_PROFILE === 'release') {
  const { minify } = await import('terser');
  for (const [tag] of html.matchAll(/<link\b[^>]*\brel="?modulepreload"?[^>]*>/gi)) {
    const href = unquote(tag.match(attr('href'))[1]);
    const path = join(dirname(file), href);
    const before = readFileSync(path, 'utf8');
    const out = await minify(before, { module: true, compress: true, mangle: true });
    writeFileSync(path, out.code);
    const sri = `sha384-${createHash('sha384').update(out.code, 'utf8').digest('base64')}`;
    html = html.replace(tag, tag.replace(attr('integrity'), `integrity=${sri}`));
    console.log(`postbuild: ${href} minified, ${before.length} -> ${out.code.length} bytes`);
  }
}

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

const meta = html.match(/<meta\b[^>]*\bhttp-equiv="?Content-Security-Policy"?[^>]*>/i);
if (!meta || !attr('content').test(meta[0])) {
  console.error(`postbuild: no Content-Security-Policy meta tag in ${file}`);
  process.exit(1);
}
html = html.replace(meta[0], `<meta http-equiv="Content-Security-Policy" content="${policy}">`);
writeFileSync(file, html);
console.log(`postbuild: ${hashes.length} inline script hash(es) written to ${file}`);
