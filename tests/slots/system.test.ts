// The whole chain as `npm start` runs it: the camera simulator plays the shared videos over RTSP,
// camera-ingest pulls them with ffmpeg and feeds the slot hook, the analytics role (leader + worker with
// the real YOLOX model) analyses the cameras holding slots, and the people scene ends in a `crowd` alert
// with a snapshot. One process, every role, the embedded broker, a test database.
// Nothing forces the capacity: the worker measures its own inference speed at start, and the slot count
// must follow from that measurement (on a busy machine it may be 1: the people camera is pinned so the
// alert does not depend on the machine's speed).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { capacityFor } from '../../analytics/live/capacity.ts';
import { pinCamera } from '../../analytics/slots/slot-repository.ts';
import { waitFor } from './support/fixtures.ts';
import { freePort } from '../support/free-port.ts';

const root = path.resolve(import.meta.dirname, '../..');
const DETECT_SESSIONS = 1;
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
    const env: NodeJS.ProcessEnv = {
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
      DETECT_SESSIONS: String(DETECT_SESSIONS),
      ASSET_MIRROR_DIR: assetMirrorDir(),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    };
    // Measured, not configured: neither the worker's capacity nor the slot count is given.
    delete env.ANALYTICS_CAPACITY;
    delete env.SLOT_COUNT;
    child = spawn(process.execPath, ['--import', 'tsx', 'apps/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    // SLOTS_SYSTEM_LOG=file (with TEST_LOG_LEVEL=info) keeps the system's whole log for a failed run.
    if (process.env.SLOTS_SYSTEM_LOG) child.on('exit', () => writeFileSync(process.env.SLOTS_SYSTEM_LOG!, output));

    const alive = () => {
      if (child!.exitCode !== null || child!.signalCode !== null) throw new Error(`CityOps exited (${child!.exitCode ?? child!.signalCode}):\n${output.slice(-3000)}`);
    };
    await waitFor('the simulated people camera to be registered', async () => {
      alive();
      const result = await test.db.query(`SELECT 1 FROM cameras WHERE id = 'cam-002'`).catch(() => undefined);
      return Boolean(result?.rowCount);
    }, 120_000, 500);
    await pinCamera(test.db, { cameraId: 'cam-002', userId: null, pinnedBy: 'slots system test', note: 'the crowd alert must not depend on the measured capacity' });

    // The worker's measurement: the median ms of JPEG decode + detection, and the capacity it gives.
    const worker = await waitFor('the analytics worker to report its measured capacity', async () => {
      alive();
      const result = await test.db.query(`SELECT capacity, ms_per_frame FROM analysis_workers`).catch(() => undefined);
      return result?.rows[0] as { capacity: number; ms_per_frame: number | null } | undefined;
    }, 120_000, 500);
    expect(worker.ms_per_frame).toBeGreaterThan(0);
    expect(worker.capacity).toBeGreaterThan(0);
    // Derived from that measurement at the cameras' 2 fps (ms_per_frame is stored as a 4-byte real: allow its rounding).
    expect(worker.capacity).toBeGreaterThanOrEqual(capacityFor(worker.ms_per_frame! * 1.001, DETECT_SESSIONS, 2));
    expect(worker.capacity).toBeLessThanOrEqual(capacityFor(worker.ms_per_frame! * 0.999, DETECT_SESSIONS, 2));

    // The slots follow it: as many cameras analysed as the capacity allows, the pinned one first.
    const expected = worker.capacity >= 2 ? ['cam-001', 'cam-002'] : ['cam-002'];
    const slots = await waitFor(`${expected.join(' and ')} to hold a slot with frames analysed`, async () => {
      alive();
      const result = await test.db
        .query(`SELECT s.camera_id, s.reason, s.worker_id, p.frames_analysed FROM analysis_slots s
                  JOIN analysis_progress p ON p.camera_id = s.camera_id AND p.worker_id = s.worker_id
                 WHERE p.frames_analysed > 0 ORDER BY s.camera_id`)
        .catch(() => undefined);
      // (Before the pin takes effect, a capacity of 1 may go to the traffic camera for a round.)
      return result && result.rows.map((slot) => slot.camera_id).join() === expected.join() ? result.rows : undefined;
    }, 120_000, 500);
    expect(slots.find((slot) => slot.camera_id === 'cam-002')?.reason).toBe('pinned');
    const state = await test.db.query(`SELECT slot_count, slot_source FROM analysis_scheduler_state`);
    expect(state.rows[0]).toEqual({ slot_count: worker.capacity, slot_source: 'measured' });
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
