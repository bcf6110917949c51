// Hourly deletion of rows that only matter for a while: sessions idle past the timeout (they are refused
// anyway; this keeps the table small), idempotency keys of alert actions and delivery ids of outbox
// raises past their retention.
// Every process may run it at once: the deletes are idempotent.
import { deleteExpiredActionRequests } from '../alerts/lifecycle.ts';
import { deleteExpiredAlertDeliveries } from '../alerts/raise.ts';
import { deleteExpiredSessions } from '../auth/sessions.ts';
import type { Logger } from '../logger.ts';
import { PeriodicTask } from '../periodic-task.ts';
import type { Database } from './pool.ts';

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
