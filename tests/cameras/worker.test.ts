// A camera-ingest worker on the real database, with the api role: health in the database and pushed
// live, tamper alerts raised and cleared, signed live view, snapshots, evidence clips, clean stop.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createLivePublisher, LIVE_CHANNEL } from '../../core/live/publisher.ts';
import { loadLiveSigningKey, signCameraAccess } from '../../ingest/camera/live-signing.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { CameraIngestWorker } from '../../ingest/camera/worker.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ffmpegProcesses, registerCamera, removeTemporaryDirs, roleContext, startSimulator, waitFor, workerConfig } from './support.ts';

let test: TestDatabase;
let api: TestApi;
let simulator: CameraSimulator;
let worker: CameraIngestWorker;
let listener: pg.Client;
const liveEvents: Array<{ event: string; payload: Record<string, unknown> }> = [];
let clipAlertId = 0;
let clipRaisedAt = 0;

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  simulator = await startSimulator([
    { id: 'cam-a', scene: 'traffic' },
    { id: 'cam-b', scene: 'people' },
  ]);
  for (const id of ['cam-a', 'cam-b']) await registerCamera(test, api.secretBox, { id, rtspUrl: simulator.url(id) });

  // Everything the dashboard would receive: the api role's socket.io adapter listens on this channel.
  listener = new pg.Client({ connectionString: test.url });
  await listener.connect();
  listener.on('notification', (message) => {
    const document = JSON.parse(message.payload ?? '{}');
    const [event, payload] = document.data?.packet?.data ?? [];
    if (event) liveEvents.push({ event, payload });
  });
  await listener.query(`LISTEN "${LIVE_CHANNEL}"`);

  const config = workerConfig(test, { SECRET_KEY: api.config.SECRET_KEY!, CAMERA_STALL_SECONDS: '4', CAMERA_TAMPER_SECONDS: '4', CAMERA_LEASE_SECONDS: '6' });
  worker = new CameraIngestWorker(roleContext(test, config));
  await worker.start();
  await waitFor('both cameras online', async () => {
    const rows = await test.db.query(`SELECT count(*) AS n FROM camera_status WHERE state = 'online'`);
    return rows.rows[0].n === 2;
  }, 30_000);

  // An alert from cam-b once its buffer holds the 10 s before; the clip is checked at the end (due 20 s later).
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  const raiser = createAlertRaiser({ db: test.db, live: createLivePublisher(test.db) });
  clipRaisedAt = Date.now();
  clipAlertId = (await raiser.raise({ sourceType: 'camera', sourceId: 'cam-b', kind: 'crowd', severity: 'major', title: { vi: 'Đám đông', en: 'Crowd' } })).alertId;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await listener?.end();
  await simulator?.stop();
  await api?.stop();
  await test?.drop();
  removeTemporaryDirs();
});

describe('camera-ingest worker', () => {
  it('pulls every camera, keeps its health in the database and pushes it live', async () => {
    expect(worker.cameras).toEqual(['cam-a', 'cam-b']);
    const response = await api.request('GET', '/api/cameras/status', { role: 'viewer' });
    expect(response.status).toBe(200);
    const { cameras } = await response.json();
    expect(cameras).toHaveLength(2);
    for (const camera of cameras) {
      expect(camera).toMatchObject({ state: 'online', reason: null, codec: 'h264', width: 640, height: 360, liveView: true, workerId: worker.workerId });
    }
    expect(liveEvents.some((entry) => entry.event === 'camera:status' && entry.payload.cameraId === 'cam-a' && entry.payload.state === 'online')).toBe(true);
    expect((await api.request('GET', '/api/cameras/status')).status).toBe(401);
  });

  it('raises a frozen-picture alert with the picture, and clears it when the picture moves again', async () => {
    await simulator.fault('cam-a', 'freeze');
    const alert = await waitFor('camera_tamper alert', async () => {
      const rows = await test.db.query(`SELECT id, zone_id, severity, auto_cleared_at FROM alerts WHERE source_id = 'cam-a' AND kind = 'camera_tamper'`);
      return rows.rows[0];
    }, 20_000);
    expect(alert).toMatchObject({ zone_id: 'frozen', severity: 'major', auto_cleared_at: null });
    const snapshot = await test.db.query(`SELECT bytes FROM alert_media WHERE alert_id = $1 AND kind = 'snapshot'`, [alert.id]);
    expect((await sharp(snapshot.rows[0].bytes).metadata()).format).toBe('jpeg');
    // The alert and the stored status are written independently: the status may land a moment later.
    const status = await waitFor('the stored status to say frozen', async () => {
      const answer = await (await api.request('GET', '/api/cameras/cam-a/status', { role: 'operator' })).json();
      return answer.status.state === 'degraded' && answer.status;
    }, 20_000);
    expect(status).toMatchObject({ state: 'degraded', reason: 'frozen', picture: ['frozen'] });

    await simulator.fault('cam-a', 'resume');
    await waitFor('auto-clear', async () => {
      const rows = await test.db.query(`SELECT auto_cleared_at FROM alerts WHERE id = $1`, [alert.id]);
      return rows.rows[0].auto_cleared_at !== null;
    }, 20_000);
  });

  it('raises camera_offline when a camera stops and clears it when it is back', async () => {
    await simulator.fault('cam-a', 'stop');
    const alert = await waitFor('camera_offline alert', async () => {
      const rows = await test.db.query(`SELECT id, severity, auto_cleared_at, first_seen_at FROM alerts WHERE source_id = 'cam-a' AND kind = 'camera_offline'`);
      return rows.rows[0];
    }, 30_000);
    expect(alert).toMatchObject({ severity: 'minor', auto_cleared_at: null });
    // The state change is published live after it is stored; it may trail the alert by a moment.
    await waitFor('camera:status offline pushed live', async () =>
      liveEvents.some((entry) => entry.event === 'camera:status' && entry.payload.cameraId === 'cam-a' && entry.payload.state === 'offline'), 10_000);

    await simulator.fault('cam-a', 'resume');
    await waitFor('offline alert auto-cleared', async () => {
      const rows = await test.db.query(`SELECT auto_cleared_at FROM alerts WHERE id = $1`, [alert.id]);
      return rows.rows[0].auto_cleared_at !== null;
    }, 20_000);
  });

  it('restarts a camera with its new settings when an engineer edits it', async () => {
    const edited = await api.request('PATCH', '/api/cameras/cam-a', { role: 'engineer', body: { detectFps: 4 } });
    expect(edited.status).toBe(200);
    // Generous: the restart includes RTSP setup, a probe and the first keyframe on a busy CI machine.
    await waitFor('pipeline at 4 fps', () => worker.pipeline('cam-a')?.status().targetFps === 4 && worker.pipeline('cam-a')?.status().state === 'online', 45_000);
  });

  it('serves live FLV only with a short-lived signed URL issued to a logged-in user, auditing each', async () => {
    expect((await api.request('POST', '/api/cameras/cam-b/live')).status).toBe(401);
    expect((await api.request('POST', '/api/cameras/cam-b/live', { role: 'field' })).status).toBe(403);
    const issued = await api.request('POST', '/api/cameras/cam-b/live', { role: 'viewer' });
    expect(issued.status).toBe(200);
    const { url, format, expiresAt } = await issued.json();
    expect(format).toBe('flv');
    expect(new Date(expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(60_000);

    const controller = new AbortController();
    const live = await fetch(url, { signal: controller.signal });
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toBe('video/x-flv');
    const reader = live.body!.getReader();
    let received = Buffer.alloc(0);
    while (received.length < 50_000) {
      const { value, done } = await reader.read();
      if (done) break;
      received = Buffer.concat([received, Buffer.from(value)]);
    }
    controller.abort();
    expect(received.subarray(0, 3).toString('latin1')).toBe('FLV');
    expect(received.length).toBeGreaterThanOrEqual(50_000);

    const unsigned = url.split('?')[0];
    expect((await fetch(unsigned)).status).toBe(403);
    expect((await fetch(url.replace(/sig=([^&]{4})/, 'sig=AAAA'))).status).toBe(403);
    expect((await fetch(url.replace(/sub=\d+/, 'sub=999'))).status).toBe(403);
    const key = await loadLiveSigningKey(test.db, api.secretBox);
    const expired = new URLSearchParams({ ...signCameraAccess(key, 'live', 'cam-b', Math.floor(Date.now() / 1000) - 5, '1') });
    const refused = await fetch(`${unsigned}?${expired}`);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('expired');

    const audit = await test.db.query(`SELECT action, username FROM audit_log WHERE entity_type = 'camera' AND entity_id = 'cam-b' ORDER BY id`);
    expect(audit.rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'live_url_issued', username: 'viewer-user' }),
        expect.objectContaining({ action: 'live_view_started' }),
      ]),
    );
  });

  it('serves the latest picture as JPEG without the letterbox bars', async () => {
    const response = await api.request('GET', '/api/cameras/cam-b/snapshot', { role: 'engineer' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 416, 234]);
  });

  it('saves a playable 30 s clip around an alert, reports disk use, and deletes it after retention', async () => {
    const clip = await waitFor('saved clip', async () => {
      const rows = await test.db.query(`SELECT state, file_path, bytes, duration_seconds, clip_start_at, error FROM alert_clips WHERE alert_id = $1`, [clipAlertId]);
      return rows.rows[0]?.state === 'saved' || rows.rows[0]?.state === 'failed' ? rows.rows[0] : undefined;
    }, 60_000, 1000);
    expect(clip.error).toBeNull();
    expect(clip.state).toBe('saved');
    expect(Math.abs(new Date(clip.clip_start_at).getTime() - (clipRaisedAt - 10_000))).toBeLessThan(2500);
    const probe = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name,width,height', '-of', 'json', clip.file_path]);
    const info = JSON.parse(probe.stdout);
    expect(info.streams[0]).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(Number(info.format.duration)).toBeGreaterThan(28);
    expect(Number(info.format.duration)).toBeLessThan(33);
    // Every frame decodes: ffmpeg reports no error reading it through (timestamps kept as stored).
    const decode = await promisify(execFile)('ffmpeg', ['-v', 'error', '-i', clip.file_path, '-enc_time_base', '-1', '-f', 'null', '-']);
    expect(decode.stderr).toBe('');

    const download = await api.request('GET', `/api/cameras/cam-b/clips/${clipAlertId}`, { role: 'operator' });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).length).toBe(Number(clip.bytes));

    await waitFor('disk use reported', async () => {
      const rows = await test.db.query(`SELECT buffer_bytes, clip_bytes FROM camera_status WHERE camera_id = 'cam-b'`);
      return rows.rows[0].buffer_bytes > 0 && rows.rows[0].clip_bytes === Number(clip.bytes);
    }, 15_000);

    await test.db.query(`UPDATE alert_clips SET delete_after = now() - interval '1 second' WHERE alert_id = $1`, [clipAlertId]);
    expect(await worker.deleteExpiredClips()).toBe(1);
    expect(existsSync(clip.file_path)).toBe(false);
    const after = await test.db.query(`SELECT state FROM alert_clips WHERE alert_id = $1`, [clipAlertId]);
    expect(after.rows[0].state).toBe('deleted');
  });

  it('stops every ffmpeg and hands its cameras back when it stops', async () => {
    const marker = `:${simulator.port}/cam-`;
    await waitFor('both ffmpeg running', () => ffmpegProcesses(marker).length === 2, 10_000);
    await worker.stop();
    expect(ffmpegProcesses(marker)).toEqual([]);
    const leases = await test.db.query(`SELECT count(*) AS n FROM camera_leases WHERE worker_id IS NOT NULL`);
    expect(leases.rows[0].n).toBe(0);
    const status = await (await api.request('GET', '/api/cameras/cam-a/status', { role: 'viewer' })).json();
    expect(status.status).toMatchObject({ state: 'offline', reason: 'unassigned' });
  });
});
