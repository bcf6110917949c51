// The embedded start's sensor path: the aedes broker (MQTT 3.1.1) with per-device credentials and ACL,
// the ingest worker on a plain subscription, and the simulator publishing as each device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { EmbeddedBroker } from '../../core/mqtt/embedded-broker.ts';
import { metricsRegistry } from '../../core/metrics.ts';
import { authenticateSensorDevice } from '../../devices/sensor-repository.ts';
import { ensureDeviceCredentials } from '../../devices/broker-credentials.ts';
import { SensorSimulator } from '../../ingest/sensors/simulator.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { registerSensor, runTag, secretBox, startTestWorker, testLogger, topicOf, waitFor, type TestWorker } from './helpers.ts';

let test: TestDatabase;
let broker: EmbeddedBroker;
let worker: TestWorker;
let simulator: SensorSimulator;
let credentials: Map<string, { username: string; password: string }>;
const tag = runTag();
const tide = `tide-${tag}-001`;
const canal = `canal-${tag}-002`;
const servicePassword = `svc-${tag}-${tag}`;

async function rejections(reason: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('cityops_broker_rejections_total')!.get();
  return metric.values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

const countOf = async (sensorId: string) =>
  (await test.db.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE sensor_id = $1`, [sensorId])).rows[0].n as number;

beforeAll(async () => {
  test = await createTestDatabase();
  await registerSensor(test.db, { id: tide, kind: 'tide_level', level1: 1.5, level2: 1.6, level3: 1.7 });
  await registerSensor(test.db, { id: canal, kind: 'water_level' });
  broker = new EmbeddedBroker({
    port: 0,
    serviceUsername: 'cityops',
    servicePassword,
    devices: { authenticate: (username, password) => authenticateSensorDevice(test.db, secretBox, username, password) },
    logger: testLogger,
  });
  await broker.start();
  credentials = await ensureDeviceCredentials(test.db, secretBox, [tide, canal]);
  // No share group: the embedded aedes broker speaks MQTT 3.1.1 only.
  worker = await startTestWorker(test.db, {
    group: '',
    shareGroup: undefined,
    broker: { url: broker.url, clientId: `embedded-ingest-${tag}`, username: 'cityops', password: servicePassword, sessionExpirySeconds: 60, receiveMaximum: 1000 },
  });
});

afterAll(async () => {
  await simulator?.stop();
  await worker?.stop();
  await broker?.stop();
  await test?.drop();
});

describe('embedded broker sensor path', () => {
  it('gives each simulated sensor its own device password, stored encrypted', async () => {
    expect(credentials.get(tide)).toEqual({ username: tide, password: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/) });
    const row = (await test.db.query(`SELECT mqtt_username, mqtt_password_encrypted FROM sensors WHERE id = $1`, [tide])).rows[0];
    expect(row.mqtt_username).toBe(tide);
    expect(row.mqtt_password_encrypted).toMatch(/^v1:/);
    expect(row.mqtt_password_encrypted).not.toContain(credentials.get(tide)!.password);
    // Asking again returns the same password: the demo keeps working across restarts.
    expect((await ensureDeviceCredentials(test.db, secretBox, [tide])).get(tide)).toEqual(credentials.get(tide));
  });

  it('stores what the simulator publishes with device credentials over MQTT 3.1.1', async () => {
    simulator = new SensorSimulator({
      url: broker.url,
      devices: [
        { id: tide, kind: 'tide_level', intervalMs: 100, credentials: credentials.get(tide) },
        { id: canal, kind: 'water_level', intervalMs: 100, credentials: credentials.get(canal) },
      ],
      // One simulated hour per real second: the gauge starts 2 h before high water and passes 1.70 m.
      timeFactor: 3600,
      startHours: -2,
      logger: testLogger,
    });
    await simulator.start();
    await waitFor(async () => [await countOf(tide), await countOf(canal)], ([a, b]) => a >= 20 && b >= 20, 15_000, 'simulated readings');
    const max = (await test.db.query(`SELECT max(value) AS max FROM sensor_readings WHERE sensor_id = $1`, [tide])).rows[0].max;
    await waitFor(
      async () => (await test.db.query(`SELECT max(value) AS max FROM sensor_readings WHERE sensor_id = $1`, [tide])).rows[0].max as number,
      (value) => value > 1.7,
      15_000,
      `the tide passing 1.70 m (max so far ${max})`,
    );
    expect(simulator.stats.failed).toBe(0);
  });

  it('refuses a device publishing to another sensor’s topic, and a wrong password', async () => {
    await simulator.stop();
    const before = await rejections('acl_publish');
    const { username, password } = credentials.get(tide)!;
    const device = await mqtt.connectAsync(broker.url, { clientId: username, username, password, reconnectPeriod: 0 });
    const marker = 4.321;
    // Its own topic is fine…
    await device.publishAsync(topicOf(tide), JSON.stringify({ ts: Date.now(), value: marker }), { qos: 1 });
    // …another sensor's is not: aedes refuses the publish and drops the connection.
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish(topicOf(canal), JSON.stringify({ ts: Date.now(), value: marker }), { qos: 1 });
    await closed;
    await device.endAsync(true);
    expect(await rejections('acl_publish')).toBe(before + 1);
    await waitFor(
      async () => (await test.db.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE sensor_id = $1 AND value = $2`, [tide, marker])).rows[0].n,
      (n) => n === 1,
      5000,
      'own-topic reading',
    );
    expect((await test.db.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE sensor_id = $1 AND value = $2`, [canal, marker])).rows[0].n).toBe(0);

    await expect(mqtt.connectAsync(broker.url, { clientId: `bad-${tag}`, username, password: 'wrong-password', reconnectPeriod: 0 })).rejects.toThrow();
  });
});
