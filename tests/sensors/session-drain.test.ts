// Readings the broker holds in a session nobody will reconnect to are stored, and that session is ended:
// the former default client id after an upgrade (the role drains it by itself), and a removed worker of the
// shared subscription (`npm run sensors:drain`). And the reverse: a cleanly stopped worker keeps its session,
// so nothing needs draining after a restart. Real processes (the role entry, the npm script), the real
// PostgreSQL and a private Mosquitto: the former default id is derived from this host's name, so on the
// shared broker it could meet a real worker of this machine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type IConnackPacket, type MqttClient } from 'mqtt';
import { loadConfig } from '../../core/config.ts';
import { LegacySessionDrain, legacyClientId, legacySessionNeedsDrain } from '../../ingest/sensors/legacy-session.ts';
import { SensorDirectory } from '../../devices/sensor-directory.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { freePort } from '../support/free-port.ts';
import { reconcile, registerSensor, runTag, startTestWorker, testLogger, topicOf, waitFor, type SentReading } from './helpers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tag = runTag();
const sensorIds = Array.from({ length: 5 }, (_, i) => `drain-${tag}-${i}`);
const SHARED_FILTER = '$share/cityops-sensor-ingest/cityops/sensors/+/reading';
let test: TestDatabase;
let brokerUrl: string;
const cleanups: (() => void | Promise<void>)[] = [];

function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A Mosquitto of this test's own. With `persistenceDir`, it saves its sessions there when stopped and finds
 * them when started again on the same port (a broker restart).
 */
async function startPrivateMosquitto(options: { port?: number; persistenceDir?: string } = {}): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = temporaryDir('cityops-drain-mosquitto-');
  chmodSync(dir, 0o755); // started as root, mosquitto drops to its own user, which must read the file
  const port = options.port ?? (await freePort());
  const persistence = options.persistenceDir ? ['persistence true', `persistence_location ${options.persistenceDir}/`, 'autosave_interval 1'] : ['persistence false'];
  writeFileSync(
    path.join(dir, 'mosquitto.conf'),
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_queued_messages 100000', ...persistence].join('\n') + '\n',
  );
  const broker: ChildProcess = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  const exited = new Promise((resolve) => broker.once('exit', resolve));
  const stop = async () => {
    if (broker.exitCode === null && broker.signalCode === null) broker.kill('SIGTERM');
    await exited;
  };
  cleanups.push(stop);
  const url = `mqtt://127.0.0.1:${port}`;
  await waitFor(
    () => mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1000 }).then((client) => client.endAsync().then(() => true), () => false),
    Boolean,
    10_000,
    'private mosquitto',
  );
  return { url, stop };
}

const environment = (dataDir: string, extra: Record<string, string> = {}) => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: test.url,
    MQTT_URL: brokerUrl,
    DATA_DIR: dataDir,
    SIMULATE: 'false',
    LOG_LEVEL: 'info',
    SENSOR_INGEST_BATCH_MS: '50',
    ...extra,
  };
  delete env.SENSOR_INGEST_CLIENT_ID;
  return env;
};

/** The role entry as its own process; output collected for the test to wait on. */
function startRole(dataDir: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/main.ts', '--role', 'sensor-ingest'], { cwd: root, env: environment(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  cleanups.push(() => void child.kill('SIGKILL'));
  return { child, output: () => output };
}

/** What a stopped worker leaves: a persistent session subscribed to the sensor stream, nobody connected. */
async function leaveOfflineSession(clientId: string, filter: string, url = brokerUrl) {
  const client = await mqtt.connectAsync(url, { clientId, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 600 }, reconnectPeriod: 0 });
  await client.subscribeAsync(filter, { qos: 1 });
  await client.endAsync();
}

/** Publishes `count` readings at QoS 1, each acknowledged by the broker, with a unique (sensor, ts) and seq. */
async function publishReadings(publisher: MqttClient, count: number, firstSeq: number): Promise<SentReading[]> {
  const sent: SentReading[] = [];
  const baseTs = Date.now() - 120_000;
  for (let seq = firstSeq; seq < firstSeq + count; seq++) {
    const reading = { sensorId: sensorIds[seq % sensorIds.length], ts: baseTs + seq, seq };
    sent.push(reading);
    await publisher.publishAsync(topicOf(reading.sensorId), JSON.stringify({ ts: reading.ts, value: (seq % 100) / 10, seq }), { qos: 1 });
  }
  return sent;
}

/** Whether the broker still holds a session for this id (a clean = false connection is told so). */
async function sessionPresent(clientId: string, url = brokerUrl): Promise<boolean> {
  const probe = mqtt.connect(url, { clientId, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 0 }, reconnectPeriod: 0 });
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    probe.once('connect', resolve);
    probe.once('error', reject);
  });
  await probe.endAsync();
  return connack.sessionPresent;
}


/** Runs `npm run sensors:drain` to its end; its exit code and everything it printed. */
async function runDrainCommand(dataDir: string, args: string[], env: Record<string, string>): Promise<{ exitCode: number | null; output: string }> {
  const command = spawn('npm', ['run', '--silent', 'sensors:drain', '--', ...args], { cwd: root, env: environment(dataDir, { LOG_LEVEL: 'debug', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => void command.kill('SIGKILL'));
  let output = '';
  command.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  command.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sensors:drain did not finish:\n${output.slice(-3000)}`)), 45_000);
    command.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return { exitCode, output };
}

let publisher: MqttClient;

beforeAll(async () => {
  test = await createTestDatabase();
  for (const id of sensorIds) await registerSensor(test.db, { id, kind: 'rainfall' });
  brokerUrl = (await startPrivateMosquitto()).url;
  publisher = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, clientId: `drain-pub-${tag}`, reconnectPeriod: 0 });
});

afterAll(async () => {
  await publisher?.endAsync();
  for (const cleanup of cleanups.reverse()) await cleanup();
  await test?.drop();
});

describe('draining sessions nobody reconnects to', () => {
  it('the upgraded worker stores what was queued under the former default id, then ends that session', { timeout: 120_000 }, async () => {
    // The old worker stopped for the upgrade; readings kept coming and were queued in its session.
    const legacyId = legacyClientId();
    await leaveOfflineSession(legacyId, SHARED_FILTER);
    const queued = await publishReadings(publisher, 300, 0);

    const dataDir = temporaryDir('cityops-drain-upgrade-');
    const role = startRole(dataDir);
    try {
      await waitFor(async () => role.output(), (output) => output.includes('"msg":"sensor ingest subscribed"') || role.child.exitCode !== null, 60_000, 'the role to subscribe');
      expect(role.child.exitCode).toBeNull();
      const drained = await waitFor(async () => role.output(), (output) => output.includes('session of the former default client id drained and ended'), 60_000, 'the drain log');
      const line = JSON.parse(drained.split('\n').find((entry) => entry.includes('former default client id drained'))!);
      expect(line).toMatchObject({ clientId: legacyId, sessionPresent: true, messages: 300, readingsStored: 300 });
      expect(await sessionPresent(legacyId)).toBe(false);
      // Readings published after the upgrade reach the new id.
      const live = await publishReadings(publisher, 50, 1000);
      const sent = [...queued, ...live];
      const outcome = await waitFor(() => reconcile(test.db, sent), (result) => result.missing === 0, 60_000, 'every reading stored');
      expect(outcome).toEqual({ stored: sent.length, missing: 0, duplicated: 0 });
      expect(role.output().match(/former default client id drained/g)).toHaveLength(1);
      expect(existsSync(path.join(dataDir, 'sensor-ingest'))).toBe(true);
      expect(readdirSync(path.join(dataDir, 'sensor-ingest')).some((name) => name.startsWith('legacy-session-ended-'))).toBe(true);
    } finally {
      // Stopped even when failing: its subscription would store the next tests' readings.
      if (role.child.exitCode === null && role.child.signalCode === null) {
        const exited = new Promise((resolve) => role.child.once('exit', resolve));
        role.child.kill('SIGTERM');
        await exited;
      }
    }
  });

  it('`npm run sensors:drain` stores a removed worker’s share of the shared subscription and ends its session', { timeout: 120_000 }, async () => {
    // Two members of a shared group; one is removed. Mosquitto keeps routing its share to its session.
    const group = `drain-group-${tag}`;
    const filter = `$share/${group}/cityops/sensors/+/reading`;
    const removed = `drain-removed-${tag}`;
    const remaining = `drain-remaining-${tag}`;
    await leaveOfflineSession(removed, filter);
    const member = await mqtt.connectAsync(brokerUrl, { clientId: remaining, clean: true, protocolVersion: 5, reconnectPeriod: 0 });
    cleanups.push(() => member.endAsync());
    await member.subscribeAsync(filter, { qos: 1 }); // the live member acknowledges and drops: only the removed share is checked
    let liveShare = 0;
    member.on('message', () => liveShare++);
    const sent = await publishReadings(publisher, 200, 2000);
    await waitFor(async () => liveShare, (count) => count > 0, 10_000, 'the live member to receive its share');
    expect(await reconcile(test.db, sent)).toMatchObject({ stored: 0 });

    const dataDir = temporaryDir('cityops-drain-cli-');
    const { exitCode, output } = await runDrainCommand(dataDir, ['--client-id', removed], { SENSOR_INGEST_SHARE_GROUP: group });
    expect(exitCode, output).toBe(0);

    const result = JSON.parse(/^sensors:drain (\{.*\})$/m.exec(output)![1]);
    const removedShare: number = result.messages;
    expect(removedShare).toBeGreaterThan(0);
    // Every reading went to one of the two: the live member's share to it, the removed one's is now stored.
    await waitFor(async () => liveShare, (count) => count + removedShare === sent.length, 10_000, 'the live share to arrive');
    expect(result).toMatchObject({ clientId: removed, sessionPresent: true, readingsStored: removedShare, spooledBatchesLeft: 0 });
    expect(output).toContain(`session ${removed} drained: ${removedShare} messages, ${removedShare} readings stored; session ended`);
    expect(await reconcile(test.db, sent)).toEqual({ stored: removedShare, missing: liveShare, duplicated: 0 });
    expect(await sessionPresent(removed)).toBe(false);
  });

  it('`npm run sensors:drain` refuses a session whose owner is connected, and leaves it', { timeout: 60_000 }, async () => {
    const owner = `drain-owner-${tag}`;
    const filter = `$share/owner-${tag}/cityops/sensors/+/reading`;
    // A running worker: persistent session, reconnects at once when its session is taken.
    const worker = await mqtt.connectAsync(brokerUrl, { clientId: owner, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 600 }, reconnectPeriod: 100 });
    await worker.subscribeAsync(filter, { qos: 1 });
    const dataDir = temporaryDir('cityops-drain-owner-');
    const { exitCode, output } = await runDrainCommand(dataDir, ['--client-id', owner, '--quiet-seconds', '5'], { SENSOR_INGEST_SHARE_GROUP: `owner-${tag}` });
    expect(exitCode, output).toBe(3);
    expect(output).toMatch(/client id drain-owner-\S+ is in use/);
    await waitFor(async () => worker.connected, Boolean, 10_000, 'the owner to be connected again');
    await worker.endAsync();
    expect(await sessionPresent(owner)).toBe(true);
  });
});

describe('the former default id’s drain when the broker is away', () => {
  it('does not hold up the role, tries again, and drains once the broker is back', { timeout: 90_000 }, async () => {
    const persistenceDir = temporaryDir('cityops-drain-persist-');
    chmodSync(persistenceDir, 0o777); // mosquitto drops root for its own user and writes here
    const port = await freePort();
    let broker = await startPrivateMosquitto({ port, persistenceDir });
    const clientId = `drain-retry-${tag}`;
    const group = `retry-${tag}`;
    await leaveOfflineSession(clientId, `$share/${group}/cityops/sensors/+/reading`, broker.url);
    const devices = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: `drain-retry-pub-${tag}`, reconnectPeriod: 0 });
    const sent = await publishReadings(devices, 100, 4000);
    await devices.endAsync();
    await broker.stop(); // saves the session and its queue

    const config = loadConfig({ DATA_DIR: temporaryDir('cityops-drain-retry-') }, []);
    const directory = new SensorDirectory(test.db, testLogger);
    await directory.start();
    const drain = new LegacySessionDrain({
      config,
      logger: testLogger,
      drain: {
        db: test.db,
        logger: testLogger,
        sensors: directory,
        broker: { url: broker.url, clientId, sessionExpirySeconds: 600, receiveMaximum: 1000 },
        shareGroup: group,
        spoolDirectory: temporaryDir('cityops-drain-retry-spool-'),
        batchSize: 500,
        batchMaxWaitMs: 50,
      },
      retryMinMs: 200,
    });
    try {
      await drain.start(); // returns at once: the role goes on without the broker
      expect(legacySessionNeedsDrain(config)).toBe(true);
      broker = await startPrivateMosquitto({ port, persistenceDir });
      const outcome = await waitFor(() => reconcile(test.db, sent), (result) => result.missing === 0, 30_000, 'the queued readings after the broker is back');
      expect(outcome).toEqual({ stored: sent.length, missing: 0, duplicated: 0 });
      await waitFor(async () => legacySessionNeedsDrain(config), (needed) => !needed, 15_000, 'the drain to finish');
    } finally {
      await drain.stop();
      await directory.stop();
    }
    expect(await sessionPresent(clientId, broker.url)).toBe(false);
  });
});

describe('stopping a worker', () => {
  it('a clean stop keeps the session: what a single worker misses while stopped is stored after its restart', { timeout: 60_000 }, async () => {
    const clientId = `drain-restart-${tag}`;
    const options = {
      group: `restart-${tag}`,
      clientId,
      broker: { url: brokerUrl, clientId, sessionExpirySeconds: 120, receiveMaximum: 5000 },
      spoolDirectory: temporaryDir('cityops-drain-restart-spool-'),
    };
    const first = await startTestWorker(test.db, options);
    await first.stop(); // SIGTERM's path: no unsubscribe, the session and its subscription stay
    const sent = await publishReadings(publisher, 100, 3000);
    const restarted = await startTestWorker(test.db, options);
    try {
      const outcome = await waitFor(() => reconcile(test.db, sent), (result) => result.missing === 0, 30_000, 'the readings published while stopped');
      expect(outcome).toEqual({ stored: sent.length, missing: 0, duplicated: 0 });
    } finally {
      await restarted.stop();
    }
  });
});
