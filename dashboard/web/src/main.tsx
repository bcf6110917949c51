// Entry of the dashboard bundle.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import './theme.css';
import './theme-light.css';
import { applyTheme, storedTheme, themeFor } from './theme-choice.ts';

applyTheme(themeFor(window.location.pathname, storedTheme()));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// The residents' page installs as an app of its own (start_url /report), not as the field view.
const path = window.location.pathname;
const residentPage = path === '/report' || path.startsWith('/report/');
if (residentPage) document.querySelector('link[rel=manifest]')?.setAttribute('href', '/report.webmanifest');

// The field view and the residents' page are installable: the service worker (public/sw.js) serves the
// app shell with no connection. The bundles this page already loaded are put in the worker's cache from
// here, since the worker only starts controlling requests after this first load.
const SHELL_CACHE = 'cityops-shell-v1';
if ('serviceWorker' in navigator && (path.startsWith('/field') || residentPage)) {
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
