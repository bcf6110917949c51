// The write path on the real PostgreSQL: idempotent on (sensor, ts), exact about which rows are new.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitReadingBatch } from '../../ingest/sensors/reading-store.ts';
import type { AcceptedReading } from '../../ingest/sensors/payload.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let test: TestDatabase;
const base = Date.now() - 3_600_000;
const reading = (sensorId: string, offsetMs: number, extra: Partial<AcceptedReading> = {}): AcceptedReading => ({
  sensorId,
  tsMs: base + offsetMs,
  value: offsetMs / 1000,
  seq: offsetMs,
  battery: null,
  dedupeBySeq: false,
  ...extra,
});
const count = async (sensorId: string) => (await test.db.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE sensor_id = $1`, [sensorId])).rows[0].n;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test?.drop();
});

describe('reading store', () => {
  it('stores a batch once: committing it again adds nothing and reports every row as a duplicate', async () => {
    const batch = { readings: [reading('a', 0), reading('a', 1000), reading('b', 0)], deadLetters: [] };
    const first = await commitReadingBatch(test.db, batch);
    expect(first.inserted).toHaveLength(3);
    expect(first.duplicates).toBe(0);
    const again = await commitReadingBatch(test.db, batch);
    expect(again).toEqual({ inserted: [], duplicates: 3 });
    expect(await count('a')).toBe(2);
  });

  it('reports exactly the new rows of a batch mixing new and known readings, and duplicates inside it', async () => {
    const result = await commitReadingBatch(test.db, { readings: [reading('a', 0), reading('a', 2000), reading('a', 2000), reading('c', 5)], deadLetters: [] });
    expect(result.inserted.map((row) => `${row.sensorId}@${row.tsMs - base}`).sort()).toEqual(['a@2000', 'c@5']);
    expect(result.duplicates).toBe(2);
    expect(await count('a')).toBe(3);
  });

  it('recognises a redelivered reading without ts by its seq', async () => {
    await commitReadingBatch(test.db, { readings: [reading('d', 0, { seq: 41 })], deadLetters: [] });
    // The worker stamped the redelivered copy with a later time: only the seq says it is the same reading.
    const redelivered = await commitReadingBatch(test.db, { readings: [reading('d', 30_000, { seq: 41, dedupeBySeq: true }), reading('d', 31_000, { seq: 42, dedupeBySeq: true })], deadLetters: [] });
    expect(redelivered.inserted.map((row) => row.tsMs - base)).toEqual([31_000]);
    expect(await count('d')).toBe(2);
  });
});
