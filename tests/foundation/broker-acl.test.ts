// Device access control on both brokers CityOps supports: the embedded aedes broker (enforced in
// code) and a real Mosquitto started with the password and ACL files `npm run broker:export` writes.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { SecretBox } from '../../core/secret-box.ts';
import { createLogger } from '../../core/logger.ts';
import { EmbeddedBroker } from '../../core/mqtt/embedded-broker.ts';
import { insertSensor, authenticateSensorDevice } from '../../devices/sensor-repository.ts';
import { sensorInput } from '../../devices/schemas.ts';
import { buildBrokerFiles } from '../../devices/broker-credentials.ts';

const SERVICE = { username: 'cityops', password: 'service-password-123' };
let test: TestDatabase;
const secretBox = new SecretBox(randomBytes(32));
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  test = await createTestDatabase();
  for (const id of ['tide-a', 'tide-b']) {
    await insertSensor(test.db, secretBox, sensorInput.parse({ id, name: id, kind: 'tide_level', mqttPassword: `${id}-password` }));
  }
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await test?.drop();
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

function connect(url: string, username: string, password: string, protocolVersion: 4 | 5 = 4, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { username, password, protocolVersion, reconnectPeriod: 0, connectTimeout: 5000, clientId: username, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}

/** Publishes as `device` to both its own and another sensor's topic; returns what the service account received. */
async function publishOwnAndForeign(url: string, protocolVersion: 4 | 5): Promise<string[]> {
  const service = await connect(url, SERVICE.username, SERVICE.password, protocolVersion);
  const received: string[] = [];
  service.on('message', (topic) => received.push(topic));
  await service.subscribeAsync('cityops/sensors/+/reading', { qos: 1 });
  const device = await connect(url, 'tide-a', 'tide-a-password', protocolVersion);
  await device.publishAsync('cityops/sensors/tide-a/reading', JSON.stringify({ value: 1.2 }), { qos: 1 });
  // MQTT 3.1.1 has no negative PUBACK: a broker drops the message or the connection, so don't wait on it.
  const foreign = device.publishAsync('cityops/sensors/tide-b/reading', JSON.stringify({ value: 9.9 }), { qos: 1 }).catch(() => {});
  await Promise.race([foreign, new Promise((resolve) => setTimeout(resolve, 1000))]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  await device.endAsync(true);
  await service.endAsync();
  return received;
}

describe('embedded broker', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = new EmbeddedBroker({
      port: 0,
      serviceUsername: SERVICE.username,
      servicePassword: SERVICE.password,
      devices: { authenticate: (username, password) => authenticateSensorDevice(test.db, secretBox, username, password) },
      logger: createLogger('silent'),
    });
    await broker.start();
    cleanups.push(() => broker.stop());
  });

  it('refuses anonymous clients and wrong device passwords', async () => {
    await expect(connect(broker.url, '', '')).rejects.toThrow();
    await expect(connect(broker.url, 'tide-a', 'not-the-password')).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it('lets a device publish only to its own reading topic', async () => {
    expect(await publishOwnAndForeign(broker.url, 4)).toEqual(['cityops/sensors/tide-a/reading']);
  });

  it('refuses a multibyte service password of the right length in characters, and keeps serving', async () => {
    // 'ü' is one character and two bytes: the old length check passed and timingSafeEqual threw.
    const multibyte = 'ü' + SERVICE.password.slice(1);
    expect(multibyte.length).toBe(SERVICE.password.length);
    await expect(connect(broker.url, SERVICE.username, multibyte, 4, { clientId: 'svc-multibyte' })).rejects.toThrow(/Bad username or password/i);
    await expect(connect(broker.url, SERVICE.username, '密码'.repeat(40), 4, { clientId: 'svc-long' })).rejects.toThrow(/Bad username or password/i);
    (await connect(broker.url, SERVICE.username, SERVICE.password, 4, { clientId: 'svc-after' })).end(true);
  });

  it("refuses a device using a client id it does not own, so it cannot take over sensor-ingest's session", async () => {
    // sensor-ingest holds a persistent session (clean = false) with a subscription.
    const ingestId = 'cityops-sensor-ingest-host';
    const ingest = await connect(broker.url, SERVICE.username, SERVICE.password, 4, { clientId: ingestId, clean: false });
    await ingest.subscribeAsync('cityops/sensors/+/reading', { qos: 1 });
    let ingestClosed = false;
    ingest.on('close', () => (ingestClosed = true));
    for (const clientId of [ingestId, 'tide-b', 'tide-ab', 'tide-', '']) {
      await expect(connect(broker.url, 'tide-a', 'tide-a-password', 4, { clientId }), `client id "${clientId}"`).rejects.toThrow(/Identifier rejected|client id/i);
    }
    expect(ingestClosed).toBe(false);
    // Its own ids are fine.
    for (const clientId of ['tide-a', 'tide-a:gateway-2']) (await connect(broker.url, 'tide-a', 'tide-a-password', 4, { clientId })).end(true);
    const received: string[] = [];
    ingest.on('message', (topic) => received.push(topic));
    const device = await connect(broker.url, 'tide-a', 'tide-a-password');
    await device.publishAsync('cityops/sensors/tide-a/reading', JSON.stringify({ value: 1.1 }), { qos: 1 });
    await device.endAsync();
    await waitUntil(() => received.length === 1);
    await ingest.endAsync();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('production Mosquitto with exported credentials', () => {
  let url: string;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cityops-mosquitto-'));
    chmodSync(dir, 0o755); // started as root, mosquitto drops to its own user, which must read these files
    const files = await buildBrokerFiles(test.db, secretBox, SERVICE);
    expect(files.devices).toBe(2);
    writeFileSync(path.join(dir, 'passwd'), files.passwd);
    writeFileSync(path.join(dir, 'acl'), files.acl);
    const port = await freePort();
    writeFileSync(
      path.join(dir, 'mosquitto.conf'),
      [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${dir}/passwd`, `acl_file ${dir}/acl`, 'persistence false'].join('\n') + '\n',
    );
    const broker: ChildProcess = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    cleanups.push(() => broker.kill('SIGTERM'));
    url = `mqtt://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      try {
        (await connect(url, SERVICE.username, SERVICE.password)).end(true);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error('mosquitto did not start');
  });

  it('accepts the exported device password and refuses a wrong one', async () => {
    (await connect(url, 'tide-b', 'tide-b-password', 5)).end(true);
    await expect(connect(url, 'tide-b', 'wrong', 5)).rejects.toThrow();
  });

  it('lets a device publish only to its own reading topic (MQTT 5)', async () => {
    expect(await publishOwnAndForeign(url, 5)).toEqual(['cityops/sensors/tide-a/reading']);
  });
});
