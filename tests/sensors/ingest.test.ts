// Sensor ingest against the real PostgreSQL and the real Mosquitto (MQTT 5, shared subscription).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { metricsRegistry } from '../../core/metrics.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { connectPublisher, registerSensor, runTag, startTestWorker, topicOf, waitFor, type TestWorker } from './helpers.ts';

let test: TestDatabase;
let worker: TestWorker;
let publisher: MqttClient;
const tag = runTag();
const gauge = `tide-${tag}`;
const soil = `soil-${tag}`;

async function deadLetterCount(reason: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('cityops_sensor_dead_letters_total')!.get();
  return metric.values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

beforeAll(async () => {
  test = await createTestDatabase();
  await registerSensor(test.db, { id: gauge, kind: 'tide_level', level1: 1.5, level2: 1.6, level3: 1.7, rules: { validMin: -3, validMax: 5 } });
  await registerSensor(test.db, { id: soil, kind: 'soil_moisture' });
  await registerSensor(test.db, { id: `off-${tag}`, kind: 'rainfall', enabled: false });
  worker = await startTestWorker(test.db, { group: `test-${tag}` });
  publisher = await connectPublisher();
});

afterAll(async () => {
  await publisher?.endAsync();
  await worker?.stop();
  await test?.drop();
});

describe('sensor ingest', () => {
  it('stores single and batched readings, each exactly once, and they are queryable', async () => {
    const base = Date.now() - 60_000;
    await publisher.publishAsync(topicOf(gauge), JSON.stringify({ ts: new Date(base).toISOString(), value: 1.21, seq: 1, battery: 3.9 }), { qos: 1 });
    await publisher.publishAsync(
      topicOf(gauge),
      JSON.stringify([
        { ts: base + 1000, value: 1.22, seq: 2 },
        { ts: base + 2000, value: 1.23, seq: 3 },
      ]),
      { qos: 1 },
    );
    await publisher.publishAsync(topicOf(soil), JSON.stringify({ ts: base, value: 41.5 }), { qos: 1 });
    // The same reading again (a device retrying): stored once.
    await publisher.publishAsync(topicOf(gauge), JSON.stringify({ ts: base + 2000, value: 1.23, seq: 3 }), { qos: 1 });

    const rows = await waitFor(
      async () => (await test.db.query(`SELECT sensor_id, ts, value, seq, battery FROM sensor_readings ORDER BY sensor_id, ts`)).rows,
      (found) => found.length >= 4,
      10_000,
      'four readings',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again = (await test.db.query(`SELECT count(*)::int AS n FROM sensor_readings`)).rows[0].n;
    expect(again).toBe(4);
    const gaugeRows = rows.filter((row) => row.sensor_id === gauge);
    expect(gaugeRows.map((row) => row.value)).toEqual([1.21, 1.22, 1.23]);
    expect(gaugeRows[0].ts.getTime()).toBe(base);
    expect(gaugeRows[0].seq).toBe(1);
    expect(gaugeRows[0].battery).toBeCloseTo(3.9, 5);
    expect(rows.find((row) => row.sensor_id === soil)?.value).toBe(41.5);
  });

  it('dead-letters every class of bad input with its reason and raw payload, and counts it', async () => {
    const before: Record<string, number> = {};
    const cases: [string, string | Buffer, string][] = [
      [topicOf(`ghost-${tag}`), '{"value":1}', 'unknown_sensor'],
      [topicOf(`off-${tag}`), '{"value":1}', 'sensor_disabled'],
      [topicOf(gauge), '{"value": 1.5', 'malformed_json'],
      [topicOf(gauge), Buffer.from([0xff, 0xfe, 0x00, 0x01]), 'invalid_utf8'],
      [topicOf(gauge), '{"value":"1.5"}', 'wrong_type'],
      [topicOf(gauge), '{"value":NaN}', 'non_finite'],
      [topicOf(gauge), '{"value":1e400}', 'non_finite'],
      [topicOf(gauge), '{"value":42}', 'out_of_range'],
      [topicOf(soil), '{"value":-1}', 'out_of_range'],
      [topicOf(gauge), JSON.stringify({ ts: Date.now() + 3_600_000, value: 1 }), 'future_timestamp'],
      [topicOf(gauge), '{"ts":"yesterday","value":1}', 'bad_timestamp'],
      [`cityops/sensors/${tag}@bad/reading`, '{"value":1}', 'bad_topic'],
    ];
    for (const [, , reason] of cases) before[reason] = await deadLetterCount(reason);
    for (const [topic, payload] of cases) await publisher.publishAsync(topic, payload, { qos: 1 });

    const letters = await waitFor(
      async () =>
        // Every test worker sees the whole shared broker's sensor traffic (the topic shape is fixed), so
        // other test files' readings show up here as unknown sensors: look only at this file's topics.
        (await test.db.query(`SELECT topic, sensor_id, reason, detail, payload FROM sensor_dead_letters WHERE topic LIKE $1 ORDER BY received_at, reason`, [`%${tag}%`])).rows,
      (found) => found.length >= cases.length,
      10_000,
      'dead letters',
    );
    expect(letters).toHaveLength(cases.length);
    for (const [topic, payload, reason] of cases) {
      const letter = letters.find((row) => row.topic === topic && row.reason === reason && Buffer.compare(row.payload, Buffer.from(payload)) === 0);
      expect(letter, `${reason} for ${String(payload)}`).toBeDefined();
      expect(letter.detail.length).toBeGreaterThan(5);
    }
    const expected: Record<string, number> = {};
    for (const [, , reason] of cases) expected[reason] = (expected[reason] ?? 0) + 1;
    for (const [reason, count] of Object.entries(expected)) {
      // Other files' readings, which this worker also receives, can only add unknown_sensor letters.
      if (reason === 'unknown_sensor') expect(await deadLetterCount(reason)).toBeGreaterThanOrEqual(before[reason] + count);
      else expect(await deadLetterCount(reason)).toBe(before[reason] + count);
    }
    // Nothing of it became a reading, and the worker still works.
    await publisher.publishAsync(topicOf(soil), JSON.stringify({ ts: Date.now(), value: 40 }), { qos: 1 });
    await waitFor(
      async () => (await test.db.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE sensor_id = $1`, [soil])).rows[0].n,
      (n) => n === 2,
      10_000,
      'worker still storing after bad input',
    );
    expect((await test.db.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE sensor_id = $1`, [gauge])).rows[0].n).toBe(3);
  });

  it('picks up a sensor registered while running (change notice)', async () => {
    const late = `late-${tag}`;
    const { announceDeviceChange } = await import('../../devices/change-notices.ts');
    await registerSensor(test.db, { id: late, kind: 'rainfall' });
    await announceDeviceChange(test.db, { type: 'sensor', id: late, change: 'created' });
    await waitFor(async () => worker.directory.get(late), (profile) => Boolean(profile), 5000, 'directory refresh');
    await publisher.publishAsync(topicOf(late), JSON.stringify({ value: 2.5 }), { qos: 1 });
    await waitFor(
      async () => (await test.db.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE sensor_id = $1`, [late])).rows[0].n,
      (n) => n === 1,
      10_000,
      'reading of the new sensor',
    );
  });
});
