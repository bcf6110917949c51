// Writes a batch of readings and dead letters in one transaction:
//   COPY into a per-connection staging table (the fastest way into PostgreSQL), then
//   INSERT … SELECT into sensor_readings — plainly when every row is new (the common case), else
//   with ON CONFLICT (sensor_id, ts) DO NOTHING.
// Either way the write is idempotent: a redelivered message, a replayed spool file or a second worker
// seeing the same reading adds nothing, and the result names exactly the rows that are new, which are
// the only ones the rules need to see.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '@cityops/core/database/pool';
import type { DeadLetterOverflow } from './dead-letter-quota.ts';
import type { AcceptedReading, DeadLetter } from './payload.ts';

export interface ReadingBatch {
  readings: AcceptedReading[];
  deadLetters: DeadLetter[];
  /** Refusals over their device's hourly quota: counted, not stored one by one. */
  overflow?: DeadLetterOverflow[];
}

export interface StoredReading {
  sensorId: string;
  tsMs: number;
  value: number;
}

export interface CommitResult {
  /** Readings that were not in the table before this commit, in no particular order. */
  inserted: StoredReading[];
  /** Readings already present (redeliveries, replays). */
  duplicates: number;
}

const STAGING = 'sensor_reading_staging';
const clientsWithStaging = new WeakSet<pg.PoolClient>();

// The common case has no duplicates at all, and a plain INSERT is about twice as fast as one with
// ON CONFLICT (no speculative insertion) and without RETURNING: every staged row is then known to be new.
// Only when it meets a duplicate (a redelivery, a replay) does the batch take the idempotent path.
const INSERT_NEW_FROM_STAGING = `
  INSERT INTO sensor_readings (sensor_id, ts, value, seq, battery)
  SELECT s.sensor_id, TIMESTAMPTZ 'epoch' + s.ts_ms * INTERVAL '1 millisecond', s.value, s.seq, s.battery
    FROM ${STAGING} s
   WHERE NOT s.dedupe_by_seq`;

const INSERT_FROM_STAGING = `
  INSERT INTO sensor_readings (sensor_id, ts, value, seq, battery)
  SELECT s.sensor_id, TIMESTAMPTZ 'epoch' + s.ts_ms * INTERVAL '1 millisecond', s.value, s.seq, s.battery
    FROM ${STAGING} s
   WHERE NOT s.dedupe_by_seq
  ON CONFLICT (sensor_id, ts) DO NOTHING
  RETURNING sensor_id, (EXTRACT(EPOCH FROM ts) * 1000)::float8 AS ts_ms, value`;

// Readings sent without a ts and redelivered by the broker got a new worker timestamp, so (sensor, ts)
// cannot recognise them; such a copy is skipped when the same sensor already has its seq in the preceding
// day. Rare (it needs a redelivery), so it is its own statement and the common path stays a plain insert.
const INSERT_FROM_STAGING_BY_SEQ = `
  INSERT INTO sensor_readings (sensor_id, ts, value, seq, battery)
  SELECT s.sensor_id, TIMESTAMPTZ 'epoch' + s.ts_ms * INTERVAL '1 millisecond', s.value, s.seq, s.battery
    FROM ${STAGING} s
   WHERE s.dedupe_by_seq AND NOT EXISTS (
           SELECT 1 FROM sensor_readings r
            WHERE r.sensor_id = s.sensor_id AND r.seq = s.seq
              AND r.ts >= TIMESTAMPTZ 'epoch' + s.ts_ms * INTERVAL '1 millisecond' - INTERVAL '1 day')
  ON CONFLICT (sensor_id, ts) DO NOTHING
  RETURNING sensor_id, (EXTRACT(EPOCH FROM ts) * 1000)::float8 AS ts_ms, value`;

const INSERT_DEAD_LETTERS = `
  INSERT INTO sensor_dead_letters (id, received_at, topic, sensor_id, reason, detail, payload, payload_bytes)
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::int[])
  ON CONFLICT DO NOTHING`;

// Not idempotent like the rest: a spool file replayed after a crash between commit and unlink counts its
// overflow twice. It is a count of refused messages, not data; over-counting once beats a key per message.
const ADD_DEAD_LETTER_OVERFLOW = `
  INSERT INTO sensor_dead_letter_overflow (hour, sensor_key, reason, count)
  SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::bigint[])
  ON CONFLICT (sensor_key, reason, hour) DO UPDATE SET count = sensor_dead_letter_overflow.count + EXCLUDED.count`;

/** The COPY text format of one reading (sensor ids are restricted to [A-Za-z0-9._-], numbers need no escaping). */
function copyLine(reading: AcceptedReading): string {
  return `${reading.sensorId}\t${reading.tsMs}\t${reading.value}\t${reading.seq ?? '\\N'}\t${reading.battery ?? '\\N'}\t${reading.dedupeBySeq ? 't' : 'f'}\n`;
}

export async function commitReadingBatch(db: Database, batch: ReadingBatch, statementTimeoutMs = 30_000): Promise<CommitResult> {
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL statement_timeout = ${Math.round(statementTimeoutMs)}`);
    // The planner's estimate for a staging table without statistics can cross jit_above_cost; compiling
    // the insert costs more than running it.
    await client.query('SET LOCAL jit = off');
    const inserted: StoredReading[] = [];
    if (batch.readings.length) {
      if (!clientsWithStaging.has(client)) {
        await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (
          sensor_id text NOT NULL, ts_ms bigint NOT NULL, value float8 NOT NULL, seq bigint, battery real,
          dedupe_by_seq boolean NOT NULL) ON COMMIT DELETE ROWS`);
        clientsWithStaging.add(client);
      }
      let text = '';
      for (const reading of batch.readings) text += copyLine(reading);
      await pipeline(Readable.from([text]), client.query(copyFrom(`COPY ${STAGING} FROM STDIN`)));
      await client.query('SAVEPOINT all_new');
      try {
        await client.query(INSERT_NEW_FROM_STAGING);
        await client.query('RELEASE SAVEPOINT all_new');
        for (const reading of batch.readings) {
          if (!reading.dedupeBySeq) inserted.push({ sensorId: reading.sensorId, tsMs: reading.tsMs, value: reading.value });
        }
      } catch (error) {
        if ((error as { code?: string }).code !== '23505') throw error;
        await client.query('ROLLBACK TO SAVEPOINT all_new');
        const result = await client.query<{ sensor_id: string; ts_ms: number; value: number }>(INSERT_FROM_STAGING);
        for (const row of result.rows) inserted.push({ sensorId: row.sensor_id, tsMs: row.ts_ms, value: row.value });
      }
      if (batch.readings.some((reading) => reading.dedupeBySeq)) {
        const result = await client.query<{ sensor_id: string; ts_ms: number; value: number }>(INSERT_FROM_STAGING_BY_SEQ);
        for (const row of result.rows) inserted.push({ sensorId: row.sensor_id, tsMs: row.ts_ms, value: row.value });
      }
    }
    if (batch.deadLetters.length) {
      const letters = batch.deadLetters;
      await client.query(INSERT_DEAD_LETTERS, [
        letters.map((letter) => letter.id),
        letters.map((letter) => new Date(letter.receivedAtMs)),
        letters.map((letter) => letter.topic),
        letters.map((letter) => letter.sensorId),
        letters.map((letter) => letter.reason),
        letters.map((letter) => letter.detail),
        letters.map((letter) => letter.payload),
        // Spool files written before excerpts existed hold the whole payload.
        letters.map((letter) => letter.payloadBytes ?? letter.payload.length),
      ]);
    }
    if (batch.overflow?.length) {
      const rows = batch.overflow;
      await client.query(ADD_DEAD_LETTER_OVERFLOW, [
        rows.map((row) => new Date(row.hourMs)),
        rows.map((row) => row.sensorKey),
        rows.map((row) => row.reason),
        rows.map((row) => row.count),
      ]);
    }
    await client.query('COMMIT');
    return { inserted, duplicates: batch.readings.length - inserted.length };
  } catch (error) {
    broken = error as Error;
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    // A connection that failed mid-COPY is not trusted again: the pool opens a fresh one.
    client.release(broken);
  }
}
