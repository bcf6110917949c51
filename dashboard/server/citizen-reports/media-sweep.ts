// Files of the media store that no report names: a report refused after its files were written, a crash
// between the write and the COMMIT, or a report deleted with its incident. The api role looks hourly
// (every process: deleting a file twice is harmless). A file younger than an hour is left alone: its
// report may still be on its way into the database.
import type { Database } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import type { MediaStore } from '@cityops/core/media-store';
import { counter } from '@cityops/core/metrics';
import { PeriodicTask } from '@cityops/core/periodic-task';
import { referencedMediaFiles } from './repository.ts';

const deleted = counter('cityops_report_media_orphans_deleted_total', 'report photo and clip files deleted because no report names them');

/** Files written this long ago without a row are orphans. */
export const ORPHAN_AGE_MS = 3_600_000;

export async function deleteOrphanMedia(db: Database, store: MediaStore, minAgeMs = ORPHAN_AGE_MS): Promise<number> {
  let count = 0;
  for await (const names of store.namesOlderThan(minAgeMs)) {
    const kept = await referencedMediaFiles(db, names);
    const orphans = names.filter((name) => !kept.has(name));
    await store.remove(orphans);
    count += orphans.length;
  }
  deleted.inc(count);
  return count;
}

export function createMediaSweep(db: Database, store: MediaStore, logger: Logger, intervalMs = 3_600_000): Component {
  const task = new PeriodicTask('report-media-sweep', () => deleteOrphanMedia(db, store), logger, intervalMs, 10_000);
  return { name: 'report-media-sweep', start: () => task.start(), stop: () => task.stop() };
}
