// Making reports: on demand (routes.ts) and on schedule. The api role's periodic task makes, after
// midnight city time, the daily report of the day before and the weekly report of the week before (the
// latter first appears on Monday), in Vietnamese and in English. Every api process runs the task: a
// transaction-scoped advisory lock lets one process at a time make them, and the unique key of
// leader_reports (kind, language, period) stores each period once even if two got past the lock.
import type { Database, Queryable } from '@cityops/core/database/pool';
import { withTransaction } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { recordAudit, systemActor } from '@cityops/core/audit';
import { PeriodicTask } from '@cityops/core/periodic-task';
import { REPORT_LANGUAGES, type LeaderReport, type ReportLanguage } from '@cityops/contract/leader-reports';
import { lastClosedPeriods, type ReportPeriod } from './period.ts';
import { assembleReport } from './report-data.ts';
import { reportCsv } from './report-csv.ts';
import { reportPdf } from './report-pdf.ts';
import { reportExists, saveReportOnce } from './repository.ts';

/** Half an hour after midnight: readings a gauge spooled through a short outage have arrived by then. */
export const SCHEDULE_DELAY_MS = 30 * 60_000;
const CHECK_INTERVAL_MS = 15 * 60_000;
/** 'lrep' in ASCII: the advisory lock of the schedule's pass. */
const SCHEDULE_LOCK_KEY = 0x6c726570;

/** The PDF and the CSV of a period in a language. */
export async function makeReportFiles(db: Queryable, period: ReportPeriod, language: ReportLanguage, now = new Date()): Promise<{ pdf: Buffer; csv: Buffer }> {
  const data = await assembleReport(db, period, language, now);
  return { pdf: await reportPdf(data), csv: reportCsv(data) };
}

/**
 * One pass of the schedule at `now`: makes the reports of the last closed day and week that are not
 * stored yet. Returns those it made (none when another process holds the pass).
 */
export async function runReportSchedule(db: Database, now = new Date()): Promise<LeaderReport[]> {
  return withTransaction(db, async (tx) => {
    const lock = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [SCHEDULE_LOCK_KEY]);
    if (!lock.rows[0].locked) return [];
    const made: LeaderReport[] = [];
    for (const period of lastClosedPeriods(new Date(now.getTime() - SCHEDULE_DELAY_MS))) {
      for (const language of REPORT_LANGUAGES) {
        if (await reportExists(tx, period.kind, language, period.from)) continue;
        const files = await makeReportFiles(tx, period, language, now);
        const saved = await saveReportOnce(tx, { kind: period.kind, language, from: period.from, to: period.to, createdBy: null, ...files });
        if (!saved) continue;
        await recordAudit(tx, systemActor('leader-reports'), { action: 'generate', entityType: 'leader_report', entityId: String(saved.id), details: { kind: saved.kind, language, day: saved.day } });
        made.push(saved);
      }
    }
    return made;
  });
}

export function createReportSchedule(db: Database, logger: Logger, intervalMs = CHECK_INTERVAL_MS): Component {
  const task = new PeriodicTask(
    'leader-reports',
    async () => {
      for (const report of await runReportSchedule(db)) logger.info({ id: report.id, kind: report.kind, language: report.language, day: report.day }, 'leader report made');
    },
    logger,
    intervalMs,
  );
  let started: Promise<void> | undefined;
  return {
    name: 'leader-reports',
    // Not awaited: making a week's reports takes a few seconds, and the API serves meanwhile.
    start: async () => {
      started = task.start();
    },
    stop: async () => {
      await started;
      await task.stop();
    },
  };
}
