// LISTEN on PostgreSQL channels with a dedicated connection that comes back by itself after the
// database restarts. Slot changes and wake-ups travel this way between roles on any machine.
import type pg from 'pg';
import type { Database } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';

/** The scheduler wrote new assignments: camera-ingest refreshes its slot set, workers claim. */
export const SLOTS_CHANGED_CHANNEL = 'cityops_slots';
/** Something the scheduler should look at now (a stream died, a pin, a new alert). */
export const SLOTS_WAKE_CHANNEL = 'cityops_slots_wake';

export class NotificationListener implements Component {
  readonly name = 'notification-listener';
  private client?: pg.PoolClient;
  private retryTimer?: NodeJS.Timeout;
  private stopped = true;

  constructor(
    private readonly db: Database,
    private readonly channels: string[],
    private readonly onNotify: (channel: string, payload: string) => void,
    private readonly logger: Logger,
    private readonly retryMs = 2000,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  private async connect(): Promise<void> {
    try {
      const client = await this.db.connect();
      client.on('notification', (message) => this.onNotify(message.channel, message.payload ?? ''));
      client.on('error', (error: Error) => this.lost(client, error));
      for (const channel of this.channels) await client.query(`LISTEN "${channel}"`);
      this.client = client;
      if (this.stopped) await this.closeClient();
    } catch (error) {
      if (this.stopped) return;
      this.logger.warn({ err: error, channels: this.channels }, 'cannot LISTEN yet, retrying');
      this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    }
  }

  private lost(client: pg.PoolClient, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    client.removeAllListeners('error');
    client.release(error);
    if (this.stopped) return;
    this.logger.warn({ err: error }, 'LISTEN connection lost, reconnecting');
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners('notification');
    client.removeAllListeners('error');
    try {
      await client.query('UNLISTEN *');
      client.release();
    } catch (error) {
      client.release(error as Error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.closeClient();
  }
}
