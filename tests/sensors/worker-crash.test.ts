// A sensor-ingest worker killed with SIGKILL loses nothing: two real `--role sensor-ingest` processes share
// the subscription on the real Mosquitto; one is killed mid-stream and restarted with the same client id,
// takes its persistent session back and receives what the broker kept for it (un-acknowledged and queued).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testMqttUrl } from '../support/urls.ts';
import { connectPublisher, publishSteadily, reconcile, registerSensor, runTag, waitFor } from './helpers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tag = runTag();
const sensorIds = Array.from({ length: 10 }, (_, i) => `crash-${tag}-${i}`);
let test: TestDatabase;
let publisher: MqttClient;
const children = new Set<ChildProcess>();
const dataDirs: string[] = [];

/** Starts the real role entry as its own process; resolves once it has subscribed. */
const dataDirOf = new Map<string, string>();

function startWorkerProcess(clientId: string): Promise<ChildProcess> {
  // A restarted worker keeps its DATA_DIR, as it would on its machine: readings it acknowledged to the
  // broker after writing them to its local spool (database behind) are replayed from there.
  let dataDir = dataDirOf.get(clientId);
  if (!dataDir) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cityops-crash-'));
    dataDirOf.set(clientId, dataDir);
    dataDirs.push(dataDir);
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/main.ts', '--role', 'sensor-ingest'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: test.url,
      MQTT_URL: testMqttUrl(),
      DATA_DIR: dataDir,
      SIMULATE: 'false',
      LOG_LEVEL: 'info',
      SENSOR_INGEST_CLIENT_ID: clientId,
      SENSOR_INGEST_SHARE_GROUP: `crash-${tag}`,
      SENSOR_INGEST_SESSION_EXPIRY_SECONDS: '300',
      SENSOR_INGEST_BATCH_MS: '50',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`worker ${clientId} did not subscribe:\n${output.slice(-2000)}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"sensor ingest subscribed"')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${clientId} exited (${code}):\n${output.slice(-2000)}`));
    });
  });
}

beforeAll(async () => {
  test = await createTestDatabase();
  for (const id of sensorIds) await registerSensor(test.db, { id, kind: 'rainfall' });
  publisher = await connectPublisher();
});

afterAll(async () => {
  await publisher?.endAsync();
  for (const child of children) child.kill('SIGKILL');
  await test?.drop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('worker crash', () => {
  it('a worker killed with SIGKILL loses nothing: the restarted one takes its session back', { timeout: 240_000 }, async () => {
    const [first, second] = await Promise.all([startWorkerProcess(`crash-${tag}-a`), startWorkerProcess(`crash-${tag}-b`)]);
    let killed = false;
    let restarted: Promise<ChildProcess> | undefined;
    let killedAt = 0;
    // 60 readings/s for 25 s; worker A dies at 5 s and is started again 3 s later. Mosquitto keeps what it
    // routes to A meanwhile and redelivers A's un-acknowledged messages. Its queue per client is bounded
    // (max_queued_messages, 1000 by default): at A's share of 30/s that is half a minute of absence, room
    // for a slow restart on a loaded machine.
    const { sent, failed } = await publishSteadily(publisher, {
      sensorIds,
      ratePerSecond: 60,
      durationMs: 25_000,
      onProgress: (_count, elapsed) => {
        if (!killed && elapsed >= 5000) {
          killed = true;
          killedAt = Date.now();
          first.kill('SIGKILL');
        }
        if (killed && !restarted && Date.now() - killedAt >= 3000) restarted = startWorkerProcess(`crash-${tag}-a`);
      },
    });
    expect(failed).toBe(0);
    expect(first.signalCode).toBe('SIGKILL');
    await restarted;
    const outcome = await waitFor(() => reconcile(test.db, sent), (result) => result.missing === 0, 60_000, 'every reading stored');
    expect(outcome).toEqual({ stored: sent.length, missing: 0, duplicated: 0 });
    expect(second.exitCode).toBeNull(); // the other worker kept running throughout
  });
});
