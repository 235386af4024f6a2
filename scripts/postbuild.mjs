// Trunk's post_build hook: finishes the page Trunk wrote into its staging directory.
//
// 1. In release builds, minifies wasm-bindgen's JS glue with terser (Trunk's own JS minifier
//    cannot parse it and leaves it as it is): 61 KB to 27 KB, 10.1 KB to 8.0 KB gzipped. The
//    import object's property names are what the wasm links against, and terser keeps property
//    names. The file's Subresource Integrity hash in index.html is written anew.
// 2. In release builds, gives the wasm's imports from the JS glue, and the closure invokers it
//    exports, short names, in the wasm and in the glue alike. wasm-bindgen names each import
//    after its JS function plus a 16-digit hash (`__wbg_addEventListener_f2d27251d333a631`):
//    244 such names, written once in the wasm and once in the glue, were 4.3 KB of the wasm
//    and 3.1 KB of the glue gzipped. The wasm's Subresource Integrity hash is written anew too.
// 3. In release builds, before step 2's renaming, lays the wasm's functions out grouped by what
//    they are, then strips their names: trait methods by trait and method (every derived
//    `Deserialize::deserialize` side by side, every `Drop`), other functions by their path.
//    Functions of one shape then sit within gzip's 32 KB window of each other: 2.8 KB smaller
//    gzipped than the order the compiler wrote them in, 1.1 KB smaller than sorting by the
//    whole name (`--reorder-functions-by-name` alone); by call counts, 3.2 KB larger.
//    Trunk's wasm-opt run keeps the names for this (`-g` in index.html); binaryen does the
//    reordering, here told the order through names that sort in it. NODESCAPE_KEEP_NAMES=1
//    leaves the functions and their names as they are (builds made for the profiler).
// 4. Fills in the page's Content-Security-Policy meta tag. Trunk loads the wasm with an inline
//    <script type="module">, and `trunk serve` adds an inline live-reload script. A static host
//    (GitHub Pages) cannot send headers, so the policy lives in a <meta http-equiv> tag, and
//    each inline script is allowed by its sha256 hash, never by 'unsafe-inline'.
//    'wasm-unsafe-eval' lets the page compile its wasm; 'unsafe-eval' stays out.
//
// Usage: node scripts/postbuild.mjs [path/to/index.html]
// (without an argument, it edits $TRUNK_STAGING_DIR/index.html, as a Trunk post_build hook).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const file = process.argv[2] ?? join(process.env.TRUNK_STAGING_DIR ?? 'dist', 'index.html');
let html = readFileSync(file, 'utf8');

// Attribute values with or without quotes: Trunk's HTML minifier drops the quotes it can.
const attr = (name) => new RegExp(`\\b${name}=("[^"]*"|[^\\s>"]+)`, 'i');
const unquote = (v) => v.replace(/^"|"$/g, '');

const sriOf = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

if (process.env.TRUNK_PROFILE === 'release') {
  const { minify } = await import('terser');
  const wasmTag = html.match(/<link\b[^>]*\btype="?application\/wasm"?[^>]*>/i)?.[0];
  if (!wasmTag) {
    console.error(`postbuild: no wasm preload link in ${file}`);
    process.exit(1);
  }
  const wasmPath = join(dirname(file), unquote(wasmTag.match(attr('href'))[1]));
  let wasm = readFileSync(wasmPath);
  if (process.env.NODESCAPE_KEEP_NAMES !== '1') {
    const before = wasm.length;
    wasm = layOutFunctions(wasm);
    console.log(`postbuild: wasm functions laid out by kind, names stripped, ${before} -> ${wasm.length} bytes`);
  }
  const { bytes: shortWasm, renamed } = shortenNames(wasm);
  writeFileSync(wasmPath, shortWasm);
  html = html.replace(wasmTag, wasmTag.replace(attr('integrity'), `integrity=${sriOf(shortWasm)}`));
  console.log(`postbuild: ${renamed.size} wasm import and export names shortened, ${wasm.length} -> ${shortWasm.length} bytes`);
  const glues = [...html.matchAll(/<link\b[^>]*\brel="?modulepreload"?[^>]*>/gi)];
  if (glues.length !== 1) {
    console.error(`postbuild: expected one JS glue (modulepreload link) in ${file}, found ${glues.length}`);
    process.exit(1);
  }
  for (const [tag] of glues) {
    const href = unquote(tag.match(attr('href'))[1]);
    const path = join(dirname(file), href);
    const before = renameInGlue(readFileSync(path, 'utf8'), renamed, href);
    const out = await minify(before, { module: true, compress: true, mangle: true });
    writeFileSync(path, out.code);
    html = html.replace(tag, tag.replace(attr('integrity'), `integrity=${sriOf(out.code)}`));
    console.log(`postbuild: ${href} minified, ${before.length} -> ${out.code.length} bytes`);
  }
}

// `trunk serve` fills in its live-reload script's address as it sends the page: the host the
// browser asked for (`'127.0.0.1:8080'` or `'localhost:8080'`), or `window.location.host` when
// the request names none. Each version the browser can receive is allowed by its own hash;
// scripts/serve.sh tells the port (NODESCAPE_SERVE_PORT).
const servedVersions = (body) => {
  if (!body.includes('{{__TRUNK_ADDRESS__}}')) return [body];
  const port = process.env.NODESCAPE_SERVE_PORT || '8080';
  const based = body.replaceAll('{{__TRUNK_WS_BASE__}}', '/');
  return [`'127.0.0.1:${port}'`, `'localhost:${port}'`, 'window.location.host'].map((host) =>
    based.replaceAll("'{{__TRUNK_ADDRESS__}}'", host).replaceAll('`{{__TRUNK_ADDRESS__}}`', host),
  );
};

const hashes = [];
for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  const [, attrs, body] = match;
  if (/\bsrc\s*=/.test(attrs)) continue; // external scripts are covered by 'self'
  for (const version of servedVersions(body)) {
    hashes.push(`'sha256-${createHash('sha256').update(version, 'utf8').digest('base64')}'`);
  }
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

// --- short names for the wasm's imports and closure invokers ------------------------------------

/** Reads an unsigned LEB128 number at `pos`; returns [value, position after it]. */
function readLeb(buf, pos) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = buf[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, pos];
}

function leb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return Buffer.from(out);
}

function nameBytes(text) {
  return Buffer.concat([leb(Buffer.byteLength(text)), Buffer.from(text, 'utf8')]);
}

/** Reads a name (length, UTF-8) at `pos`; returns [text, position after it]. */
function readName(buf, pos) {
  const [len, start] = readLeb(buf, pos);
  return [buf.toString('utf8', start, start + len), start + len];
}

/** Skips an import's description (after its kind byte); returns the position after it. */
function skipImportDesc(buf, kind, pos) {
  const limits = (p) => {
    const [flags, q] = readLeb(buf, p);
    let [, r] = readLeb(buf, q); // minimum
    if (flags & 1) [, r] = readLeb(buf, r); // maximum
    return r;
  };
  switch (kind) {
    case 0: return readLeb(buf, pos)[1]; // function: type index
    case 1: return limits(pos + 1); // table: reference type, limits
    case 2: return limits(pos); // memory: limits
    case 3: return pos + 2; // global: value type, mutability
    case 4: return readLeb(buf, pos + 1)[1]; // tag: attribute, type index
    default: throw new Error(`unknown import kind ${kind}`);
  }
}

/** The module's sections in order: `{ id, at, start, end }`, where the section begins and its contents. */
function sectionsOf(bytes) {
  if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
  const out = [];
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos];
    const [size, start] = readLeb(bytes, pos + 1);
    out.push({ id, at: pos, start, end: start + size });
    pos = start + size;
  }
  return out;
}

/**
 * The entries of an import section: each one's module, name, kind, and where its description
 * (kind byte onwards) starts and ends.
 */
function importsOf(bytes, section) {
  const [count, first] = readLeb(bytes, section.start);
  const out = [];
  let p = first;
  for (let i = 0; i < count; i++) {
    const [module, afterModule] = readName(bytes, p);
    const [name, afterName] = readName(bytes, afterModule);
    const kind = bytes[afterName];
    p = skipImportDesc(bytes, kind, afterName + 1);
    out.push({ module, name, kind, desc: afterName, end: p });
  }
  if (p !== section.end) throw new Error('the import section was not read to its end');
  return out;
}

/**
 * Where a function goes in the layout. A trait method (`<T as Trait>::method`) is filed under
 * the trait and method, then its type; an inherent method (`<T>::method`) under its type's path;
 * any other function under its path. Crate hashes (`serde[1a2b…]`) are left out.
 */
function layoutKey(name) {
  const plain = name.replace(/\[[0-9a-f]+\]/g, '');
  let m = plain.match(/^<(.*) as (.*?)>::(.*)$/);
  if (m) return `${m[2]}::${m[3]} ${m[1]}`;
  m = plain.match(/^<(.*)>::(.*)$/);
  return m ? `${m[1]}::${m[2]}` : plain;
}

/**
 * Lays out the module's functions in the order of their `layoutKey`s and strips the names:
 * the names are replaced by ones that sort in that order, and binaryen's wasm-opt reorders by
 * name (`--reorder-functions-by-name`), then strips names, producers and target features.
 */
function layOutFunctions(bytes) {
  const sections = sectionsOf(bytes);
  const imported = sections
    .filter((s) => s.id === 2)
    .flatMap((s) => importsOf(bytes, s))
    .filter((i) => i.kind === 0).length;
  const names = new Map();
  const nameSection = sections.find((s) => s.id === 0 && readName(bytes, s.start)[0] === 'name');
  if (nameSection) {
    let p = readName(bytes, nameSection.start)[1];
    while (p < nameSection.end) {
      const kind = bytes[p];
      const [size, start] = readLeb(bytes, p + 1);
      if (kind === 1) {
        let [count, q] = readLeb(bytes, start);
        for (let i = 0; i < count; i++) {
          const [index, afterIndex] = readLeb(bytes, q);
          const [text, after] = readName(bytes, afterIndex);
          names.set(index, text);
          q = after;
        }
      }
      p = start + size;
    }
  }
  const defined = [...names.keys()].filter((i) => i >= imported);
  if (defined.length === 0) {
    console.error("postbuild: the wasm's functions have no names to lay them out by: Trunk's wasm-opt must keep them (-g in index.html's data-wasm-opt-params)");
    process.exit(1);
  }
  const keyed = defined.map((i) => [layoutKey(names.get(i)), i]);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  const entries = [leb(keyed.length)];
  const width = String(keyed.length).length;
  keyed.forEach(([, index], rank) => entries.push(leb(index), nameBytes(`f${String(rank).padStart(width, '0')}`)));
  const functionNames = Buffer.concat(entries);
  const body = Buffer.concat([nameBytes('name'), Buffer.from([1]), leb(functionNames.length), functionNames]);
  const kept = sections.filter((s) => s !== nameSection).map((s) => bytes.subarray(s.at, s.end));
  const ranked = Buffer.concat([bytes.subarray(0, 8), ...kept, Buffer.from([0]), leb(body.length), body]);
  const dir = mkdtempSync(join(tmpdir(), 'nodescape-layout-'));
  try {
    writeFileSync(join(dir, 'in.wasm'), ranked);
    execFileSync('wasm-opt', [join(dir, 'in.wasm'), '-o', join(dir, 'out.wasm'), '--reorder-functions-by-name',
      '--strip-debug', '--strip-producers', '--strip-target-features'], { stdio: 'inherit' });
    return readFileSync(join(dir, 'out.wasm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Short JS identifiers: a..z, A..Z, then two letters and so on. */
function shortName(i, prefix = '') {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let name = '';
  do {
    name = letters[i % 52] + name;
    i = Math.floor(i / 52);
  } while (i > 0);
  return prefix + name;
}

/**
 * Renames, in the wasm module `bytes`, every function imported from wasm-bindgen's glue and
 * every exported closure invoker (`wasm_bindgen__convert__closures_..._invoke__h<hash>`).
 * Returns the new module and the map from old to new names.
 */
function shortenNames(bytes) {
  const renamed = new Map();
  const parts = [bytes.subarray(0, 8)];
  for (const section of sectionsOf(bytes)) {
    const { id, at, start, end } = section;
    const entries = [];
    if (id === 2) {
      const imports = importsOf(bytes, section);
      entries.push(leb(imports.length));
      for (const { module, name, kind, desc, end: descEnd } of imports) {
        let next = name;
        if (kind === 0 && module.endsWith('_bg.js')) {
          next = shortName(renamed.size);
          renamed.set(name, next);
        }
        entries.push(nameBytes(module), nameBytes(next), bytes.subarray(desc, descEnd));
      }
    } else if (id === 7) {
      const [count, first] = readLeb(bytes, start);
      entries.push(leb(count));
      let p = first;
      for (let i = 0; i < count; i++) {
        const [name, afterName] = readName(bytes, p);
        const afterIndex = readLeb(bytes, afterName + 1)[1];
        let next = name;
        if (/^wasm_bindgen__convert__closures_+invoke__h[0-9a-f]+$/.test(name)) {
          next = shortName(renamed.size, '$');
          renamed.set(name, next);
        }
        entries.push(nameBytes(next), bytes.subarray(afterName, afterIndex));
        p = afterIndex;
      }
      if (p !== end) throw new Error('the export section was not read to its end');
    } else {
      parts.push(bytes.subarray(at, end));
      continue;
    }
    const body = Buffer.concat(entries);
    parts.push(Buffer.from([id]), leb(body.length), body);
  }
  return { bytes: Buffer.concat(parts), renamed };
}

/**
 * Applies the new names to the glue: an import's key in the import object (`name: function`),
 * an export's one use as a property of the wasm's exports (`wasm.name(`). Each must occur
 * exactly once: anything else means wasm-bindgen's output changed shape, and the build stops
 * rather than ship a glue that links to names the wasm no longer has.
 */
function renameInGlue(code, renamed, href) {
  for (const [old, next] of renamed) {
    const use = next.startsWith('$') ? new RegExp(`(?<=\\.)${old}\\b`, 'g') : new RegExp(`\\b${old}(?=\\s*:)`, 'g');
    const count = code.match(use)?.length ?? 0;
    if (count !== 1) {
      console.error(`postbuild: ${old} occurs ${count} times in ${href}, expected once`);
      process.exit(1);
    }
    code = code.replace(use, () => next);
  }
  return code;
}
