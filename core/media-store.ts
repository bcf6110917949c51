// Files that belong to database rows but are too large to live in them: residents' photos and clips.
// A 380 kB photo stored as `bytea` cost PostgreSQL more CPU (TOAST, WAL) than everything else a report
// does; written here it is one write and one fsync. The row keeps the file's name, relative to the store's
// directory, so a restored or moved directory needs no rewrite of the rows.
//
// Durability follows the row: `put` returns only once the file and its directory entry are on disk, and
// the caller commits the row naming it afterwards. A file whose row never committed (a refused report, a
// crash between the two) is an orphan, deleted by its owner's sweep (`namesOlderThan` + `remove`), never a
// row without its file.
//
// Names are random (128 bits), not content hashes: hashing every upload costs a millisecond of CPU and
// two residents never need to share a file. 256 sub-directories keep a directory small at millions of files.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.ts';

/** `ab/<32 hex>.<extension>`: what a row stores, and the only shape `read` and `remove` accept. */
const NAME = /^([0-9a-f]{2})\/[0-9a-f]{32}\.[a-z0-9]{1,5}$/;

export interface StoredFile {
  /** The name the row keeps. */
  name: string;
  bytes: number;
}

export interface MediaStore {
  readonly dir: string;
  /** Writes the bytes under a new name, on disk (fsync) before it answers. */
  put(bytes: Buffer, extension: string): Promise<StoredFile>;
  /** The file's path and size, or undefined when it is not there. */
  locate(name: string): Promise<{ path: string; bytes: number } | undefined>;
  /** Deletes the files; a name already gone is fine. */
  remove(names: string[]): Promise<void>;
  /** Names of the files last written more than `ageMs` ago, a sub-directory at a time. */
  namesOlderThan(ageMs: number): AsyncGenerator<string[]>;
}

export const reportMediaDirOf = (config: Config) => config.REPORT_MEDIA_DIR ?? path.join(config.dataDir, 'report-media');

export function isMediaName(name: string): boolean {
  return NAME.test(name);
}

export function createMediaStore(dir: string): MediaStore {
  const root = path.resolve(dir);
  const pathOf = (name: string) => {
    if (!NAME.test(name)) throw new Error(`not a media file name: ${JSON.stringify(name).slice(0, 80)}`);
    return path.join(root, name);
  };
  /** Sub-directories made (and fsynced into the root) by this process: made once, not per file. */
  const madeShards = new Set<string>();

  async function syncDirectory(directory: string) {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async function ensureShard(shard: string) {
    if (madeShards.has(shard)) return;
    await mkdir(path.join(root, shard), { recursive: true });
    await syncDirectory(root);
    madeShards.add(shard);
  }

  return {
    dir: root,
    async put(bytes, extension) {
      const id = randomBytes(16).toString('hex');
      const name = `${id.slice(0, 2)}/${id}.${extension}`;
      await ensureShard(id.slice(0, 2));
      const file = pathOf(name);
      // 'wx': a name is never written twice, so a half-written file can only be an orphan.
      const handle = await open(file, 'wx', 0o640);
      try {
        await handle.writeFile(bytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      // The new directory entry is durable only once its directory is synced.
      await syncDirectory(path.dirname(file));
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
    async *namesOlderThan(ageMs) {
      const before = Date.now() - ageMs;
      let shards: string[];
      try {
        shards = (await readdir(root)).filter((entry) => /^[0-9a-f]{2}$/.test(entry)).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const shard of shards) {
        const names: string[] = [];
        for (const entry of await readdir(path.join(root, shard))) {
          const name = `${shard}/${entry}`;
          if (!NAME.test(name)) continue;
          const info = await stat(path.join(root, name)).catch(() => undefined);
          if (info && info.mtimeMs < before) names.push(name);
        }
        if (names.length) yield names;
      }
    },
  };
}
