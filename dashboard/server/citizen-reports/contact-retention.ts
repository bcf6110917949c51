// A resident's phone number or e-mail is kept only while someone may need to call back: it is deleted
// REPORT_CONTACT_DAYS after the report's incident was resolved or closed, or after the report was
// rejected. The api role runs this hourly (every process: the UPDATE is idempotent).
import type { Database } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { counter } from '@cityops/core/metrics';
import { PeriodicTask } from '@cityops/core/periodic-task';
import { wipeOldContacts } from './repository.ts';

const wiped = counter('cityops_citizen_report_contacts_deleted_total', 'residents\' contact details deleted after REPORT_CONTACT_DAYS');

export async function deleteExpiredContacts(db: Database, days: number): Promise<number> {
  const count = await wipeOldContacts(db, days);
  wiped.inc(count);
  return count;
}

export function createContactRetention(db: Database, logger: Logger, days: number, intervalMs = 3_600_000): Component {
  const task = new PeriodicTask('report-contact-retention', () => deleteExpiredContacts(db, days), logger, intervalMs, 10_000);
  return { name: 'report-contact-retention', start: () => task.start(), stop: () => task.stop() };
}
