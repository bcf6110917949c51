// The api role's socket.io adapter: @socket.io/postgres-adapter (every API process LISTENs on the same
// channel, so an event published by any process reaches sockets on all of them), plus socket.io's
// connection state recovery, which that adapter does not implement ("not currently supported").
//
// Recovery here is per API process, like socket.io's in-memory SessionAwareAdapter: each process
// numbers the packets it delivers and keeps them for the recovery window; a client that comes back to
// the same process within the window gets the packets it missed. A client that lands on another
// process, or comes back later, starts a new session and catches up through the alerts resync by
// cursor (see dashboard/server/REALTIME.md).
import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/postgres-adapter';
import type { BroadcastOptions, PrivateSessionId, Session } from 'socket.io-adapter';
import type { Database } from '../database/pool.ts';
import { LIVE_ATTACHMENTS_TABLE, LIVE_CHANNEL_PREFIX } from './publisher.ts';

type SessionToPersist = Omit<Session, 'missedPackets'>;
interface StoredPacket {
  offset: string;
  opts: BroadcastOptions;
  data: unknown[];
  emittedAt: number;
}
interface RecoverableAdapter {
  persistSession(session: SessionToPersist): void;
  restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null>;
  close(): void;
}

export interface LiveAdapterOptions {
  /** Same value as socket.io's connectionStateRecovery.maxDisconnectionDuration. */
  maxDisconnectionDurationMs: number;
  onError?: (error: Error) => void;
  /**
   * Called when the LISTEN connection is back after it was lost (database restart, network): live
   * events published meanwhile never reached this process, so its clients must resync.
   */
  onListenRestored?: () => void;
}

export function createLiveAdapter(db: Database, options: LiveAdapterOptions) {
  const postgresAdapter = createAdapter(supervisedListenPool(db, options) as unknown as Database, {
    channelPrefix: LIVE_CHANNEL_PREFIX,
    tableName: LIVE_ATTACHMENTS_TABLE,
    errorHandler: options.onError,
  });
  return function liveAdapter(nsp: unknown) {
    const adapter = postgresAdapter(nsp);
    addConnectionStateRecovery(adapter as unknown as RecoverableAdapter, options.maxDisconnectionDurationMs);
    return adapter;
  };
}

/**
 * The pool the postgres adapter takes its LISTEN connection from. The adapter reconnects when that
 * connection ends but listens to no 'error' on it, and an unhandled 'error' would crash the process
 * (a database restart must not take the API down): handle it, discard the broken connection, and
 * report when listening resumes.
 */
export function supervisedListenPool(db: Database, options: LiveAdapterOptions) {
  let connections = 0;
  return {
    query: db.query.bind(db),
    async connect() {
      const client = await db.connect();
      const isReconnection = connections++ > 0;
      let broken = false;
      let released = false;
      client.on('error', (error: Error) => {
        // Released already (the adapter closed it): the pool handles it now. Still listening, so an
        // error on a connection the pool has ended cannot go unhandled.
        if (broken || released) return;
        broken = true;
        options.onError?.(error);
        client.release(error);
      });
      // The adapter releases the connection itself when it closes it; an error arriving after that (the
      // database going away) must not release it a second time: pg-pool throws on that, and the throw,
      // inside an event handler, crashed the process (seen once in CI as an uncaught exception).
      const release = client.release.bind(client);
      client.release = (error?: Error | boolean) => {
        if (released) return;
        released = true;
        release(error);
      };
      if (isReconnection) {
        const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          const result = query(...args);
          if (typeof args[0] === 'string' && args[0].startsWith('LISTEN')) void result.then(() => options.onListenRestored?.(), () => {});
          return result;
        };
      }
      return client;
    },
  };
}

function addConnectionStateRecovery(adapter: RecoverableAdapter, windowMs: number) {
  const sessions = new Map<PrivateSessionId, SessionToPersist & { disconnectedAt: number }>();
  let packets: StoredPacket[] = [];
  const offsetPrefix = randomBytes(4).toString('hex');
  let nextOffset = 0;

  const expireTimer = setInterval(() => {
    const threshold = Date.now() - windowMs;
    for (const [pid, session] of sessions) if (session.disconnectedAt < threshold) sessions.delete(pid);
    const firstKept = packets.findIndex((packet) => packet.emittedAt >= threshold);
    packets = firstKept === -1 ? [] : packets.slice(firstKept);
  }, Math.min(windowMs, 60_000));
  expireTimer.unref();

  // ClusterAdapter calls this for every packet it delivers to local sockets (published here or by
  // another process); it would append an empty offset, since the postgres adapter keeps none.
  (adapter as unknown as { addOffsetIfNecessary: (packet: { type: number; id?: number; data: unknown[] }, opts: BroadcastOptions, offset: string) => void }).addOffsetIfNecessary = (packet, opts) => {
    const isEvent = packet.type === 2;
    const withoutAck = packet.id === undefined;
    if (!isEvent || !withoutAck || opts.flags?.volatile) return;
    const offset = `${offsetPrefix}-${(nextOffset++).toString(36)}`;
    packet.data.push(offset);
    packets.push({ offset, opts, data: packet.data, emittedAt: Date.now() });
  };

  adapter.persistSession = (session) => {
    sessions.set(session.pid, { ...session, disconnectedAt: Date.now() });
  };

  adapter.restoreSession = async (pid, offset) => {
    const session = sessions.get(pid);
    if (!session) return null;
    sessions.delete(pid);
    if (session.disconnectedAt + windowMs < Date.now()) return null;
    const index = packets.findIndex((packet) => packet.offset === offset);
    if (index === -1) return null; // offset too old or from another process
    const missedPackets = packets
      .slice(index + 1)
      .filter(({ opts }) => reaches(session.rooms, opts))
      .map((packet) => packet.data);
    const { disconnectedAt: _disconnectedAt, ...rest } = session;
    return { ...rest, missedPackets };
  };

  const close = adapter.close.bind(adapter);
  adapter.close = () => {
    clearInterval(expireTimer);
    sessions.clear();
    packets = [];
    // The postgres adapter returns its LISTEN connection to the pool with the handler still attached;
    // detach it so a closed server stops reacting to notifications.
    (adapter as unknown as { client?: { client?: { removeAllListeners(event: string): void } } }).client?.client?.removeAllListeners('notification');
    close();
  };
}

function reaches(sessionRooms: string[], opts: BroadcastOptions): boolean {
  const included = opts.rooms.size === 0 || sessionRooms.some((room) => opts.rooms.has(room));
  const excluded = sessionRooms.some((room) => opts.except?.has(room));
  return included && !excluded;
}
