// A small history router: the dashboard has a dozen routes and needs nothing a library adds.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());
window.addEventListener('popstate', notify);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const currentUrl = () => window.location.pathname + window.location.search;

export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (to === currentUrl()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

export interface Location {
  path: string;
  query: URLSearchParams;
}

let cachedUrl = '';
let cachedLocation: Location = { path: '/', query: new URLSearchParams() };
function snapshot(): Location {
  const url = currentUrl();
  if (url !== cachedUrl) {
    cachedUrl = url;
    cachedLocation = { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
  }
  return cachedLocation;
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, snapshot);
}

/** Changes one query parameter without adding a history entry (filters, selection). */
export function setQueryParam(name: string, value: string | undefined) {
  const query = new URLSearchParams(window.location.search);
  if (value === undefined || value === '') query.delete(name);
  else query.set(name, value);
  const search = query.toString();
  navigate(window.location.pathname + (search ? `?${search}` : ''), { replace: true });
}

/** `/alerts/:id` against `/alerts/42` → `{ id: '42' }`; undefined when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const patternParts = pattern.split('/').filter(Boolean);
  const pathParts = path.split('/').filter(Boolean);
  if (patternParts.length !== pathParts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < patternParts.length; i++) {
    const part = patternParts[i];
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(pathParts[i]);
    else if (part !== pathParts[i]) return undefined;
  }
  return params;
}

export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
