// The default start supervises what it embeds: PostgreSQL killed with SIGKILL comes back on its own and
// the roles go on storing readings; and when the node process itself is killed with SIGKILL (no exit
// handler runs), no PostgreSQL or ffmpeg it started is left behind (core/child-watchdog.ts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { assetMirrorDir } from '../support/urls.ts';
import { waitFor } from '../support/wait.ts';
import { freePort } from '../support/free-port.ts';

const root = path.resolve(import.meta.dirname, '../..');
let child: ChildProcess | undefined;
const dataDir = mkdtempSync(path.join(tmpdir(), 'cityops-supervision-'));
chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user and must reach it

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every process below `pid`, with its command line. */
function descendants(pid: number): { pid: number; args: string }[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args=']).toString().trim().split('\n').map((line) => {
    const [, childPid, parentPid, args] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)!;
    return { pid: Number(childPid), ppid: Number(parentPid), args };
  });
  const found: { pid: number; args: string }[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const row of rows.filter((candidate) => candidate.ppid === parent)) {
      found.push({ pid: row.pid, args: row.args });
      queue.push(row.pid);
    }
  }
  return found;
}

const postmasterPid = () => {
  const file = path.join(dataDir, 'postgres', 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : 0;
};

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    // A stop that hangs is a failure already reported by the test: do not leave the process behind.
    const forced = setTimeout(() => child!.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(forced);
  }
  // If the watchdog failed, do not leave a PostgreSQL running for the next test.
  const pid = postmasterPid();
  if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe('embedded supervision', () => {
  it('restarts a killed PostgreSQL (readings are stored again), and leaves no PostgreSQL or ffmpeg behind after kill -9 of node', async () => {
    const [port, databasePort, mqttPort, rtspPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    child = spawn(process.execPath, ['--import', 'tsx', 'apps/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        EMBEDDED_DATABASE_PORT: String(databasePort),
        EMBEDDED_MQTT_PORT: String(mqttPort),
        SIM_RTSP_PORT: String(rtspPort),
        SIMULATED_CAMERAS: '1',
        SIMULATED_SENSORS: '3',
        ASSET_MIRROR_DIR: assetMirrorDir(),
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        MQTT_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const running = () => {
      if (child!.exitCode !== null) throw new Error(`exited with ${child!.exitCode}:\n${output.slice(-3000)}`);
      return true;
    };
    const url = await waitFor('the dashboard URL', () => running() && /CityOps dashboard: (\S+)/.exec(output)?.[1], 120_000, 200);

    // 1. PostgreSQL killed hard comes back, and readings published after it are stored.
    const firstPostmaster = postmasterPid();
    expect(alive(firstPostmaster)).toBe(true);
    const killedAt = Date.now();
    process.kill(firstPostmaster, 'SIGKILL');
    const databaseUrl = `postgres://postgres:${encodeURIComponent(readFileSync(path.join(dataDir, 'postgres.password'), 'utf8').trim())}@127.0.0.1:${databasePort}/cityops`;
    const query = async (sql: string, values: unknown[] = []) => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query(sql, values)).rows;
      } finally {
        await client.end();
      }
    };
    const backAt = await waitFor(
      'PostgreSQL running again',
      async () => {
        running();
        const pid = postmasterPid();
        if (pid === firstPostmaster || !alive(pid)) return false;
        return query('SELECT now() AS now').then((rows) => rows[0].now as Date, () => false as const);
      },
      60_000,
      200,
    );
    console.info(`figure: embedded PostgreSQL answering again ${Date.now() - killedAt} ms after kill -9`);
    await waitFor(
      'a sensor reading stored after the restart',
      async () => running() && Number((await query('SELECT count(*) FROM sensor_readings WHERE received_at > $1', [backAt]))[0].count) > 0,
      60_000,
      500,
    );
    await waitFor(
      '/readyz 200 with the embedded PostgreSQL ok',
      async () => {
        const response = await fetch(new URL('/readyz', url));
        const body = await response.json();
        return response.status === 200 && body.components.some((component: { name: string; state: string }) => component.name === 'embedded-postgres' && component.state === 'ok');
      },
      30_000,
      500,
    );

    // 2. kill -9 of node: the watchdog stops what it left.
    const started = await waitFor(
      'PostgreSQL and ffmpeg running under node',
      () => {
        running();
        const found = descendants(child!.pid!);
        return found.some((process) => /ffmpeg/.test(process.args)) && found.some((process) => process.pid === postmasterPid()) && found;
      },
      60_000,
      500,
    );
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const nodeKilledAt = Date.now();
    const leftBehind = () => started.filter((process) => alive(process.pid) && !/cityops-child-watchdog/.test(process.args));
    await waitFor('every PostgreSQL and ffmpeg process of the killed node to end', () => leftBehind().length === 0, 30_000, 200).catch((error) => {
      throw new Error(`${(error as Error).message}; still running: ${JSON.stringify(leftBehind())}`);
    });
    console.info(`figure: ${started.length} child processes of node (PostgreSQL, ffmpeg) gone ${Date.now() - nodeKilledAt} ms after kill -9 of node`);
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain(path.join(dataDir, 'postgres'));
  }, 420_000);
});
