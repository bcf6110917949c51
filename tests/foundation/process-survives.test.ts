// The process never exits on a failure nobody caught. Here PostgreSQL goes away under a running system
// (its own private server, so the shared one is untouched): the periodic jobs that query it fail (clip
// retention every minute, among others) and the process stays up, /readyz says 503 without error text,
// and everything is ready again when the database returns.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabase } from '../../core/database/embedded.ts';
import { createLogger } from '../../core/logger.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { waitFor } from '../support/wait.ts';
import { freePort } from '../support/free-port.ts';

const root = path.resolve(import.meta.dirname, '../..');
/** Long enough for the minutely clip retention to run into the outage at least once. */
const OUTAGE_OBSERVED_MS = 75_000;
const METRICS_TOKEN = `survives-${process.pid}-${Date.now()}`;

let child: ChildProcess | undefined;
let database: EmbeddedDatabase | undefined;
const dataDir = mkdtempSync(path.join(tmpdir(), 'cityops-survives-'));
chmodSync(dataDir, 0o755); // as root, the PostgreSQL runs as the postgres user and must reach it

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    // A stop that hangs is a failure already reported by the test: do not leave the process behind.
    const forced = setTimeout(() => child!.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(forced);
  }
  await database?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

async function faultCount(url: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  return [...text.matchAll(/^cityops_(?:faults_total|periodic_task_failures_total)\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe('a process whose database goes away', () => {
  it('stays up, counts the failures, answers /readyz 503 without error text, and is ready again when the database returns', async () => {
    const [port, databasePort, mqttPort] = await Promise.all([freePort(), freePort(), freePort()]);
    database = new EmbeddedDatabase(path.join(dataDir, 'database'), databasePort, createLogger('silent'));
    await database.start();
    child = spawn(process.execPath, ['--import', 'tsx', 'apps/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: path.join(dataDir, 'cityops'),
        PORT: String(port),
        DATABASE_URL: database.url,
        MQTT_URL: '',
        EMBEDDED_MQTT_PORT: String(mqttPort),
        METRICS_TOKEN,
        ASSET_MIRROR_DIR: assetMirrorDir(),
        LOG_LEVEL: 'warn',
        SIMULATE: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const running = () => {
      if (child!.exitCode !== null) throw new Error(`the process exited with ${child!.exitCode} during the outage:\n${output.slice(-4000)}`);
      return true;
    };
    const url = await waitFor('the dashboard URL', () => running() && /CityOps dashboard: (\S+)/.exec(output)?.[1], 120_000, 200);
    const faultsBefore = await faultCount(url);

    await database.stop();
    const outageStarted = Date.now();
    // Wait until a failure was caught (clip retention runs every minute), or long enough that one would have been.
    await waitFor(
      'a failure caught during the outage',
      async () => running() && ((await faultCount(url)) > faultsBefore || Date.now() - outageStarted > OUTAGE_OBSERVED_MS),
      OUTAGE_OBSERVED_MS + 30_000,
      1000,
    );
    running();
    const notReady = await fetch(new URL('/readyz', url));
    const body = await notReady.json();
    expect(notReady.status).toBe(503);
    expect(body.status).toBe('not_ready');
    expect(body.checks.database).toBe('unreachable');
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|connect|127\.0\.0\.1|password/i);
    expect(body.components).toContainEqual(expect.objectContaining({ name: 'database', state: 'down' }));

    await database.start();
    await waitFor('/readyz 200 again', async () => running() && (await fetch(new URL('/readyz', url))).status === 200, 60_000, 500);

    // And it still stops cleanly after the outage.
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited, `exit code after SIGTERM; output:\n${output.slice(-4000)}`).toBe(0);
  }, 300_000);
});
