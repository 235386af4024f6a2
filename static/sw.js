// Nodescape's service worker: the site keeps working offline after the first visit, so a
// classroom with poor Wi-Fi still opens it. Network first (so a new version is picked up on the
// next visit when online), the cache when the network fails.
const CACHE = 'nodescape-v1';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const scope = self.registration.scope;
    const page = await fetch(scope, { cache: 'no-store' });
    const html = await page.clone().text();
    await cache.put(scope, page);
    // Every asset the page names (Trunk's hashed wasm, JS, CSS, icons, manifest).
    const urls = new Set();
    // Quoted or not: the release build's minified HTML drops the quotes it can.
    for (const m of html.matchAll(/\b(?:href|src)=(?:"([^"#?]+)"|([^\s>"'#?]+))/g)) {
      const u = m[1] ?? m[2];
      if (!/^[a-z]+:/i.test(u)) urls.add(new URL(u, scope).href);
    }
    await Promise.all([...urls].map(async (u) => {
      try {
        const r = await fetch(u, { cache: 'no-store' });
        if (r.ok) await cache.put(u, r);
      } catch (_) { /* a missing optional asset must not stop the install */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const fresh = await fetch(req);
      if (fresh.ok) await cache.put(req.mode === 'navigate' ? self.registration.scope : req, fresh.clone());
      return fresh;
    } catch (err) {
      const hit = await cache.match(req.mode === 'navigate' ? self.registration.scope : req, { ignoreSearch: req.mode === 'navigate' });
      if (hit) return hit;
      throw err;
    }
  })());
});
