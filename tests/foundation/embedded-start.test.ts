// The README's start command on a fresh data directory: embedded PostgreSQL and MQTT broker, all
// roles in one process, the dashboard URL and a one-time admin password printed, /healthz answering.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { assetMirrorDir } from '../support/urls.ts';
import { freePort } from '../support/free-port.ts';

const root = path.resolve(import.meta.dirname, '../..');
let child: ChildProcess | undefined;
const dataDir = mkdtempSync(path.join(tmpdir(), 'cityops-embedded-'));
chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user and must reach it

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start with no configuration', () => {
  it('serves the dashboard URL with /healthz 200, prints the one-time admin password, and stops cleanly', async () => {
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
        SIMULATED_CAMERAS: '2',
        SIMULATED_SENSORS: '6',
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

    const deadline = Date.now() + 120_000;
    while (!/CityOps dashboard: (\S+)[\s\S]*shown only once/.test(output)) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`no dashboard URL within 120 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const url = /CityOps dashboard: (\S+)/.exec(output)![1];
    expect(url).toBe(`http://127.0.0.1:${port}/`);
    expect(output).toMatch(/First admin: admin \/ one-time password: [a-z2-9]{4}(-[a-z2-9]{4}){3}/);
    expect((await fetch(new URL('/healthz', url))).status).toBe(200);
    const ready = await (await fetch(new URL('/readyz', url))).json();
    expect(ready.checks).toEqual({ database: 'ok', broker: 'ok' });

    // The demo devices were seeded in the embedded database.
    const password = /one-time password: (\S+)/.exec(output)![1];
    const login = await fetch(new URL('/api/auth/login', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    expect(login.status).toBe(200);

    // Least privilege: the roles connect as the application role, which is no superuser; its
    // generated password (like the owner's) is readable by the CityOps user only.
    const superuser = new pg.Client({
      connectionString: `postgres://postgres:${encodeURIComponent(readFileSync(path.join(dataDir, 'postgres.password'), 'utf8').trim())}@127.0.0.1:${databasePort}/cityops`,
    });
    await superuser.connect();
    try {
      const sessions = await superuser.query(
        `SELECT DISTINCT a.usename AS role, r.rolsuper AS superuser FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename
         WHERE a.datname = 'cityops' AND a.application_name = 'cityops' AND a.pid <> pg_backend_pid() AND a.usename <> 'cityops_owner'`,
      );
      expect(sessions.rows).toEqual([{ role: 'cityops_app', superuser: false }]);
    } finally {
      await superuser.end();
    }
    for (const file of ['postgres-owner.password', 'postgres-app.password']) expect(statSync(path.join(dataDir, file)).mode & 0o777, file).toBe(0o600);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited, `exit code after SIGTERM; output:\n${output.slice(-3000)}`).toBe(0);
    // Nothing it started is left running (the embedded PostgreSQL runs with -D <dataDir>).
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain(dataDir);
  }, 180_000);
});
