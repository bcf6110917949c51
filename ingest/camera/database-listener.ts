// A PostgreSQL LISTEN that survives the database: one dedicated connection; when it is lost (restart,
// network, failover) or cannot be opened, it is opened again with backoff (1 s … 30 s), and the owner
// is told once it is back, because notifications sent while nobody listened are gone: the owner
// catches up from the tables (what a notification only hints at).
// (analytics/slots/notifications.ts does the same for the slot channels, without the catch-up call.)
import type pg from 'pg';
import type { Database } from '@cityops/core/database/pool';
import { backoffMs, type Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { FailureStreak } from './failures.ts';

export interface DatabaseListenerOptions {
  db: Database;
  /** Plain identifiers (constants of this code base), never input. */
  channels: string[];
  logger: Logger;
  onNotification: (channel: string, payload: string) => void;
  /** The connection is back after it was lost or could not be opened: notifications may be missing. */
  onReconnected: () => void;
}

export class DatabaseListener implements Component {
  readonly name: string;
  private client?: pg.PoolClient;
  private retryTimer?: NodeJS.Timeout;
  private attempt = 0;
  private missedNotifications = false;
  private stopped = true;
  private readonly failures: FailureStreak;

  constructor(private readonly options: DatabaseListenerOptions) {
    this.name = `listen:${options.channels.join(',')}`;
    this.failures = new FailureStreak('listen', `LISTEN ${options.channels.join(', ')}`, options.logger);
  }

  /** Listening when it resolves, or retrying in the background when the database is away. */
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
      await client.query(`UNLISTEN *`);
      client.release();
    } catch (error) {
      client.release(error as Error);
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let client: pg.PoolClient | undefined;
    try {
      client = await this.options.db.connect();
      const opened = client;
      opened.on('notification', (message) => this.options.onNotification(message.channel, message.payload ?? ''));
      opened.on('error', (error) => this.lost(opened, error));
      opened.on('end', () => this.lost(opened, new Error('the LISTEN connection ended')));
      for (const channel of this.options.channels) await opened.query(`LISTEN ${channel}`);
    } catch (error) {
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
    this.failures.succeeded();
    if (this.missedNotifications) {
      this.missedNotifications = false;
      this.options.onReconnected();
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
    this.failures.failed(error, { channels: this.options.channels });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), backoffMs(this.attempt++, 1000, 30_000));
  }
}
