// Hooks over the one LiveStore of the logged-in session.
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { SessionUser } from '@cityops/contract/people';
import { LiveStore, type LiveStatus } from './live-store.ts';

const LiveContext = createContext<LiveStore | undefined>(undefined);

export function LiveProvider({ user, children }: { user: SessionUser; children: ReactNode }) {
  const [store] = useState(() => new LiveStore({ loadRegistry: user.role !== 'field' }));
  useEffect(() => {
    store.start();
    // Exposed for the browser tests and the benchmark, which read timings from the page.
    (window as unknown as { cityopsLive?: LiveStore }).cityopsLive = store;
    return () => store.stop();
  }, [store]);
  return <LiveContext.Provider value={store}>{children}</LiveContext.Provider>;
}

export function useLiveStore(): LiveStore {
  const store = useContext(LiveContext);
  if (!store) throw new Error('useLiveStore outside LiveProvider');
  return store;
}

/** Re-renders the caller on every (coalesced) change of the live data and returns the store. */
export function useLive(): LiveStore {
  const store = useLiveStore();
  useSyncExternalStore(store.subscribe, store.getVersion);
  return store;
}

export function useLiveStatus(): LiveStatus {
  const store = useLiveStore();
  return useSyncExternalStore(store.subscribe, () => store.status);
}
