// Keeps plain-PostgreSQL daily partitions ahead of time and drops expired ones, hourly.
// On TimescaleDB the extension's own background jobs do this and the task is not started.
import type { Logger } from '../logger.ts';
import { PeriodicTask } from '../periodic-task.ts';
import type { DatabaseCapabilities } from './capabilities.ts';
import { withTransaction, type Database } from './pool.ts';
import { maintainPartitions } from './time-series.ts';

export async function partitionMaintainer(db: Database, caps: DatabaseCapabilities, logger: Logger): Promise<PeriodicTask<void> | undefined> {
  if (caps.timescale) return undefined;
  // Creating, attaching and dropping partitions needs the tables' owner (or a member of it). A process
  // connected only as the application role leaves this to a process that has DATABASE_OWNER_URL.
  const { rows } = await db.query<{ owner: boolean }>(
    `SELECT coalesce(bool_and(pg_has_role(current_user, c.relowner, 'USAGE')), true) AS owner
     FROM time_series_tables t JOIN pg_class c ON c.oid = to_regclass(t.name)`,
  );
  if (!rows[0].owner) {
    logger.info('partition maintenance left to a process with DATABASE_OWNER_URL (this connection does not own the time-series tables)');
    return undefined;
  }
  return new PeriodicTask('partition-maintainer', () => withTransaction(db, (client) => maintainPartitions(client, caps, new Date())), logger);
}
