// The local spool: where a batch goes when PostgreSQL cannot take it, so the worker can acknowledge the
// messages (the broker would otherwise hold them, and Mosquitto drops QoS 1 messages beyond its
// max_queued_messages for a client). One file per batch, written to a temporary name, fsynced and renamed,
// so a file either holds a whole batch or does not exist. Replayed oldest first when the database is back;
// replays are idempotent (readings by (sensor, ts), dead letters by their id), so a crash between commit and
// unlink only costs a second, harmless commit.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeadLetterOverflow } from './dead-letter-quota.ts';
import type { AcceptedReading, DeadLetter } from './payload.ts';
import type { ReadingBatch } from './reading-store.ts';

interface SpoolFile {
  version: 1;
  readings: AcceptedReading[];
  deadLetters: (Omit<DeadLetter, 'payload'> & { payload: string })[];
  overflow?: DeadLetterOverflow[];
}

export class ReadingSpool {
  private sequence = 0;
  // Two spools of one process may share a directory (a session drain beside the worker): the tag keeps
  // their file names apart, where pid and sequence alone would collide and one rename overwrite the other.
  private readonly writerTag = randomBytes(3).toString('hex');

  constructor(readonly directory: string) {}

  async write(batch: ReadingBatch): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    // Names sort by time: replay goes oldest first.
    const name = `${Date.now().toString().padStart(15, '0')}-${process.pid}-${this.writerTag}-${(this.sequence++).toString().padStart(6, '0')}.json`;
    const body: SpoolFile = {
      version: 1,
      readings: batch.readings,
      deadLetters: batch.deadLetters.map((letter) => ({ ...letter, payload: letter.payload.toString('base64') })),
      overflow: batch.overflow,
    };
    const temporary = path.join(this.directory, `.${name}.tmp`);
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(body));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path.join(this.directory, name));
    // The rename itself must survive a power cut before the broker forgets the messages.
    const directoryHandle = await open(this.directory, 'r');
    try {
      await directoryHandle.sync();
    } finally {
      await directoryHandle.close();
    }
    return name;
  }

  /** Spooled batch files, oldest first. */
  async list(): Promise<string[]> {
    try {
      return (await readdir(this.directory)).filter((name) => name.endsWith('.json') && /^\d/.test(name)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async read(name: string): Promise<ReadingBatch> {
    const body = JSON.parse(await readFile(path.join(this.directory, name), 'utf8')) as SpoolFile;
    return {
      readings: body.readings,
      deadLetters: body.deadLetters.map((letter) => ({ ...letter, payload: Buffer.from(letter.payload, 'base64') })),
      overflow: body.overflow,
    };
  }

  /** Items PostgreSQL refused as data: kept beside the spool (not replayed) for a person to look at. */
  async writeUnstorable(batch: ReadingBatch, reason: string): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    const name = `unstorable-${Date.now()}-${process.pid}-${this.sequence++}.json`;
    const body = {
      reason,
      readings: batch.readings,
      deadLetters: batch.deadLetters.map((letter) => ({ ...letter, payload: letter.payload.toString('base64') })),
      overflow: batch.overflow,
    };
    await writeFile(path.join(this.directory, name), JSON.stringify(body), { mode: 0o600 });
    return name;
  }

  /** Renames an unreadable file out of the replay (kept for a person to inspect, never deleted). */
  async setAside(name: string): Promise<void> {
    await rename(path.join(this.directory, name), path.join(this.directory, `${name}.unreadable`));
  }

  async remove(name: string): Promise<void> {
    await unlink(path.join(this.directory, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
