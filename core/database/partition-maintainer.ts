// Keeps plain-PostgreSQL daily partitions ahead of time and drops expired ones, hourly.
// On TimescaleDB the extension's own background jobs do this and the task is not started.
import type { Logger } from '../logger.ts';
import { PeriodicTask } from '../periodic-task.ts';
import type { DatabaseCapabilities } from './capabilities.ts';
import { withTransaction, type Database } from './pool.ts';
import { maintainPartitions } from './time-series.ts';

export function partitionMaintainer(db: Database, caps: DatabaseCapabilities, logger: Logger): PeriodicTask<void> | undefined {
  if (caps.timescale) return undefined;
  return new PeriodicTask('partition-maintainer', () => withTransaction(db, (client) => maintainPartitions(client, caps, new Date())), logger);
}
