// Agencies that take an incident as an OASIS CAP 1.2 message POSTed to their URL (delivery `cap`,
// dashboard/server/incidents/incident-cap.ts). The URL is kept like a webhook's: encrypted, in
// webhook_url_encrypted, and required for either delivery.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  // The names PostgreSQL gave 0072's unnamed checks: the column's, then the first two-column one.
  await db.query(`
    ALTER TABLE agencies
      DROP CONSTRAINT agencies_delivery_check,
      DROP CONSTRAINT agencies_check,
      ADD CONSTRAINT agencies_delivery_check CHECK (delivery IN ('team', 'webhook', 'mqtt', 'cap')),
      ADD CONSTRAINT agencies_url_check CHECK (delivery NOT IN ('webhook', 'cap') OR webhook_url_encrypted IS NOT NULL);
  `);
}
