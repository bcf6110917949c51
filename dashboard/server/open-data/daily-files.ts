// Daily open data files: after each UTC day ends, every dataset of that day as CSV and JSON, kept in
// OPEN_DATA_DAILY_DIR/<yyyy-mm-dd>/<dataset>.<csv|json> and served at /api/open/daily (routes.ts). A
// periodic task of the api role writes them: the days since the newest one written (at most
// CATCH_UP_DAYS, so a server that was down over a weekend fills the gap), or yesterday on the first run,
// each once the day is EXPORT_DELAY_MS over (readings a gauge spooled through an outage arrive late).
// A day is written into a temporary directory and renamed into place: a day's directory that exists is
// complete, and two api processes sharing the directory cannot leave a half-written day behind.
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Database } from '@cityops/core/database/pool';
import type { DatabaseCapabilities } from '@cityops/core/database/capabilities';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import type { Config } from '@cityops/core/config';
import { PeriodicTask } from '@cityops/core/periodic-task';
import type { OpenDataMeta, Row } from './entity-type.ts';
import { readOnly } from './open-query.ts';
import { DATASETS, datasetCsv, datasetJson, MAX_FILE_ROWS, type Dataset } from './datasets.ts';

const DAY_MS = 86_400_000;
export const CATCH_UP_DAYS = 7;
export const EXPORT_DELAY_MS = 3_600_000;
const CHECK_INTERVAL_MS = 15 * 60_000;
export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export const DAILY_FORMATS = ['csv', 'json'] as const;

export interface DailyFilesDeps {
  db: Database;
  caps: DatabaseCapabilities;
  meta: OpenDataMeta;
  /** The directory holding one directory per day. */
  dir: string;
}

/** Where the days are kept: OPEN_DATA_DAILY_DIR, or DATA_DIR/open-data/daily. */
export const dailyDir = (config: Config) => (config.OPEN_DATA_DAILY_DIR ? path.resolve(config.OPEN_DATA_DAILY_DIR) : path.join(config.dataDir, 'open-data', 'daily'));

/** The datasets a day's files hold: those with a time range (every one, alerts as the day's raised ones). */
export const DAILY_DATASETS: Dataset[] = DATASETS.filter((dataset) => (dataset.dailyType ?? dataset.type).timeAttribute);

const dayStart = (day: string) => new Date(`${day}T00:00:00Z`);
const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/** Every row of a dataset in a range, a page at a time (a city's day of hourly counts can pass one file's cap). */
async function allRows(deps: DailyFilesDeps, dataset: Dataset, range: { from: Date; to: Date }): Promise<Row[]> {
  const source = dataset.dailyType ?? dataset.type;
  const rows: Row[] = [];
  for (;;) {
    const page = await readOnly(deps.db, deps.caps, source, { range, conditions: [], limit: MAX_FILE_ROWS, offset: rows.length, count: false });
    rows.push(...page.rows);
    if (page.rows.length < MAX_FILE_ROWS) return rows;
  }
}

/**
 * Writes one UTC day's files (`day` as yyyy-mm-dd), replacing that day's files if they exist. Returns the
 * day's directory. Exported for the tests, which call it for a fixed day instead of waiting for one.
 */
export async function exportDay(deps: DailyFilesDeps, day: string): Promise<string> {
  if (!DAY_PATTERN.test(day) || Number.isNaN(dayStart(day).getTime())) throw new Error(`not a day: ${day}`);
  const range = { from: dayStart(day), to: new Date(dayStart(day).getTime() + DAY_MS) };
  await mkdir(deps.dir, { recursive: true });
  const temporary = path.join(deps.dir, `.${day}.${process.pid}.${randomBytes(4).toString('hex')}`);
  await mkdir(temporary);
  try {
    for (const dataset of DAILY_DATASETS) {
      const rows = await allRows(deps, dataset, range);
      await writeFile(path.join(temporary, `${dataset.name}.csv`), datasetCsv(dataset, rows, deps.meta));
      await writeFile(path.join(temporary, `${dataset.name}.json`), JSON.stringify(datasetJson(dataset, rows, deps.meta, range)));
    }
    const target = path.join(deps.dir, day);
    // rename() cannot replace a non-empty directory: the old day moves aside first, then goes.
    const old = `${temporary}.old`;
    const replaced = await rename(target, old).then(() => true, () => false);
    await rename(temporary, target);
    if (replaced) await rm(old, { recursive: true, force: true });
    return target;
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

/** The days written so far, newest first. */
export async function exportedDays(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names.filter((name) => DAY_PATTERN.test(name)).sort().reverse();
}

/** The days that are over (by EXPORT_DELAY_MS) and not written yet; the first run writes only yesterday. */
export async function daysToExport(dir: string, now = new Date()): Promise<string[]> {
  const lastOver = dayOf(new Date(now.getTime() - EXPORT_DELAY_MS - DAY_MS));
  const newest = (await exportedDays(dir))[0];
  const days: string[] = [];
  for (let back = 0; back < CATCH_UP_DAYS; back++) {
    const day = dayOf(new Date(dayStart(lastOver).getTime() - back * DAY_MS));
    if (newest ? day <= newest : back > 0) break;
    days.unshift(day);
  }
  return days;
}

/** The api role's task writing the days as they end. */
export function createDailyExport(deps: DailyFilesDeps, logger: Logger, intervalMs = CHECK_INTERVAL_MS): Component {
  const task = new PeriodicTask(
    'open-data-daily-files',
    async () => {
      for (const day of await daysToExport(deps.dir)) {
        const written = await exportDay(deps, day);
        logger.info({ day, dir: written }, 'open data daily files written');
      }
    },
    logger,
    intervalMs,
  );
  let started: Promise<void> | undefined;
  return {
    name: 'open-data-daily-files',
    // Not awaited: a large city's day takes a while to write, and the API serves meanwhile.
    start: async () => {
      started = task.start();
    },
    stop: async () => {
      await started;
      await task.stop();
    },
  };
}

/** Size of a day's file, or undefined when it is not there. */
export async function dailyFileSize(dir: string, day: string, file: string): Promise<number | undefined> {
  return stat(path.join(dir, day, file)).then(
    (found) => (found.isFile() ? found.size : undefined),
    () => undefined,
  );
}
