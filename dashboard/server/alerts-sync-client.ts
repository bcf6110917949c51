// The client side of the alerts live protocol (REALTIME.md, "Never missing an alert"), with no UI:
// keeps the alerts a user may see and the cursor, buffers live events until the connection's sync
// has been applied, replays by cursor after long absences. The dashboard, the tests and the
// benchmark all use it.
//
//   const feed = new AlertSyncClient();
//   const socket = io(url, { auth: feed.auth });
//   feed.attach(socket);
//   feed.onChange((change) => render(feed.alerts));
import type { AlertEventMessage, AlertRemovedMessage, AlertsSync } from '@cityops/core/alerts/changes';
import type { AlertView } from '@cityops/core/alerts/view';

/** The part of a socket.io-client Socket the feed uses. */
export interface SyncSocket {
  readonly recovered: boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener?: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
}

export type AlertFeedChange =
  | { type: 'sync'; sync: AlertsSync }
  | { type: 'event'; event: AlertEventMessage; receivedAt: number }
  | { type: 'removed'; event: AlertRemovedMessage };

type Pending = { kind: 'event'; payload: AlertEventMessage; receivedAt: number } | { kind: 'removed'; payload: AlertRemovedMessage };

export class AlertSyncClient {
  readonly alerts = new Map<number, AlertView>();
  /** Highest eventId applied; 0 before the first sync. */
  cursor = 0;
  /** True once a sync has been applied on the current connection. */
  synced = false;
  private everSynced = false;
  private buffer: Pending[] = [];
  private listeners: ((change: AlertFeedChange) => void)[] = [];
  private detach?: () => void;

  /** socket.io-client `auth` option: sends the cursor on every (re)connect once there is one. */
  readonly auth = (callback: (data: object) => void) => callback(this.everSynced ? { alertsCursor: this.cursor } : {});

  onChange(listener: (change: AlertFeedChange) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((candidate) => candidate !== listener));
  }

  attach(socket: SyncSocket): void {
    const onEvent = (payload: AlertEventMessage) => this.receive({ kind: 'event', payload, receivedAt: Date.now() });
    const onRemoved = (payload: AlertRemovedMessage) => this.receive({ kind: 'removed', payload });
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
        socket.emit('alerts:sync', {}, (answer: AlertsSync | { error: unknown }) => {
          if ('mode' in answer) this.applySync(answer);
          else if (attempt < 5) setTimeout(() => request(attempt + 1), 1000 * (attempt + 1));
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

  private receive(pending: Pending): void {
    if (this.synced) this.apply(pending);
    else this.buffer.push(pending);
  }

  private applySync(sync: AlertsSync): void {
    if (sync.mode === 'snapshot') {
      this.alerts.clear();
      for (const alert of sync.alerts) this.alerts.set(alert.id, alert);
      this.cursor = sync.cursor;
    } else {
      for (const event of sync.events) {
        if ('alert' in event) this.apply({ kind: 'event', payload: event, receivedAt: Date.now() }, false);
        else this.apply({ kind: 'removed', payload: event }, false);
      }
      this.cursor = Math.max(this.cursor, sync.cursor);
    }
    this.emit({ type: 'sync', sync });
    this.flush();
  }

  private flush(): void {
    this.synced = true;
    this.everSynced = true;
    const pending = this.buffer;
    this.buffer = [];
    for (const item of pending) this.apply(item);
  }

  private apply(item: Pending, notify = true): void {
    if (item.payload.eventId <= this.cursor) return; // already applied (sync and live overlap)
    this.cursor = item.payload.eventId;
    if (item.kind === 'event') {
      const { alert } = item.payload;
      if (alert.state === 'closed') this.alerts.delete(alert.id);
      else this.alerts.set(alert.id, alert);
      if (notify) this.emit({ type: 'event', event: item.payload, receivedAt: item.receivedAt });
    } else {
      this.alerts.delete(item.payload.alertId);
      if (notify) this.emit({ type: 'removed', event: item.payload });
    }
  }

  private emit(change: AlertFeedChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
