// The client side of the alerts live protocol (dashboard/server/REALTIME.md, "Never missing an alert"),
// with no UI: keeps the alerts a user may see and the cursor, buffers live events until the
// connection's sync has been applied, replays by cursor after long absences. The dashboard's live
// store runs it; the tests and the benchmark use the same one.
//
//   const feed = new AlertSyncClient();
//   const socket = io(url, { auth: feed.auth });
//   feed.attach(socket);
//   feed.onChange((change) => render(feed.alerts));
import type { AlertEventMessage, AlertRemovedMessage, AlertsSync, AlertView } from './alerts.ts';
import type { AlertsSyncAnswer, AlertsSyncRequest, HandshakeAuth } from './socket-events.ts';

type FeedEvent = 'alert:event' | 'alert:removed' | 'alerts:sync' | 'alerts:stale' | 'connect' | 'disconnect';

/** The part of a socket.io-client Socket the feed uses (a `Socket<ServerToClientEvents, ClientToServerEvents>`). */
export interface SyncSocket {
  readonly recovered: boolean;
  on(event: FeedEvent, listener: (...args: never[]) => void): unknown;
  off(event: FeedEvent, listener?: (...args: never[]) => void): unknown;
  emit(event: 'alerts:sync', request: AlertsSyncRequest, ack: (answer: AlertsSyncAnswer) => void): unknown;
}

export type AlertFeedChange =
  /** `previous`: the alerts held before a snapshot replaced them (the same map after a replay). */
  | { type: 'sync'; sync: AlertsSync; previous: ReadonlyMap<number, AlertView> }
  /** `previous`: the alert as held before this event; `replayed`: it came in a replay, not live. */
  | { type: 'event'; event: AlertEventMessage; previous: AlertView | undefined; receivedAt: number; replayed: boolean }
  | { type: 'removed'; event: AlertRemovedMessage };

type Pending = { kind: 'event'; payload: AlertEventMessage; receivedAt: number } | { kind: 'removed'; payload: AlertRemovedMessage };

const STALE_RETRIES = 5;

export class AlertSyncClient {
  /** The alerts this user may see, closed ones left out. A snapshot replaces the map. */
  alerts = new Map<number, AlertView>();
  /** Highest eventId applied; 0 before the first sync. */
  cursor = 0;
  /** True once a sync has been applied on the current connection. */
  synced = false;
  private everSynced = false;
  private buffer: Pending[] = [];
  private listeners: ((change: AlertFeedChange) => void)[] = [];
  private detach?: () => void;

  /** socket.io-client `auth` option: sends the cursor on every (re)connect once there is one. */
  readonly auth = (callback: (data: HandshakeAuth) => void) => callback(this.everSynced ? { alertsCursor: this.cursor } : {});

  onChange(listener: (change: AlertFeedChange) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((candidate) => candidate !== listener));
  }

  attach(socket: SyncSocket): void {
    const onEvent = (payload: AlertEventMessage) => this.receive(payload);
    const onRemoved = (payload: AlertRemovedMessage) => this.receive(payload);
    const onSync = (sync: AlertsSync) => this.applySync(sync);
    const onConnect = () => {
      // Recovered by socket.io: the missed events were delivered (and buffered) before `connect`.
      if (socket.recovered && this.everSynced) this.flush();
    };
    const onDisconnect = () => {
      this.synced = false;
      this.buffer = [];
    };
    const onStale = () => {
      this.synced = false;
      const request = (attempt: number) =>
        socket.emit('alerts:sync', {}, (answer: AlertsSyncAnswer) => {
          if ('mode' in answer) this.applySync(answer);
          else if (attempt < STALE_RETRIES) setTimeout(() => request(attempt + 1), 1000 * (attempt + 1));
        });
      request(0);
    };
    socket.on('alert:event', onEvent);
    socket.on('alert:removed', onRemoved);
    socket.on('alerts:sync', onSync);
    socket.on('alerts:stale', onStale);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    this.detach = () => {
      socket.off('alert:event', onEvent);
      socket.off('alert:removed', onRemoved);
      socket.off('alerts:sync', onSync);
      socket.off('alerts:stale', onStale);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
    };
  }

  stop(): void {
    this.detach?.();
  }

  /** A live `alert:event` or `alert:removed`: applied now once synced, held until the sync otherwise. */
  receive(message: AlertEventMessage | AlertRemovedMessage): void {
    const pending: Pending = 'alert' in message ? { kind: 'event', payload: message, receivedAt: Date.now() } : { kind: 'removed', payload: message };
    if (this.synced) this.apply(pending);
    else this.buffer.push(pending);
  }

  /** An `alerts:sync` from the server, or a snapshot the caller built itself (e.g. over REST). */
  applySync(sync: AlertsSync): void {
    const previous = this.alerts;
    if (sync.mode === 'snapshot') {
      this.alerts = new Map();
      for (const alert of sync.alerts) if (alert.state !== 'closed') this.alerts.set(alert.id, alert);
      this.cursor = sync.cursor;
    } else {
      for (const event of sync.events) {
        if ('alert' in event) this.apply({ kind: 'event', payload: event, receivedAt: Date.now() }, true);
        else this.apply({ kind: 'removed', payload: event }, true);
      }
      this.cursor = Math.max(this.cursor, sync.cursor);
    }
    this.emit({ type: 'sync', sync, previous });
    this.flush();
  }

  /**
   * An alert an action answered with. The cursor is not moved: events of other alerts before this
   * one may still be on their way. A copy older than the one held is ignored (returns false).
   */
  upsert(alert: AlertView): boolean {
    const held = this.alerts.get(alert.id);
    if (held && held.lastEventId > alert.lastEventId) return false;
    if (alert.state === 'closed') this.alerts.delete(alert.id);
    else this.alerts.set(alert.id, alert);
    return true;
  }

  private flush(): void {
    this.synced = true;
    this.everSynced = true;
    const pending = this.buffer;
    this.buffer = [];
    for (const item of pending) this.apply(item);
  }

  private apply(item: Pending, replayed = false): void {
    if (item.payload.eventId <= this.cursor) return; // already applied (sync and live overlap)
    this.cursor = item.payload.eventId;
    if (item.kind === 'event') {
      const { alert } = item.payload;
      const previous = this.alerts.get(alert.id);
      if (alert.state === 'closed') this.alerts.delete(alert.id);
      // A newer copy from an action's answer (upsert) is kept over an older event.
      else if (!previous || previous.lastEventId <= alert.lastEventId) this.alerts.set(alert.id, alert);
      this.emit({ type: 'event', event: item.payload, previous, receivedAt: item.receivedAt, replayed });
    } else {
      this.alerts.delete(item.payload.alertId);
      this.emit({ type: 'removed', event: item.payload });
    }
  }

  private emit(change: AlertFeedChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
