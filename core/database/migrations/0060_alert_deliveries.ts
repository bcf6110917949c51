// Idempotent raises from the durable alert outbox (core/alerts/outbox.ts). Each queued raise carries a
// delivery id; the raise statement records it with the alert it produced, and a resend of the same id
// (the process died after the commit but before it forgot the entry, or the answer was lost) raises
// nothing: it answers with the alert the first delivery produced. The primary key is the guarantee.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE alert_deliveries (
      id uuid PRIMARY KEY,
      alert_id bigint NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
      at timestamptz NOT NULL DEFAULT now()
    );
  `);
}
