// An operator's verdict on a resolved alert: a false alarm, and why (contract/alerts.ts
// FALSE_ALARM_REASONS). Precision per camera, rule and hour is counted from these columns.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    ALTER TABLE alerts ADD COLUMN false_alarm_reason text
      CHECK (false_alarm_reason IN ('normal_here', 'wrong_object', 'duplicate', 'device_fault', 'test', 'other'));
    CREATE INDEX alerts_resolved_at_idx ON alerts (resolved_at) WHERE resolved_at IS NOT NULL;
  `);
}
