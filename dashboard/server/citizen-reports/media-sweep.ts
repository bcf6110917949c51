// Files of the media store that no report names: a report refused after its files were written, or a
// crash between the write and the COMMIT. The api role looks hourly (every process: deleting a file twice
// is harmless) at the hour directories that ended more than an hour ago, each once per process: a file
// is an orphan only when its report has had an hour to reach the database, and nothing deletes a report
// later (so an hour once swept stays clean). A restarted process sweeps the last week's hours again once:
// orphans are made at write time, so older hours were swept when they were new, and a city's years of
// photos are not read again at every start.
import type { Database } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { hourDirectoryOf, type MediaStore } from '@cityops/core/media-store';
import { counter } from '@cityops/core/metrics';
import { PeriodicTask } from '@cityops/core/periodic-task';
import { referencedMediaFiles } from './repository.ts';

const deleted = counter('cityops_report_media_orphans_deleted_total', 'report photo and clip files deleted because no report names them');

/** A file this long after its hour ended without a row is an orphan. */
export const ORPHAN_AGE_MS = 3_600_000;
/** Hours further back than this are not swept again by a process that starts. */
const SWEEP_BACK_MS = 7 * 86_400_000;
/** Names looked up in one statement. */
const BATCH = 1000;

/** Deletes the orphans of the hours not in `swept` (and adds those hours to it); answers how many. */
export async function deleteOrphanMedia(db: Database, store: MediaStore, swept = new Set<string>(), minAgeMs = ORPHAN_AGE_MS): Promise<number> {
  let count = 0;
  for await (const { hour, names } of store.hoursOlderThan(minAgeMs)) {
    if (swept.has(hour) || hour < hourDirectoryOf(new Date(Date.now() - SWEEP_BACK_MS))) continue;
    for (let at = 0; at < names.length; at += BATCH) {
      const batch = names.slice(at, at + BATCH);
      const kept = await referencedMediaFiles(db, batch);
      const orphans = batch.filter((name) => !kept.has(name));
      await store.remove(orphans);
      count += orphans.length;
    }
    swept.add(hour);
  }
  deleted.inc(count);
  return count;
}

export function createMediaSweep(db: Database, store: MediaStore, logger: Logger, intervalMs = 3_600_000): Component {
  const swept = new Set<string>();
  const task = new PeriodicTask('report-media-sweep', () => deleteOrphanMedia(db, store, swept), logger, intervalMs, 10_000);
  return { name: 'report-media-sweep', start: () => task.start(), stop: () => task.stop() };
}
