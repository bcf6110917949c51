// Hourly deletion of rows that only matter for a while: sessions idle past the timeout (they are refused
// anyway; this keeps the table small), Idempotency-Keys of requests and delivery ids of outbox
// raises past their retention.
// Every process may run it at once: the deletes are idempotent.
import { deleteExpiredAlertDeliveries } from '../alerts/raise.ts';
import { deleteExpiredSessions } from '../auth/sessions.ts';
import type { Logger } from '../logger.ts';
import { PeriodicTask } from '../periodic-task.ts';
import type { Database, Queryable } from './pool.ts';

/** How long a resend of a request is recognised (the Idempotency-Key of state-changing routes,
 *  dashboard/server/idempotency.ts). A phone's outbox (dashboard/web/src/field/outbox.ts) retries at least
 *  every 5 minutes while online, so only a phone away for over a week could resend after this; a state
 *  change would then be refused as a conflict, a note stored twice. */
const IDEMPOTENCY_KEY_RETENTION_DAYS = 7;

/** Forgets Idempotency-Keys older than the retention. Here rather than beside the routes that record
 *  them: every process runs the housekeeping, and core imports no feature folder. */
async function deleteExpiredActionRequests(db: Queryable, retentionDays = IDEMPOTENCY_KEY_RETENTION_DAYS): Promise<number> {
  const result = await db.query(`DELETE FROM idempotent_requests WHERE at < now() - make_interval(days => $1)`, [retentionDays]);
  return result.rowCount ?? 0;
}

export function housekeeping(db: Database, sessionIdleMinutes: number, logger: Logger): PeriodicTask<{ sessions: number; actionRequests: number; alertDeliveries: number }> {
  return new PeriodicTask(
    'housekeeping',
    async () => {
      const sessions = await deleteExpiredSessions(db, sessionIdleMinutes);
      const actionRequests = await deleteExpiredActionRequests(db);
      const alertDeliveries = await deleteExpiredAlertDeliveries(db);
      if (sessions || actionRequests || alertDeliveries) logger.info({ sessions, actionRequests, alertDeliveries }, 'housekeeping deleted expired rows');
      return { sessions, actionRequests, alertDeliveries };
    },
    logger,
  );
}
