/* global self, caches, fetch, URL, setTimeout */
// CityOps service worker: keeps the app shell (index.html and the hashed bundles) so the field view and
// the residents' /report page open on a slow or absent connection (one index.html serves every path).
// API calls are never cached: alerts and actions must be live.
const CACHE = 'cityops-shell-v1';
const SHELL = ['/field', '/manifest.webmanifest', '/icon.svg', '/report.webmanifest', '/report-icon.svg'];
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key)))).then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/socket.io')) return;
  if (request.mode === 'navigate') {
    // Network first for pages, so a new release is picked up; the cached shell when offline, and also
    // when the network has not answered in NAVIGATION_TIMEOUT_MS (a link that is up but carries almost
    // nothing): the page then shows the list saved on the phone and its outbox while it reconnects.
    event.respondWith(
      (async () => {
        const network = fetch(request).then((response) => {
          const copy = response.clone();
          if (response.ok) void caches.open(CACHE).then((cache) => cache.put('/field', copy));
          return response;
        });
        const cached = await caches.match('/field');
        if (!cached) return network;
        const slow = new Promise((resolve) => setTimeout(() => resolve(cached), NAVIGATION_TIMEOUT_MS));
        // A server mid-deploy or failing (no index.html, 5xx) gets the cached shell too.
        return Promise.race([network.then((response) => (response.ok ? response : cached), () => cached), slow]);
      })(),
    );
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    // Hashed file names never change content: cache first.
    event.respondWith(
      caches.match(request).then(
        (cached) =>
          cached ??
          fetch(request).then((response) => {
            const copy = response.clone();
            if (response.ok) void caches.open(CACHE).then((cache) => cache.put(request, copy));
            return response;
          }),
      ),
    );
  }
});
