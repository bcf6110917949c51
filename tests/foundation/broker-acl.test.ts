// Device access control on both brokers CityOps supports: the embedded aedes broker (enforced in
// code) and a real Mosquitto started with the password and ACL files `npm run broker:export` writes.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
import { freePort } from '../support/free-port.ts';

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

  it('closes the connection of a device sending a packet over the size limit, and keeps serving', async () => {
    const service = await connect(broker.url, SERVICE.username, SERVICE.password, 4, { clientId: 'svc-size' });
    const received: number[] = [];
    service.on('message', (_topic, payload) => received.push(payload.length));
    await service.subscribeAsync('cityops/sensors/tide-a/reading', { qos: 1 });
    const device = await connect(broker.url, 'tide-a', 'tide-a-password');
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish('cityops/sensors/tide-a/reading', Buffer.alloc(1024 * 1024, 0x5b), { qos: 1 }, () => {});
    await closed;
    device.end(true);
    const next = await connect(broker.url, 'tide-a', 'tide-a-password');
    await next.publishAsync('cityops/sensors/tide-a/reading', Buffer.alloc(200 * 1024, 0x20), { qos: 1 }); // under the limit
    await next.publishAsync('cityops/sensors/tide-a/reading', '{"value":1.2}', { qos: 1 });
    await next.endAsync();
    await waitUntil(() => received.length === 2);
    expect(received).toEqual([200 * 1024, 13]);
    await service.endAsync();
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

// The production config itself (core/deploy/mosquitto/mosquitto.conf), run by the real mosquitto with only
// its paths and ports changed: a self-signed certificate made by openssl, a private data directory.
describe('production mosquitto.conf on the real Mosquitto', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cityops-mosquitto-prod-'));
  let plainUrl: string;
  let tlsUrl: string;
  let broker: ChildProcess | undefined;
  let conf: string;
  let ca: Buffer;

  async function startBroker() {
    broker = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        (await connect(plainUrl, SERVICE.username, SERVICE.password, 5, { clientId: `probe-${i}` })).end(true);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error('mosquitto did not start with the production config');
  }

  async function killBroker(signal: NodeJS.Signals) {
    const running = broker;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  }

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    for (const sub of ['generated', 'certs', 'data']) mkdirSync(path.join(dir, sub));
    chmodSync(path.join(dir, 'data'), 0o777); // mosquitto drops root for its own user and writes here
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', path.join(dir, 'certs/server.key'), '-out', path.join(dir, 'certs/server.crt')], { stdio: 'ignore' });
    chmodSync(path.join(dir, 'certs/server.key'), 0o644);
    ca = readFileSync(path.join(dir, 'certs/server.crt'));
    const files = await buildBrokerFiles(test.db, secretBox, SERVICE);
    writeFileSync(path.join(dir, 'generated/passwd'), files.passwd);
    writeFileSync(path.join(dir, 'generated/acl'), files.acl);
    const [plainPort, tlsPort] = [await freePort(), await freePort()];
    const production = readFileSync(path.resolve(import.meta.dirname, '../../core/deploy/mosquitto/mosquitto.conf'), 'utf8');
    expect(production).toMatch(/^listener 1883$/m);
    expect(production).toMatch(/^listener 8883$/m);
    conf = path.join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      production
        .replaceAll('/mosquitto/config/generated/', `${dir}/generated/`)
        .replaceAll('/mosquitto/certs/', `${dir}/certs/`)
        .replaceAll('/mosquitto/data/', `${dir}/data/`)
        .replace(/^listener 1883$/m, `listener ${plainPort} 127.0.0.1`)
        .replace(/^listener 8883$/m, `listener ${tlsPort} 127.0.0.1`),
    );
    plainUrl = `mqtt://127.0.0.1:${plainPort}`;
    tlsUrl = `mqtts://127.0.0.1:${tlsPort}`;
    await startBroker();
    cleanups.push(() => killBroker('SIGTERM'));
  });

  const tlsDevice = (options: mqtt.IClientOptions = {}) => connect(tlsUrl, 'tide-a', 'tide-a-password', 5, { ca, servername: 'localhost', ...options });

  it('takes device connections over TLS and refuses plaintext on the device port', async () => {
    const service = await connect(plainUrl, SERVICE.username, SERVICE.password, 5, { clientId: 'svc-tls-check' });
    const received: string[] = [];
    service.on('message', (_topic, payload) => received.push(payload.toString()));
    await service.subscribeAsync('cityops/sensors/tide-a/reading', { qos: 1 });
    const device = await tlsDevice();
    await device.publishAsync('cityops/sensors/tide-a/reading', '{"value":1.3}', { qos: 1 });
    await device.endAsync();
    await waitUntil(() => received.length === 1);
    await service.endAsync();
    await expect(connect(tlsUrl.replace('mqtts:', 'mqtt:'), 'tide-a', 'tide-a-password', 5)).rejects.toThrow();
    await expect(tlsDevice({ ca: undefined, rejectUnauthorized: true })).rejects.toThrow(/self.signed|certificate/i);
  });

  it("forces a device's client id to its username, so it cannot take over sensor-ingest's session", async () => {
    const ingestId = 'cityops-sensor-ingest-prod-test';
    const ingest = await connect(plainUrl, SERVICE.username, SERVICE.password, 5, { clientId: ingestId, clean: false, properties: { sessionExpiryInterval: 300 } });
    await ingest.subscribeAsync('cityops/sensors/+/reading', { qos: 1 });
    let ingestClosed = false;
    ingest.on('close', () => (ingestClosed = true));
    const received: string[] = [];
    ingest.on('message', (_topic, payload) => received.push(payload.toString()));
    const impostor = await tlsDevice({ clientId: ingestId, clean: true });
    await impostor.publishAsync('cityops/sensors/tide-a/reading', '{"value":1.4}', { qos: 1 });
    await impostor.endAsync();
    await waitUntil(() => received.length === 1);
    expect(ingestClosed).toBe(false);
    await ingest.endAsync();
  });

  it('refuses a packet over the size limit and disconnects its sender', async () => {
    const service = await connect(plainUrl, SERVICE.username, SERVICE.password, 5, { clientId: 'svc-size-check' });
    const received: number[] = [];
    service.on('message', (_topic, payload) => received.push(payload.length));
    await service.subscribeAsync('cityops/sensors/tide-a/reading', { qos: 1 });
    const device = await tlsDevice();
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish('cityops/sensors/tide-a/reading', Buffer.alloc(1024 * 1024, 0x5b), { qos: 1 }, () => {});
    await closed;
    device.end(true);
    const next = await tlsDevice();
    await next.publishAsync('cityops/sensors/tide-a/reading', '{"value":1.5}', { qos: 1 });
    await next.endAsync();
    await waitUntil(() => received.length === 1);
    expect(received).toEqual([13]);
    await service.endAsync();
  });

  it('keeps an acknowledged reading queued for an offline sensor-ingest across a kill -9 of the broker', async () => {
    const ingestId = 'cityops-sensor-ingest-persist-test';
    const options = { clientId: ingestId, clean: false, properties: { sessionExpiryInterval: 300 } };
    const ingest = await connect(plainUrl, SERVICE.username, SERVICE.password, 5, options);
    await ingest.subscribeAsync('cityops/sensors/+/reading', { qos: 1 });
    await ingest.endAsync(); // away: the broker queues for its session
    const database = path.join(dir, 'data', 'mosquitto.db');
    const device = await tlsDevice();
    await device.publishAsync('cityops/sensors/tide-a/reading', '{"value":1.6,"seq":77}', { qos: 1 });
    const acknowledgedAt = Date.now();
    await device.endAsync();
    // The broker saves on its own (autosave); wait for a save that began after the PUBACK, then crash it.
    // With the former autosave_interval 1800 this waits in vain.
    await waitUntil(() => existsSync(database) && statSync(database).mtimeMs > acknowledgedAt + 5, 15_000);
    await killBroker('SIGKILL');
    await startBroker();
    const received: string[] = [];
    const back = await new Promise<MqttClient>((resolve, reject) => {
      const client = mqtt.connect(plainUrl, { username: SERVICE.username, password: SERVICE.password, protocolVersion: 5, reconnectPeriod: 0, ...options });
      client.on('message', (_topic, payload) => received.push(payload.toString()));
      client.once('connect', () => resolve(client));
      client.once('error', reject);
    });
    await waitUntil(() => received.length === 1, 10_000);
    expect(received).toEqual(['{"value":1.6,"seq":77}']);
    await back.endAsync();
  });
});
