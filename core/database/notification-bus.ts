// PostgreSQL LISTEN/NOTIFY with typed channels. A channel is a name and the way its payload is read;
// a bus holds one dedicated connection that LISTENs on the channels subscribed to. When that
// connection is lost (restart, network, failover, a terminated backend) or cannot be opened, it is
// opened again with backoff and LISTENs again; the owner is told, because notifications sent while
// nobody listened are gone and only the tables can say what was missed. A payload that cannot be
// read is logged and counted, never thrown: one foreign sender must not stop the listener.
import type pg from 'pg';
import type { z } from 'zod';
import { backoffMs, type Component } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import { counter } from '../metrics.ts';
import type { Database, Queryable } from './pool.ts';

const badPayloads = counter('cityops_notification_bad_payloads_total', 'NOTIFY payloads a listener could not read, by channel', ['channel']);

export interface NotificationChannel<T> {
  /** A plain lower-case identifier: it is written into LISTEN as is. */
  readonly name: string;
  /** Reads a payload; throws when it is not one of this channel's. */
  parse(payload: string): T;
  serialize(value: T): string;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;

function checkedName(name: string): string {
  if (!CHANNEL_NAME.test(name)) throw new Error(`notification channel name must be a plain identifier: ${name}`);
  return name;
}

/** A channel whose payload is JSON of the given shape. */
export function jsonChannel<T>(name: string, schema: z.ZodType<T>): NotificationChannel<T> {
  return { name: checkedName(name), parse: (payload) => schema.parse(JSON.parse(payload)), serialize: (value) => JSON.stringify(value) };
}

/** A channel whose payload is free text (or only the notification itself matters). */
export function textChannel(name: string): NotificationChannel<string> {
  return { name: checkedName(name), parse: (payload) => payload, serialize: (value) => value };
}

/** Sends a notification; inside a transaction it is delivered at commit. */
export async function notify<T>(db: Queryable, channel: NotificationChannel<T>, value: T): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [channel.name, channel.serialize(value)]);
}

export interface NotificationBusOptions {
  db: Database;
  logger: Logger;
  /** Names the bus in logs and as a lifecycle component. */
  name: string;
  /** Reconnect backoff: the first retry after `retryMinMs`, doubling up to `retryMaxMs`. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** The connection was lost or could not be opened (each attempt). Without it the bus logs the first of a streak. */
  onFailure?: (error: unknown) => void;
  /** Listening on every channel (at start, and after each reconnect). */
  onListening?: () => void;
  /** Listening again after the connection was lost or could not be opened: notifications may be missing. */
  onReconnected?: () => void;
}

type Subscription = { channel: NotificationChannel<unknown>; handle: (value: unknown) => void };

export class NotificationBus implements Component {
  readonly name: string;
  private readonly subscriptions: Subscription[] = [];
  private client?: pg.PoolClient;
  private retryTimer?: NodeJS.Timeout;
  private attempt = 0;
  private failures = 0;
  private missedNotifications = false;
  private stopped = true;
  private badPayloadCount = 0;

  constructor(private readonly options: NotificationBusOptions) {
    this.name = options.name;
  }

  /** Delivers each readable payload on `channel` to `handle`. Subscribe before start. */
  on<T>(channel: NotificationChannel<T>, handle: (value: T) => void): this {
    this.subscriptions.push({ channel, handle: handle as (value: unknown) => void });
    return this;
  }

  /** Payloads that could not be read since this bus was made. */
  get badPayloads(): number {
    return this.badPayloadCount;
  }

  /** Whether the connection is open and LISTENing now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Listening when it resolves, or retrying in the background while the database is away. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners('notification');
    try {
      await client.query('UNLISTEN *');
      client.release();
    } catch (error) {
      client.release(error as Error);
    }
  }

  private channelNames(): string[] {
    return [...new Set(this.subscriptions.map((subscription) => subscription.channel.name))];
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let client: pg.PoolClient | undefined;
    try {
      client = await this.options.db.connect();
      const opened = client;
      opened.on('notification', (message) => this.deliver(message.channel, message.payload ?? ''));
      opened.on('error', (error) => this.lost(opened, error));
      opened.on('end', () => this.lost(opened, new Error('the LISTEN connection ended')));
      for (const name of this.channelNames()) await opened.query(`LISTEN ${name}`);
    } catch (error) {
      // The 'error' handler stays attached: a late error event on a broken client must not go unhandled.
      client?.removeAllListeners('notification');
      client?.release(error as Error);
      this.retry(error);
      return;
    }
    if (this.stopped) {
      client.removeAllListeners('notification');
      client.release(true);
      return;
    }
    this.client = client;
    this.attempt = 0;
    if (this.failures && !this.options.onFailure) this.options.logger.info({ bus: this.name, failures: this.failures }, 'LISTEN works again');
    this.failures = 0;
    this.options.onListening?.();
    if (this.missedNotifications) {
      this.missedNotifications = false;
      this.options.onReconnected?.();
    }
  }

  private deliver(channelName: string, payload: string): void {
    for (const { channel, handle } of this.subscriptions) {
      if (channel.name !== channelName) continue;
      let value: unknown;
      try {
        value = channel.parse(payload);
      } catch (error) {
        this.badPayloadCount++;
        badPayloads.inc({ channel: channelName });
        this.options.logger.warn({ err: error, bus: this.name, channel: channelName, payload: payload.slice(0, 200) }, 'ignored a notification whose payload could not be read');
        continue;
      }
      try {
        handle(value);
      } catch (error) {
        this.options.logger.error({ err: error, bus: this.name, channel: channelName }, 'a notification handler failed');
      }
    }
  }

  private lost(client: pg.PoolClient, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    client.release(error);
    if (!this.stopped) this.retry(error);
  }

  private retry(error: unknown): void {
    if (this.stopped) return;
    this.missedNotifications = true;
    if (this.options.onFailure) this.options.onFailure(error);
    else if (this.failures === 0) this.options.logger.warn({ err: error, bus: this.name, channels: this.channelNames() }, 'LISTEN connection lost or cannot be opened; retrying');
    this.failures++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), backoffMs(this.attempt++, this.options.retryMinMs ?? 1000, this.options.retryMaxMs ?? 30_000));
  }
}
