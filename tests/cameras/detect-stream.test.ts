// A camera's detect stream (its substream): analysis decodes it while live view and the evidence buffer
// keep the main stream, its credentials are stored like the main URL's (encrypted, never returned),
// and a broken substream takes the camera's analysis down even while its main stream flows.
// Real simulator (main 640×360, substream 320×180), real ffmpeg, real worker and PostgreSQL.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraDetectStreamUrl, getCamera, insertCamera, updateCamera } from '../../devices/camera-repository.ts';
import { announceDeviceChange } from '../../devices/change-notices.ts';
import { cameraInput } from '../../devices/schemas.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { substreamId } from '../../ingest/camera/simulator/camera-simulator.ts';
import { CameraIngestWorker } from '../../ingest/camera/worker.ts';
import { startTestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ffmpegProcesses, removeTemporaryDirs, roleContext, startSimulator, waitFor, workerConfig } from './support.ts';

const SUBSTREAM = { width: 320, height: 180 };
const CREDENTIALS = { username: 'viewer', password: 's3cret-sub' };
let simulator: CameraSimulator;
let test: TestDatabase;
let worker: CameraIngestWorker | undefined;

beforeAll(async () => {
  simulator = await startSimulator([{ id: 'cam-dual', scene: 'traffic', credentials: CREDENTIALS, substream: SUBSTREAM }]);
  test = await createTestDatabase();
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await simulator?.stop();
  await test?.drop();
  removeTemporaryDirs();
});

/** Files under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('a camera with a detect stream', () => {
  it('analyses frames from the substream, keeps the main stream for the evidence buffer, and goes offline when the substream breaks', async () => {
    const config = workerConfig(test, { CAMERA_STALL_SECONDS: '4', CAMERA_LEASE_SECONDS: '6', CAMERA_SEGMENT_SECONDS: '1' });
    const context = roleContext(test, config);
    const withCredentials = (url: string) => url.replace('rtsp://', `rtsp://${CREDENTIALS.username}:${CREDENTIALS.password}@`);
    // The main URL carries the credentials; the detect URL names the same camera without them.
    await insertCamera(test.db, context.secretBox, cameraInput.parse({
      id: 'cam-dual',
      name: 'Dual stream',
      rtspUrl: withCredentials(simulator.url('cam-dual')),
      detectStreamUrl: simulator.url(substreamId('cam-dual')),
      detectFps: 2,
    }));
    const frames: Array<{ width: number; height: number } | undefined> = [];
    worker = new CameraIngestWorker(context, {
      consumer: { onFrame: (_camera, _frame, _width, _height, _timestampMs, letterboxedFrom) => void frames.push(letterboxedFrom) },
    });
    await worker.start();
    const status = () => worker!.pipeline('cam-dual')?.status();
    await waitFor('the camera online', () => status()?.state === 'online' && frames.length >= 4, 60_000);

    // The frames analytics gets are letterboxed from the substream's picture, not the main stream's.
    expect(status()).toMatchObject({ width: SUBSTREAM.width, height: SUBSTREAM.height, codec: 'h264' });
    expect(frames.at(-1)).toEqual(SUBSTREAM);
    // One ffmpeg pulls both (two RTSP sessions); neither URL's password is on its command line.
    const [process] = ffmpegProcesses(`:${simulator.port}/cam-dual`);
    expect(process.args).toContain(`cityops_detect_stream=${simulator.url(substreamId('cam-dual'))}`);
    expect(process.args).not.toContain(CREDENTIALS.password);

    // The evidence buffer (so clips and, by the same stream copy, live view) records the main stream.
    // The oldest of two segments is finished (the newest is still being written).
    const segment = await waitFor('a finished evidence segment', () => {
      const segments = filesUnder(path.join(config.dataDir, 'camera-buffer')).filter((file) => file.endsWith('.ts')).sort();
      return segments.length >= 2 ? segments[0] : undefined;
    }, 20_000);
    const probe = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'json', segment]);
    expect(JSON.parse(probe.stdout).streams[0]).toMatchObject({ width: 640, height: 360 });

    // The substream breaks while the main stream goes on: no frames for analysis, the camera is offline.
    await simulator.fault(substreamId('cam-dual'), 'stop');
    await waitFor('offline with the substream gone', () => status()?.state === 'offline', 30_000);
    await simulator.fault(substreamId('cam-dual'), 'resume');
    await waitFor('online again', () => status()?.state === 'online', 45_000);
    expect(status()).toMatchObject({ width: SUBSTREAM.width, height: SUBSTREAM.height });

    // Without a detect stream the same camera is analysed from its main stream again.
    await updateCamera(test.db, context.secretBox, 'cam-dual', { detectStreamUrl: null });
    await announceDeviceChange(test.db, { type: 'camera', id: 'cam-dual', change: 'updated' });
    await waitFor('analysed from the main stream', () => status()?.state === 'online' && status()?.width === 640, 60_000);
    expect(ffmpegProcesses(`:${simulator.port}/cam-dual`)[0].args).not.toContain('cityops_detect_stream');
  }, 240_000);

  it('stores credentials typed into the detect URL encrypted, never returns them, and never sends the camera\'s own to another host', async () => {
    const secretBox = roleContext(test, workerConfig(test)).secretBox;
    await insertCamera(test.db, secretBox, cameraInput.parse({
      id: 'cam-sub-creds',
      name: 'Substream with its own account',
      rtspUrl: 'rtsp://admin:main-pass@10.0.0.9:554/main',
      detectStreamUrl: 'rtsp://sub-user:sub-pass@10.0.0.9:554/sub?channel=1&password=query-pass',
    }));
    const view = await getCamera(test.db, 'cam-sub-creds');
    expect(view).toMatchObject({ detectStreamUrl: 'rtsp://10.0.0.9:554/sub?channel=1', hasDetectStreamCredentials: true });
    expect(JSON.stringify(view)).not.toMatch(/sub-pass|query-pass|sub-user/);
    const stored = await test.db.query(`SELECT detect_stream_url, detect_stream_credentials_encrypted FROM cameras WHERE id = 'cam-sub-creds'`);
    expect(JSON.stringify(stored.rows[0])).not.toMatch(/sub-pass|query-pass/);
    expect(await cameraDetectStreamUrl(test.db, secretBox, 'cam-sub-creds')).toBe('rtsp://sub-user:sub-pass@10.0.0.9:554/sub?channel=1&password=query-pass');

    // The form saves back the URL it was shown: the stored credentials stay.
    await updateCamera(test.db, secretBox, 'cam-sub-creds', { detectStreamUrl: view.detectStreamUrl });
    expect(await cameraDetectStreamUrl(test.db, secretBox, 'cam-sub-creds')).toContain('sub-user:sub-pass@');
    // "No password" clears every credential, the detect stream's with them.
    await updateCamera(test.db, secretBox, 'cam-sub-creds', { password: null });
    expect((await getCamera(test.db, 'cam-sub-creds')).hasDetectStreamCredentials).toBe(false);

    // Without its own: the camera's credentials on the same host, none on another.
    await updateCamera(test.db, secretBox, 'cam-sub-creds', { password: 'main-pass', detectStreamUrl: 'rtsp://10.0.0.9:554/sub' });
    expect(await cameraDetectStreamUrl(test.db, secretBox, 'cam-sub-creds')).toBe('rtsp://admin:main-pass@10.0.0.9:554/sub');
    await updateCamera(test.db, secretBox, 'cam-sub-creds', { detectStreamUrl: 'rtsp://10.0.0.10:554/sub' });
    expect(await cameraDetectStreamUrl(test.db, secretBox, 'cam-sub-creds')).toBe('rtsp://10.0.0.10:554/sub');
  });

  it('is registered, shown without its credentials and removed through the engineer API', async () => {
    const api = await startTestApi(test);
    try {
      const created = await api.request('POST', '/api/cameras', {
        role: 'engineer',
        body: { id: 'cam-api-sub', name: 'API substream', rtspUrl: 'rtsp://10.0.0.11/main', detectStreamUrl: 'rtsp://admin:api-sub-pass@10.0.0.11/sub' },
      });
      expect(created.status).toBe(201);
      const shown = await api.request('GET', '/api/cameras/cam-api-sub', { role: 'engineer' });
      const text = await shown.text();
      expect(JSON.parse(text).camera).toMatchObject({ detectStreamUrl: 'rtsp://10.0.0.11/sub', hasDetectStreamCredentials: true });
      expect(text).not.toContain('api-sub-pass');
      const refused = await api.request('PATCH', '/api/cameras/cam-api-sub', { role: 'engineer', body: { detectStreamUrl: 'http://10.0.0.11/sub' } });
      expect(refused.status).toBe(400);
      const removed = await api.request('PATCH', '/api/cameras/cam-api-sub', { role: 'engineer', body: { detectStreamUrl: null } });
      expect((await removed.json()).camera).toMatchObject({ detectStreamUrl: null, hasDetectStreamCredentials: false });
    } finally {
      await api.stop();
    }
  });
});
