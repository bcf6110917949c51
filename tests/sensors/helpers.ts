// Shared pieces of the sensor tests: unique sensor ids per run (the topic shape is fixed, so isolation on
// the shared Mosquitto comes from ids and a private shared-subscription group), a worker on the real broker,
// and a publisher.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { createLogger } from '../../core/logger.ts';
import type { Database, Queryable } from '../../core/database/pool.ts';
import { SecretBox } from '../../core/secret-box.ts';
import { insertSensor } from '../../devices/sensor-repository.ts';
import { sensorInput } from '../../devices/schemas.ts';
import { SensorDirectory } from '../../devices/sensor-directory.ts';
import { SensorIngestWorker, type IngestWorkerOptions } from '../../ingest/sensors/ingest-worker.ts';
import { seededRandom, simulatedValue } from '../../ingest/sensors/simulated-series.ts';
import { testMqttUrl } from '../support/urls.ts';

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
export const runTag = () => randomBytes(4).toString('hex');
export const secretBox = new SecretBox(randomBytes(32));

export async function registerSensor(db: Queryable, input: Record<string, unknown>) {
  return insertSensor(db, secretBox, sensorInput.parse({ name: String(input.id), ...input }));
}

export interface TestWorker {
  worker: SensorIngestWorker;
  directory: SensorDirectory;
  spoolDirectory: string;
  stop(): Promise<void>;
}

export async function startTestWorker(
  db: Database,
  options: { group: string; clientId?: string; spoolDirectory?: string } & Partial<IngestWorkerOptions>,
): Promise<TestWorker> {
  const directory = new SensorDirectory(db, testLogger);
  await directory.start();
  const spoolDirectory = options.spoolDirectory ?? mkdtempSync(path.join(os.tmpdir(), 'cityops-spool-'));
  const worker = new SensorIngestWorker({
    db,
    logger: testLogger,
    sensors: directory,
    broker: {
      url: testMqttUrl(),
      clientId: options.clientId ?? `test-ingest-${runTag()}`,
      // Short: sessions of finished test runs must not linger on the shared broker.
      sessionExpirySeconds: 120,
      receiveMaximum: 5000,
    },
    shareGroup: options.group,
    spoolDirectory,
    batchSize: 500,
    batchMaxWaitMs: 50,
    ...options,
  });
  await worker.start();
  return {
    worker,
    directory,
    spoolDirectory,
    async stop() {
      await worker.stop();
      await directory.stop();
    },
  };
}

export async function connectPublisher(): Promise<MqttClient> {
  return mqtt.connectAsync(testMqttUrl(), { protocolVersion: 5, clientId: `test-pub-${runTag()}`, reconnectPeriod: 500 });
}

export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const topicOf = (sensorId: string) => `cityops/sensors/${sensorId}/reading`;

export interface SentReading {
  sensorId: string;
  ts: number;
  seq: number;
}

/**
 * Publishes `ratePerSecond` readings (QoS 1) spread over `sensorIds` for `durationMs`, each with a unique
 * (sensor, ts) and a seq that numbers it. Resolves when every publish was acknowledged by the broker.
 */
export async function publishSteadily(
  client: MqttClient,
  options: { sensorIds: string[]; ratePerSecond: number; durationMs: number; onProgress?: (sent: number, elapsedMs: number) => void },
): Promise<{ sent: SentReading[]; failed: number }> {
  const sent: SentReading[] = [];
  let failed = 0;
  let acked = 0;
  const started = Date.now();
  const total = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  const baseTs = started - 60_000; // in the past, so no clock edge can make them "future"
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = Date.now() - started;
      const due = Math.min(total, Math.floor((elapsed * options.ratePerSecond) / 1000));
      while (sent.length < due) {
        const seq = sent.length;
        const sensorId = options.sensorIds[seq % options.sensorIds.length];
        const reading = { sensorId, ts: baseTs + seq, seq };
        sent.push(reading);
        client.publish(topicOf(sensorId), JSON.stringify({ ts: reading.ts, value: (seq % 1000) / 100, seq }), { qos: 1 }, (error) => {
          if (error) failed++;
          acked++;
          if (acked === total) resolve();
        });
      }
      options.onProgress?.(sent.length, elapsed);
      if (sent.length >= total) clearInterval(tick);
    }, 10);
  });
  return { sent, failed };
}

/** How many of the sent readings are stored, how many are missing, and whether any is stored twice. */
export async function reconcile(db: Queryable, sent: SentReading[]): Promise<{ stored: number; missing: number; duplicated: number }> {
  const result = await db.query(
    `WITH sent AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS s(sensor_id, ts_ms, seq))
     SELECT count(r.sensor_id)::int AS stored, count(*) FILTER (WHERE r.sensor_id IS NULL)::int AS missing
       FROM sent LEFT JOIN sensor_readings r ON r.sensor_id = sent.sensor_id AND r.ts = TIMESTAMPTZ 'epoch' + sent.ts_ms * INTERVAL '1 millisecond'`,
    [sent.map((reading) => reading.sensorId), sent.map((reading) => reading.ts), sent.map((reading) => reading.seq)],
  );
  const duplicates = await db.query(
    `SELECT coalesce(sum(n - 1), 0)::int AS duplicated FROM (SELECT count(*) AS n FROM sensor_readings WHERE sensor_id = ANY($1::text[]) GROUP BY sensor_id, seq) counts`,
    [[...new Set(sent.map((reading) => reading.sensorId))]],
  );
  return { stored: result.rows[0].stored, missing: result.rows[0].missing, duplicated: duplicates.rows[0].duplicated };
}

/**
 * Readings every 5 minutes from `from` to `to` (ms), stored straight into sensor_readings, as the sensor
 * simulator makes them for the Phú An gauge (site 0, noise included); `simulatedHours` maps a real instant
 * to the simulator's hours after the reference higher high water.
 */
export async function storeSimulatedTide(db: Queryable, sensorId: string, from: number, to: number, simulatedHours: (at: number) => number): Promise<void> {
  const noise = seededRandom(42);
  const state = { pumpOn: false };
  const readings: Array<[number, number]> = [];
  for (let at = from; at <= to; at += 5 * 60_000) readings.push([at, simulatedValue({ id: sensorId, kind: 'tide_level', siteIndex: 0 }, simulatedHours(at), 5 / 60, state, noise)]);
  await storeReadings(db, sensorId, readings);
}

/** [ms, value] readings stored straight into sensor_readings, past the ingest worker (history for timed rules). */
export async function storeReadings(db: Queryable, sensorId: string, readings: Array<[number, number]>): Promise<void> {
  await db.query(`INSERT INTO sensor_readings (sensor_id, ts, value) SELECT $1, to_timestamp(r.at / 1000.0), r.value FROM unnest($2::float8[], $3::float8[]) AS r(at, value)`, [
    sensorId,
    readings.map((reading) => reading[0]),
    readings.map((reading) => reading[1]),
  ]);
}
