// Keeps plain-PostgreSQL daily partitions ahead of time and drops expired ones, hourly.
// On TimescaleDB the extension's own background jobs do this and the component is idle.
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import type { DatabaseCapabilities } from './capabilities.ts';
import { withTransaction, type Database } from './pool.ts';
import { maintainPartitions } from './time-series.ts';

export class PartitionMaintainer implements Component {
  readonly name = 'partition-maintainer';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly caps: DatabaseCapabilities,
    private readonly logger: Logger,
    private readonly intervalMs = 3_600_000,
  ) {}

  async start(): Promise<void> {
    if (this.caps.timescale) return;
    await this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  async runOnce(now = new Date()): Promise<void> {
    try {
      await withTransaction(this.db, (client) => maintainPartitions(client, this.caps, now));
    } catch (error) {
      this.logger.error({ err: error }, 'partition maintenance failed; will retry next hour');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }
}
