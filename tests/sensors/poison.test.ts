// Poison messages, as an attacker with one device account would send them, through both real brokers
// (the shared Mosquitto, MQTT 5 shared subscription; the embedded aedes broker with device credentials)
// into a real worker and PostgreSQL. Each one costs that message only: it is acknowledged and becomes a
// dead letter with its reason (an excerpt of it, with its size), and the next good reading is stored.
// Before the fix the 240 KB [[[[…]]]] threw inside the socket handler (an uncaught exception here, a
// process exit and a redelivery crash loop in production).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { EmbeddedBroker } from '../../core/mqtt/embedded-broker.ts';
import { metricsRegistry } from '../../core/metrics.ts';
import { authenticateSensorDevice } from '../../devices/sensor-repository.ts';
import { listDeadLetters } from '../../ingest/sensors/reading-queries.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { connectPublisher, registerSensor, runTag, secretBox, startTestWorker, testLogger, topicOf, waitFor, type TestWorker } from './helpers.ts';

const tag = runTag();
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** [payload, expected reason]; every one is published on the device's own topic. */
const POISON: [string | Buffer, string][] = [
  [nested(120_000), 'too_deep'], // 240 KB
  [Buffer.from([0x7b, 0x22, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x22, 0x3a, 0x31, 0x2c, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), 'invalid_utf8'],
  ['{"value":NaN}', 'non_finite'],
  ['{"value":Infinity}', 'non_finite'],
  ['{"value":"1.2"}', 'wrong_type'],
  [Buffer.alloc(1024 * 1024, 0x5b), 'too_large'], // 1 MB
  ['', 'malformed_json'],
  [`[${Array.from({ length: 100_000 }, () => '{}').join(',')}]`, 'too_large'], // 300 KB of elements
  [`[${Array.from({ length: 5001 }, () => '1').join(',')}]`, 'too_large'],
  ['{"ts":-1e300,"value":1}', 'bad_timestamp'],
  ['{"ts":1e300,"value":1}', 'bad_timestamp'],
  ['{"ts":"9999-12-31T23:59:59Z","value":1}', 'future_timestamp'],
  ['{"value":1,"value":99}', 'duplicate_key'],
  ['{"__proto__":{"value":1},"value":1}', 'unsafe_key'],
];

async function deadLetterMetric(name: string, reason: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)!.get();
  return metric.values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

async function sendPoisonThenGood(test: TestDatabase, publisher: MqttClient, sensorId: string, poison = POISON) {
  for (const [payload] of poison) await publisher.publishAsync(topicOf(sensorId), payload, { qos: 1 });
  const goodTs = Date.now() - 1000;
  await publisher.publishAsync(topicOf(sensorId), JSON.stringify({ ts: goodTs, value: 1.25 }), { qos: 1 });

  const stored = await waitFor(
    async () => (await test.db.query(`SELECT value, ts FROM sensor_readings WHERE sensor_id = $1`, [sensorId])).rows,
    (rows) => rows.length >= 1,
    30_000,
    'the good reading after the poison',
  );
  expect(stored).toEqual([{ value: 1.25, ts: new Date(goodTs) }]);
  const letters = await waitFor(
    async () =>
      (await test.db.query(`SELECT reason, payload, payload_bytes FROM sensor_dead_letters WHERE sensor_id = $1 ORDER BY received_at`, [sensorId])).rows,
    (rows) => rows.length >= poison.length,
    30_000,
    'a dead letter per poison message',
  );
  // One dead letter per poison message, each with its reason and size. Not in sending order: letters
  // stored in one batch share a received_at, so their order in the table is not the order they came in.
  const seen = letters.map((row) => `${row.reason} ${row.payload_bytes} ${row.payload.length}`).sort();
  const sent = poison.map(([payload, reason]) => `${reason} ${Buffer.byteLength(payload)} ${Math.min(2048, Buffer.byteLength(payload))}`).sort();
  expect(seen).toEqual(sent);
}

describe('poison messages on the production broker (Mosquitto, shared subscription)', () => {
  let test: TestDatabase;
  let worker: TestWorker;
  let publisher: MqttClient;
  const sensorId = `poison-${tag}`;
  const noisy = `noisy-${tag}`;

  beforeAll(async () => {
    test = await createTestDatabase();
    await registerSensor(test.db, { id: sensorId, kind: 'tide_level' });
    await registerSensor(test.db, { id: noisy, kind: 'tide_level' });
    worker = await startTestWorker(test.db, { group: `poison-${tag}`, deadLetterQuotaPerHour: POISON.length });
    publisher = await connectPublisher();
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await worker?.stop();
    await test?.drop();
  });

  it('acknowledges every poison message as a dead letter and keeps storing readings', { timeout: 90_000 }, async () => {
    const before = await deadLetterMetric('cityops_sensor_dead_letters_total', 'too_deep');
    await sendPoisonThenGood(test, publisher, sensorId);
    expect(await deadLetterMetric('cityops_sensor_dead_letters_total', 'too_deep')).toBe(before + 1);
  });

  it('stores a device\'s dead letters up to its hourly quota, then only counts them (metric and API)', { timeout: 60_000 }, async () => {
    const unstoredBefore = await deadLetterMetric('cityops_sensor_dead_letters_unstored_total', 'malformed_json');
    const sent = POISON.length + 25;
    for (let i = 0; i < sent; i++) await publisher.publishAsync(topicOf(noisy), `not json ${i}`, { qos: 1 });
    // A clock hour may turn during the test and reset the quota: count both kinds together.
    const total = async () => {
      const stored = (await test.db.query(`SELECT count(*)::int AS n FROM sensor_dead_letters WHERE sensor_id = $1`, [noisy])).rows[0].n;
      const counted = (await test.db.query(`SELECT coalesce(sum(count), 0)::int AS n FROM sensor_dead_letter_overflow WHERE sensor_key = $1`, [noisy])).rows[0].n;
      return { stored, counted };
    };
    const outcome = await waitFor(total, ({ stored, counted }) => stored + counted === sent, 30_000, 'every refusal stored or counted');
    expect(outcome.counted).toBeGreaterThanOrEqual(sent - 2 * POISON.length);
    expect(await deadLetterMetric('cityops_sensor_dead_letters_unstored_total', 'malformed_json')).toBe(unstoredBefore + outcome.counted);

    const view = await listDeadLetters(test.db, { sensorId: noisy, fromMs: Date.now() - 7_200_000, toMs: Date.now() + 60_000, limit: 1000 });
    expect(view.deadLetters).toHaveLength(outcome.stored);
    expect(view.notStored).toEqual([{ sensorId: noisy, reason: 'malformed_json', count: outcome.counted }]);
  });
});

describe('poison messages from a device account on the embedded broker', () => {
  let test: TestDatabase;
  let broker: EmbeddedBroker;
  let worker: TestWorker;
  let device: MqttClient;
  const sensorId = `poison-e-${tag}`;
  const service = { username: 'cityops', password: `service-${tag}` };

  beforeAll(async () => {
    test = await createTestDatabase();
    await registerSensor(test.db, { id: sensorId, kind: 'tide_level', mqttPassword: `device-${tag}` });
    broker = new EmbeddedBroker({
      port: 0,
      serviceUsername: service.username,
      servicePassword: service.password,
      devices: { authenticate: (username, password) => authenticateSensorDevice(test.db, secretBox, username, password) },
      logger: testLogger,
    });
    await broker.start();
    worker = await startTestWorker(test.db, {
      group: '',
      shareGroup: undefined,
      broker: { url: broker.url, clientId: `ingest-${tag}`, ...service, sessionExpirySeconds: 120, receiveMaximum: 5000 },
    });
    device = await mqtt.connectAsync(broker.url, { clientId: sensorId, username: sensorId, password: `device-${tag}`, reconnectPeriod: 0 });
  });
  afterAll(async () => {
    await device?.endAsync();
    await worker?.stop();
    await broker?.stop();
    await test?.drop();
  });

  it('acknowledges every poison message as a dead letter and keeps storing readings', { timeout: 90_000 }, async () => {
    // The embedded broker closes the connection of a packet over 257 KB, as Mosquitto does
    // (tests/foundation/broker-acl.test.ts), so the 1 MB message never reaches the worker there.
    await sendPoisonThenGood(test, device, sensorId, POISON.filter(([payload]) => Buffer.byteLength(payload) <= 263_000));
  });
});
