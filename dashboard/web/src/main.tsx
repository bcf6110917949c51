// Entry of the dashboard bundle.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import './theme.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// The field view is installable: its service worker (public/sw.js) serves the app shell with no
// connection. The bundles this page already loaded are put in the worker's cache from here, since the
// worker only starts controlling requests after this first load.
const SHELL_CACHE = 'cityops-shell-v1';
if ('serviceWorker' in navigator && window.location.pathname.startsWith('/field')) {
  void navigator.serviceWorker
    .register('/sw.js', { scope: '/' })
    .then(() => navigator.serviceWorker.ready)
    .then(() => new Promise((resolve) => setTimeout(resolve, 1500)))
    .then(async () => {
      const assets = performance
        .getEntriesByType('resource')
        .map((entry) => new URL(entry.name))
        .filter((url) => url.origin === window.location.origin && url.pathname.startsWith('/assets/'))
        .map((url) => url.pathname);
      const cache = await caches.open(SHELL_CACHE);
      await cache.addAll([...new Set(assets)]);
      document.documentElement.dataset.shellCached = 'true';
    })
    .catch(() => {});
}
