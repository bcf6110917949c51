// Hooks over the one LiveStore of the logged-in session.
import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { SessionUser } from '@cityops/contract/people';
import type { ServerEventName, ServerToClientEvents } from '@cityops/contract/socket-events';
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

/** Calls `handler` with every `event` the server sends while the caller is mounted, typed by the contract. */
export function useServerEvent<E extends ServerEventName>(event: E, handler: (payload: Parameters<ServerToClientEvents[E]>[0]) => void): void {
  const store = useLiveStore();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const off = store.onServerEvent(event, (payload) => latest.current(payload as Parameters<ServerToClientEvents[E]>[0]));
    return () => void off();
  }, [store, event]);
}
