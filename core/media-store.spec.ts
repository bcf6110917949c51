import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMediaStore, hourDirectoryOf } from './media-store.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'media-store-spec-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the media store', () => {
  it('writes many files at once into the current hour, each under its own name, readable and removable', async () => {
    const store = createMediaStore(dir);
    const written = await Promise.all(Array.from({ length: 40 }, (_, n) => store.put(Buffer.from(`photo ${n}`), 'jpg')));
    const hour = hourDirectoryOf(new Date());
    expect(new Set(written.map((file) => file.name)).size).toBe(40);
    for (const [n, file] of written.entries()) {
      expect(file.name).toMatch(/^\d{10}\/[0-9a-f]{32}\.jpg$/);
      // The hour may turn during the writes: then the last ones are in the next hour's directory.
      expect(file.name.slice(0, 10) >= hour).toBe(true);
      expect(readFileSync(path.join(dir, file.name), 'utf8')).toBe(`photo ${n}`);
      expect(await store.locate(file.name)).toEqual({ path: path.join(dir, file.name), bytes: file.bytes });
    }
    await store.remove([written[0].name, written[0].name]);
    expect(await store.locate(written[0].name)).toBeUndefined();
    expect(await store.locate(written[1].name)).toBeDefined();
  });

  it('refuses a name that is not one of its own (no path outside the store)', async () => {
    const store = createMediaStore(dir);
    for (const name of ['../secret.key', '2026120603/../../etc/passwd', '/etc/passwd', `2026120603/${'a'.repeat(32)}.jpg/..`]) {
      await expect(store.locate(name)).rejects.toThrow(/not a media file name/);
      await expect(store.remove([name])).rejects.toThrow(/not a media file name/);
    }
  });

  it('lists only the hours that ended longer ago than asked, oldest first, with their files', async () => {
    const store = createMediaStore(dir);
    const now = Date.now();
    const hourAt = (msAgo: number) => hourDirectoryOf(new Date(now - msAgo));
    // The hour of an hour ago ended less than an hour ago: not listed yet.
    for (const msAgo of [3 * 3_600_000, 26 * 3_600_000, 3_600_000, 0]) {
      mkdirSync(path.join(dir, hourAt(msAgo)), { recursive: true });
      writeFileSync(path.join(dir, hourAt(msAgo), `${'1'.repeat(32)}.jpg`), 'x');
    }
    mkdirSync(path.join(dir, 'not-an-hour'));
    writeFileSync(path.join(dir, hourAt(3 * 3_600_000), 'stray.tmp'), 'x');
    const listed = [];
    for await (const hour of store.hoursOlderThan(3_600_000)) listed.push(hour);
    expect(listed).toEqual([
      { hour: hourAt(26 * 3_600_000), names: [`${hourAt(26 * 3_600_000)}/${'1'.repeat(32)}.jpg`] },
      { hour: hourAt(3 * 3_600_000), names: [`${hourAt(3 * 3_600_000)}/${'1'.repeat(32)}.jpg`] },
    ]);
    // A store that was never written to lists nothing.
    const empty = createMediaStore(path.join(dir, 'none'));
    for await (const hour of empty.hoursOlderThan(0)) expect(hour).toBeUndefined();
  });
});
