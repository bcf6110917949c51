// npm run backup / npm run restore on the embedded default: a running system with devices, alerts, users,
// audit rows and an evidence clip is backed up while it runs, restored into a fresh data directory, and
// a new start there has all of it. A restore over a database that holds data is refused without --force.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { raiseAlert } from '../../core/alerts/raise.ts';
import { recordAudit, systemActor } from '../../core/audit.ts';
import { createUser } from '../../core/auth/users.ts';
import { createDatabase } from '../../core/database/pool.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { freePort } from '../support/free-port.ts';

const root = path.resolve(import.meta.dirname, '../..');
const workDir = mkdtempSync(path.join(tmpdir(), 'cityops-backup-test-'));
chmodSync(workDir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user and must reach it
const running = new Set<ChildProcess>();

afterAll(async () => {
  for (const child of running) await stopSystem(child);
  rmSync(workDir, { recursive: true, force: true });
});

interface Ports {
  port: number;
  databasePort: number;
}

async function environment(dataDir: string): Promise<{ env: NodeJS.ProcessEnv } & Ports> {
  const [port, databasePort, mqttPort, rtspPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_DATABASE_PORT: String(databasePort),
    EMBEDDED_MQTT_PORT: String(mqttPort),
    SIM_RTSP_PORT: String(rtspPort),
    SIMULATED_CAMERAS: '0',
    SIMULATED_SENSORS: '3',
    ASSET_MIRROR_DIR: assetMirrorDir(),
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
    MQTT_URL: '',
  };
  return { env, port, databasePort };
}

async function startSystem(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 150_000;
  while (!/CityOps dashboard: \S+/.test(output)) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`no dashboard URL within 150 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return child;
}

async function stopSystem(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const appDatabase = (dataDir: string, databasePort: number) =>
  createDatabase(`postgres://cityops_app:${encodeURIComponent(readFileSync(path.join(dataDir, 'postgres-app.password'), 'utf8').trim())}@127.0.0.1:${databasePort}/cityops`, 2);

function npmScript(script: 'backup' | 'restore', args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', `core/cli/${script}.ts`, ...args], { cwd: root, env, timeout: 170_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

const REPORT_PHOTO = `2026120603/${'ab'.repeat(16)}.jpg`;

describe('backup and restore of the embedded default', () => {
  it('restores devices, alerts, users, audit rows and clips into a fresh data directory, and refuses to overwrite without --force', async () => {
    const sourceDir = path.join(workDir, 'source');
    const targetDir = path.join(workDir, 'target');
    mkdirSync(sourceDir, { mode: 0o755 });
    mkdirSync(targetDir, { mode: 0o755 });
    const sourceEnv = await environment(sourceDir);
    const source = await startSystem(sourceEnv.env);

    const db = appDatabase(sourceDir, sourceEnv.databasePort);
    let alertId: number;
    try {
      await createUser(db, { username: 'operator-backup', password: 'correct-horse-battery-1', role: 'operator' });
      // A manual alert: the simulated sensors' rules may raise and retitle sensor alerts meanwhile.
      alertId = (await raiseAlert({ db }, { sourceType: 'system', sourceId: 'backup-test', kind: 'manual', severity: 'major', title: { vi: 'Nước lên', en: 'Water rising' } }, systemActor('backup-test'))).alertId;
      await recordAudit(db, systemActor('backup-test'), { action: 'before-backup', entityType: 'test' });
      await db.query(`INSERT INTO cameras (id, name, rtsp_url) VALUES ('cam-backup', 'Backup camera', 'rtsp://127.0.0.1:9/none')`);
      const cameraAlert = await raiseAlert({ db }, { sourceType: 'camera', sourceId: 'cam-backup', kind: 'crowd', severity: 'minor', title: { vi: 'Đông người', en: 'Crowd' } }, systemActor('backup-test'));
      mkdirSync(path.join(sourceDir, 'clips'), { recursive: true });
      writeFileSync(path.join(sourceDir, 'clips', 'cam-backup-1.mp4'), 'not really an mp4');
      await db.query(`UPDATE alert_clips SET state = 'saved', file_path = $2 WHERE alert_id = $1`, [cameraAlert.alertId, path.join(sourceDir, 'clips', 'cam-backup-1.mp4')]);
      // A resident's photo lives in the media store (REPORT_MEDIA_DIR, default DATA_DIR/report-media), named by its row.
      mkdirSync(path.dirname(path.join(sourceDir, 'report-media', REPORT_PHOTO)), { recursive: true });
      writeFileSync(path.join(sourceDir, 'report-media', REPORT_PHOTO), 'a resident\'s photo');
    } finally {
      await db.end();
    }

    const archive = path.join(workDir, 'cityops.backup');
    // Run as an operator would, from a shell without the running system's port settings.
    const backedUp = await npmScript('backup', ['--out', archive], { ...sourceEnv.env, EMBEDDED_DATABASE_PORT: '' });
    expect(backedUp, backedUp.output).toMatchObject({ code: 0 });
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    await stopSystem(source);

    const targetEnv = await environment(targetDir);
    const restored = await npmScript('restore', [archive], targetEnv.env);
    expect(restored, restored.output).toMatchObject({ code: 0 });
    expect(readFileSync(path.join(targetDir, 'report-media', REPORT_PHOTO), 'utf8')).toBe('a resident\'s photo');
    const again = await npmScript('restore', [archive], targetEnv.env);
    expect(again.code).not.toBe(0);
    expect(again.output).toMatch(/already holds a database: pass --force/);

    const target = await startSystem(targetEnv.env);
    const restoredDb = appDatabase(targetDir, targetEnv.databasePort);
    try {
      const counts = (
        await restoredDb.query(
          `SELECT (SELECT count(*) FROM sensors)::int AS sensors, (SELECT count(*) FROM cameras WHERE id = 'cam-backup')::int AS cameras,
                  (SELECT count(*) FROM users WHERE username IN ('admin', 'operator-backup'))::int AS users,
                  (SELECT count(*) FROM audit_log WHERE action = 'before-backup')::int AS audit,
                  (SELECT title_en FROM alerts WHERE id = $1) AS alert`,
          [alertId],
        )
      ).rows[0];
      expect(counts).toEqual({ sensors: 3, cameras: 1, users: 2, audit: 1, alert: 'Water rising' });
      const clip = (await restoredDb.query(`SELECT file_path FROM alert_clips WHERE camera_id = 'cam-backup' AND state = 'saved'`)).rows[0];
      expect(clip.file_path).toBe(path.join(targetDir, 'clips', 'cam-backup-1.mp4'));
      expect(readFileSync(clip.file_path, 'utf8')).toBe('not really an mp4');
      expect(existsSync(path.join(targetDir, 'secret.key'))).toBe(true);
    } finally {
      await restoredDb.end();
    }
    await stopSystem(target);
  }, 600_000);
});
