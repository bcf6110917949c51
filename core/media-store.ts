// Files that belong to database rows but are too large to live in them: residents' photos and clips.
// A 380 kB photo stored as `bytea` cost PostgreSQL more CPU (TOAST, WAL) than everything else a report
// does; written here it is one write and one fsync. The row keeps the file's name, relative to the store's
// directory, so a restored or moved directory needs no rewrite of the rows.
//
// Durability follows the row: `put` returns only once the file and its directory entry are on disk, and
// the caller commits the row naming it afterwards. A file whose row never committed (a refused report, a
// crash between the two) is an orphan, deleted by its owner's sweep (`hoursOlderThan` + `remove`), never
// a row without its file.
//
// Files go into one directory per UTC hour (`2026120603/…`): the files written at the same moment share a
// directory, so they share its fsync (a new entry is durable only once its directory is synced, and that
// sync, one journal commit, costs more than the file's own); and a sweep finds old files by their
// directory's name. Names are random (128 bits), not content hashes: hashing every upload costs a
// millisecond of CPU and two residents never need to share a file.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.ts';

/** `2026120603/<32 hex>.<extension>`: what a row stores, and the only shape `locate` and `remove` accept. */
const NAME = /^\d{10}\/[0-9a-f]{32}\.[a-z0-9]{1,5}$/;
const HOUR_DIRECTORY = /^\d{10}$/;
const HOUR_MS = 3_600_000;

export interface StoredFile {
  /** The name the row keeps. */
  name: string;
  bytes: number;
}

export interface MediaStore {
  readonly dir: string;
  /** Writes the bytes under a new name, on disk (fsync of the file and of its directory) before it answers. */
  put(bytes: Buffer, extension: string): Promise<StoredFile>;
  /** The file's path and size, or undefined when it is not there. */
  locate(name: string): Promise<{ path: string; bytes: number } | undefined>;
  /** Deletes the files; a name already gone is fine. */
  remove(names: string[]): Promise<void>;
  /** The hour directories whose every file was written more than `ageMs` ago, oldest first, with their files' names. */
  hoursOlderThan(ageMs: number): AsyncGenerator<{ hour: string; names: string[] }>;
}

export const reportMediaDirOf = (config: Config) => config.REPORT_MEDIA_DIR ?? path.join(config.dataDir, 'report-media');

/** The directory of the UTC hour `at` falls in. */
export const hourDirectoryOf = (at: Date) => at.toISOString().slice(0, 13).replace(/[-T]/g, '');

const hourStartOf = (hour: string) => Date.UTC(Number(hour.slice(0, 4)), Number(hour.slice(4, 6)) - 1, Number(hour.slice(6, 8)), Number(hour.slice(8, 10)));

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * fsyncs of one directory, shared: whoever asks while one is running waits for the next one, which
 * starts when it ends and covers every entry made meanwhile, however many asked.
 */
function sharedDirectorySync(directory: string): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const sync = (): Promise<void> => {
    if (!running) {
      running = syncDirectory(directory).finally(() => {
        running = undefined;
      });
      return running;
    }
    // The running fsync may have begun before this caller's entry was made: it needs the next one.
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return sync();
      });
    return next;
  };
  return sync;
}

export function createMediaStore(dir: string): MediaStore {
  const root = path.resolve(dir);
  const pathOf = (name: string) => {
    if (!NAME.test(name)) throw new Error(`not a media file name: ${JSON.stringify(name).slice(0, 80)}`);
    return path.join(root, name);
  };
  /** Hour directories this process made (and synced into the root), each with its shared fsync. */
  const hours = new Map<string, Promise<() => Promise<void>>>();

  const hourDirectory = (hour: string) => {
    let made = hours.get(hour);
    if (!made) {
      made = (async () => {
        await mkdir(path.join(root, hour), { recursive: true });
        await syncDirectory(root);
        return sharedDirectorySync(path.join(root, hour));
      })();
      made.catch(() => hours.delete(hour));
      hours.set(hour, made);
      // Only the current hours are written to: forget the others.
      for (const old of hours.keys()) if (old < hour && hours.size > 2) hours.delete(old);
    }
    return made;
  };

  return {
    dir: root,
    async put(bytes, extension) {
      const hour = hourDirectoryOf(new Date());
      const syncHour = await hourDirectory(hour);
      const name = `${hour}/${randomBytes(16).toString('hex')}.${extension}`;
      // 'wx': a name is never written twice, so a half-written file can only be an orphan.
      const handle = await open(pathOf(name), 'wx', 0o640);
      try {
        await handle.writeFile(bytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await syncHour();
      return { name, bytes: bytes.length };
    },
    async locate(name) {
      const file = pathOf(name);
      try {
        const { size } = await stat(file);
        return { path: file, bytes: size };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async remove(names) {
      await Promise.all(names.map((name) => rm(pathOf(name), { force: true })));
    },
    async *hoursOlderThan(ageMs) {
      let entries: string[];
      try {
        entries = await readdir(root);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      // An hour's last file was written by the hour's end.
      const endedBefore = Date.now() - ageMs;
      for (const hour of entries.filter((entry) => HOUR_DIRECTORY.test(entry)).sort()) {
        if (hourStartOf(hour) + HOUR_MS > endedBefore) continue;
        const names = (await readdir(path.join(root, hour))).map((entry) => `${hour}/${entry}`).filter((name) => NAME.test(name));
        yield { hour, names };
      }
    },
  };
}
