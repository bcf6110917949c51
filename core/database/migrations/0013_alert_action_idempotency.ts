// Idempotent alert actions. A phone on a weak link resends an action whose answer it never got (the
// field outbox, dashboard/web/src/field/outbox.ts); the resend carries the same client-generated
// Idempotency-Key, and this table makes the second one a replay of the first: the same event back,
// no second state change, note, photo or audit row. The primary key is the guarantee, not a check
// in the code: two copies racing each other cannot both be recorded.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE alert_action_requests (
      user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      idempotency_key text NOT NULL,
      alert_id bigint NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
      action text NOT NULL,
      -- The alert_events row the first request recorded (what a replay answers with).
      event_id bigint NOT NULL REFERENCES alert_events(id) ON DELETE CASCADE,
      at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, idempotency_key)
    );
  `);
}
