// The whole chain as `npm start` runs it: the camera simulator plays the shared videos over RTSP,
// camera-ingest pulls them with ffmpeg and feeds the slot hook, the analytics role (leader + worker with
// the real YOLOX model; the slot count is the sum of the workers' capacity) analyses the cameras holding slots, and the people scene
// ends in a `crowd` alert with a snapshot. One process, every role, the embedded broker, a test database.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { waitFor } from './support/fixtures.ts';
import { freePort } from '../support/free-port.ts';

const root = path.resolve(import.meta.dirname, '../..');
let test: TestDatabase;
let child: ChildProcess | undefined;
let output = '';
const dataDir = mkdtempSync(path.join(tmpdir(), 'cityops-slots-system-'));

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await test?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('analysis slots in the running system', () => {
  it('simulated cameras → camera ingest → slots → analytics with the real model: a crowd alert on the people scene', async () => {
    const [port, mqttPort, rtspPort] = await Promise.all([freePort(), freePort(), freePort()]);
    child = spawn(process.execPath, ['--import', 'tsx', 'apps/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        DATABASE_URL: test.url,
        MQTT_URL: '', // the embedded broker: no other run shares its frame topics
        EMBEDDED_MQTT_PORT: String(mqttPort),
        PORT: String(port),
        SIM_RTSP_PORT: String(rtspPort),
        CAMERA_LIVE_PORT: '0',
        SIMULATE: 'true',
        SIMULATED_CAMERAS: '2', // cam-001 traffic, cam-002 people (devices/demo-seed.ts)
        SIMULATED_SENSORS: '0',
        // The worker's own measurement gives 1 slot when the machine is busy; two cameras need two.
        ANALYTICS_CAPACITY: '2',
        ASSET_MIRROR_DIR: assetMirrorDir(),
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    // SLOTS_SYSTEM_LOG=file (with TEST_LOG_LEVEL=info) keeps the system's whole log for a failed run.
    if (process.env.SLOTS_SYSTEM_LOG) child.on('exit', () => writeFileSync(process.env.SLOTS_SYSTEM_LOG!, output));

    const slots = await waitFor('both simulated cameras to hold a slot with frames analysed', async () => {
      if (child!.exitCode !== null || child!.signalCode !== null) throw new Error(`CityOps exited (${child!.exitCode ?? child!.signalCode}):\n${output.slice(-3000)}`);
      const result = await test.db
        .query(`SELECT s.camera_id, s.reason, s.worker_id, p.frames_analysed FROM analysis_slots s
                  JOIN analysis_progress p ON p.camera_id = s.camera_id AND p.worker_id = s.worker_id
                 WHERE p.frames_analysed > 0 ORDER BY s.camera_id`)
        .catch(() => undefined);
      return result && result.rowCount === 2 ? result.rows : undefined;
    }, 120_000, 500);
    expect(slots.map((slot) => slot.camera_id)).toEqual(['cam-001', 'cam-002']);

    const state = await test.db.query(`SELECT slot_count, slot_source FROM analysis_scheduler_state`);
    expect(state.rows[0].slot_source).toBe('measured');
    expect(state.rows[0].slot_count).toBeGreaterThanOrEqual(2);
    const activity = await test.db.query(`SELECT camera_id, stream_online, motion_score FROM camera_activity ORDER BY camera_id`);
    expect(activity.rows.map((row) => [row.camera_id, row.stream_online])).toEqual([
      ['cam-001', true],
      ['cam-002', true],
    ]);

    const alert = await waitFor('a crowd alert on the people camera', async () => {
      const result = await test.db.query(`SELECT id, zone_id, evidence FROM alerts WHERE source_id = 'cam-002' AND kind = 'crowd'`);
      return result.rows[0];
    }, 90_000, 500);
    expect(alert.zone_id).toBe('plaza');
    const snapshot = await test.db.query(`SELECT content_type, length(bytes) AS size FROM alert_media WHERE alert_id = $1 AND kind = 'snapshot'`, [alert.id]);
    expect(snapshot.rows[0].content_type).toBe('image/jpeg');
    expect(snapshot.rows[0].size).toBeGreaterThan(5000);
  }, 240_000);
});
