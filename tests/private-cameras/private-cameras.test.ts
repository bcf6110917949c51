// Private cameras with the real api role, a real camera-ingest worker (simulated RTSP cameras, real
// ffmpeg) and real PostgreSQL: engineers register an owner and a consent; the owner's link shows the
// camera; a pause from the link stops live view (issued, open and signed-before-the-pause) and the
// analysis frames within 5 s, drops the camera from the slot scheduler and keeps no clip; a camera
// outside its consent hours is treated the same; an end cannot be undone from the link. The city camera
// beside it goes on as before all along.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { loadCameraSignals } from '../../analytics/slots/signals.ts';
import type { FrameConsumer } from '../../ingest/camera/frame-reader.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { CameraIngestWorker } from '../../ingest/camera/worker.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { registerCamera, removeTemporaryDirs, roleContext, startSimulator, waitFor, workerConfig } from '../cameras/support.ts';

const EFFECT_LIMIT_MS = 5000;

let test: TestDatabase;
let api: TestApi;
let simulator: CameraSimulator;
let worker: CameraIngestWorker;
let workerDataDir: string;
let ownerToken = '';
let ownerId = 0;
/** Arrival time of the newest frame analytics received, per camera. */
const lastFrameAt = new Map<string, number>();
const consumer: FrameConsumer = {
  onFrame: (cameraId) => void lastFrameAt.set(cameraId, Date.now()),
  isAnalysed: () => true,
};

const consent = (overrides: Record<string, unknown> = {}) => ({
  ownerId,
  sharesLive: true,
  sharesAnalysis: true,
  sharesClips: true,
  hours: null,
  clipRetentionDays: 7,
  givenAt: new Date(Date.now() - 3_600_000).toISOString(),
  ...overrides,
});

const ownerPage = async () => {
  const response = await fetch(`${api.baseUrl}/api/camera-owner/${ownerToken}`);
  expect(response.status).toBe(200);
  return response.json();
};
const ownerAction = (cameraId: string, action: string) => fetch(`${api.baseUrl}/api/camera-owner/${ownerToken}/cameras/${cameraId}/${action}`, { method: 'POST' });
const liveUrl = (cameraId: string) => api.request('POST', `/api/cameras/${cameraId}/live`, { role: 'operator' });

/** Waits until no analysis frame of `cameraId` came for 1.5 s; returns when its last one came. */
async function framesStopped(cameraId: string): Promise<number> {
  await waitFor(`no more frames of ${cameraId}`, () => Date.now() - (lastFrameAt.get(cameraId) ?? 0) > 1500, 15_000);
  return lastFrameAt.get(cameraId) ?? 0;
}

const signalOptions = { sensorRadiusM: 300, sensorMinLevel: 2, recentEventMs: 60_000, streamStaleMs: 60_000, timeZone: 'Asia/Ho_Chi_Minh' };
const scheduledCameras = async () => (await loadCameraSignals(test.db, Date.now(), signalOptions)).map((camera) => camera.cameraId).sort();

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  simulator = await startSimulator([
    { id: 'shop-cam', scene: 'people' },
    { id: 'city-cam', scene: 'traffic' },
  ]);
  for (const id of ['shop-cam', 'city-cam']) await registerCamera(test, api.secretBox, { id, rtspUrl: simulator.url(id) });
  const config = workerConfig(test, { SECRET_KEY: api.config.SECRET_KEY!, CAMERA_STALL_SECONDS: '4', CAMERA_LEASE_SECONDS: '6' });
  workerDataDir = config.dataDir;
  worker = new CameraIngestWorker(roleContext(test, config), { consumer });
  await worker.start();
  await waitFor('both cameras online', async () => {
    const rows = await test.db.query(`SELECT count(*)::int AS n FROM camera_status WHERE state = 'online'`);
    return rows.rows[0].n === 2;
  }, 30_000);
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  await simulator?.stop();
  await api?.stop();
  await test?.drop();
  removeTemporaryDirs();
});

/** Start times (epoch seconds) of the segments in a camera's rolling evidence buffer, on this worker's disk. */
function bufferSegments(cameraId: string): number[] {
  const root = path.join(workerDataDir, 'camera-buffer');
  return readdirSync(root).flatMap((worker) => {
    const dir = path.join(root, worker, `camera-${cameraId}`);
    return existsSync(dir) ? readdirSync(dir).flatMap((name) => /-(\d+)\.ts$/.exec(name)?.[1] ?? []).map(Number) : [];
  });
}

describe('private cameras', () => {
  it('engineers register an owner (contact encrypted, link stored as its hash) and a consent, audited; operators cannot', async () => {
    const body = { name: 'Tiệm tạp hóa Cô Ba', kind: 'shop', contact: '+84 90 123 4567' };
    expect((await api.request('POST', '/api/camera-owners', { role: 'operator', body })).status).toBe(403);
    const created = await api.request('POST', '/api/camera-owners', { role: 'engineer', body });
    expect(created.status).toBe(201);
    const { owner, link } = await created.json();
    expect(owner).toMatchObject({ name: body.name, kind: 'shop', contact: body.contact, hasLink: true, cameraIds: [] });
    ownerId = owner.id;
    ownerToken = link.path.split('/').pop();
    expect(link.path).toMatch(/^\/camera-owner\/[A-Za-z0-9_-]{32}$/);
    const stored = await test.db.query('SELECT contact_encrypted, link_token_sha256 FROM camera_owners WHERE id = $1', [ownerId]);
    expect(stored.rows[0].contact_encrypted).not.toContain('123');
    expect(stored.rows[0].link_token_sha256).not.toContain(ownerToken);

    expect((await api.request('PUT', '/api/cameras/shop-cam/consent', { role: 'operator', body: consent() })).status).toBe(403);
    const badHours = await api.request('PUT', '/api/cameras/shop-cam/consent', { role: 'engineer', body: consent({ hours: { from: '25:00', to: '06:00' } }) });
    expect(badHours.status).toBe(400);
    const saved = await api.request('PUT', '/api/cameras/shop-cam/consent', { role: 'engineer', body: consent() });
    expect(saved.status).toBe(200);
    expect((await saved.json()).consent).toMatchObject({ cameraId: 'shop-cam', ownerId, sharingNow: 'sharing', clipRetentionDays: 7 });
    const listed = await (await api.request('GET', '/api/camera-owners', { role: 'admin' })).json();
    expect(listed.owners[0].cameraIds).toEqual(['shop-cam']);

    const audit = await test.db.query(`SELECT action, entity_type, username, details::text FROM audit_log WHERE action IN ('create', 'consent_registered') ORDER BY id`);
    expect(audit.rows.map((row) => [row.action, row.entity_type, row.username])).toEqual([
      ['create', 'camera_owner', 'engineer-user'],
      ['consent_registered', 'camera', 'engineer-user'],
    ]);
    expect(audit.rows.map((row) => row.details).join()).not.toContain('123 4567');
  });

  it('shows the owner their camera by link; a wrong link is refused', async () => {
    const page = await ownerPage();
    expect(page.owner).toEqual({ name: 'Tiệm tạp hóa Cô Ba', kind: 'shop' });
    expect(page.cameras).toEqual([expect.objectContaining({ id: 'shop-cam', sharingNow: 'sharing', sharesLive: true, health: expect.objectContaining({ state: 'online' }) })]);
    expect((await fetch(`${api.baseUrl}/api/camera-owner/${'x'.repeat(32)}`)).status).toBe(404);
    expect((await ownerAction('city-cam', 'pause')).status).toBe(404);
  });

  it('a camera paused by its owner stops being viewed and analysed within 5 s, keeps no clip, and the owner sees who viewed it', async () => {
    // An operator watches the private camera; its frames go to analysis; the city camera's too.
    const issued = await liveUrl('shop-cam');
    expect(issued.status).toBe(200);
    const { url } = await issued.json();
    const viewing = new AbortController();
    const live = await fetch(url, { signal: viewing.signal });
    expect(live.status).toBe(200);
    const reader = live.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await waitFor('analysis frames of both cameras', () => Date.now() - (lastFrameAt.get('shop-cam') ?? 0) < 1500 && Date.now() - (lastFrameAt.get('city-cam') ?? 0) < 1500);
    expect(await scheduledCameras()).toEqual(['city-cam', 'shop-cam']);

    await waitFor('the private camera\'s evidence buffer recording', () => bufferSegments('shop-cam').length > 1);

    const pausedAt = Date.now();
    const paused = await ownerAction('shop-cam', 'pause');
    expect(paused.status).toBe(200);
    expect((await paused.json()).camera.sharingNow).toBe('paused');

    // The open live view is cut off (read until it ends, or fail at the limit instead of hanging).
    const limit = new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), EFFECT_LIMIT_MS));
    const ended = (async () => {
      for (;;) {
        const chunk = await reader.read().catch(() => ({ done: true }));
        if (chunk.done) return 'cut off' as const;
      }
    })();
    expect(await Promise.race([ended, limit])).toBe('cut off');
    expect(Date.now() - pausedAt).toBeLessThan(EFFECT_LIMIT_MS);
    viewing.abort();
    // No new live URL, and the URL signed before the pause no longer opens.
    const refused = await liveUrl('shop-cam');
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toMatchObject({ code: 'not_shared', message: expect.stringContaining('paused') });
    const reopened = await fetch(url);
    expect(reopened.status).toBe(403);
    expect((await reopened.json()).error.code).toBe('not_shared');
    expect((await api.request('GET', '/api/cameras/shop-cam/snapshot', { role: 'operator' })).status).toBe(403);
    // Its rolling evidence buffer keeps nothing it recorded before the pause (nor, past a status flush, after it).
    const recordedBefore = () => bufferSegments('shop-cam').filter((startSeconds) => startSeconds < Math.floor(pausedAt / 1000));
    await waitFor('the paused camera\'s buffer emptied', () => recordedBefore().length === 0, EFFECT_LIMIT_MS);
    // Analysis: frames stop reaching analytics, and the slot scheduler no longer sees the camera.
    expect((await framesStopped('shop-cam')) - pausedAt).toBeLessThan(EFFECT_LIMIT_MS);
    expect(await scheduledCameras()).toEqual(['city-cam']);

    // An alert on the paused camera gets no evidence clip (made due at once instead of 20 s later).
    const raiser = createAlertRaiser({ db: test.db, live: createLivePublisher(test.db) });
    const { alertId } = await raiser.raise({ sourceType: 'camera', sourceId: 'shop-cam', kind: 'crowd', severity: 'major', title: { vi: 'Đám đông', en: 'Crowd' } });
    await waitFor('the clip request', async () => (await test.db.query('SELECT 1 FROM alert_clips WHERE alert_id = $1', [alertId])).rowCount);
    await test.db.query(`UPDATE alert_clips SET trigger_at = now() - interval '40 seconds' WHERE alert_id = $1`, [alertId]);
    const clip = await waitFor('the clip refused', async () => {
      const rows = await test.db.query(`SELECT state, error FROM alert_clips WHERE alert_id = $1 AND state <> 'pending'`, [alertId]);
      return rows.rows[0];
    }, 10_000);
    expect(clip).toMatchObject({ state: 'failed', error: expect.stringContaining('not recorded: a private camera') });

    // The city camera goes on as before.
    expect((await liveUrl('city-cam')).status).toBe(200);
    expect(Date.now() - (lastFrameAt.get('city-cam') ?? 0)).toBeLessThan(1500);

    // The owner sees the pause, and the operator's view of their camera.
    const page = await ownerPage();
    expect(page.cameras[0]).toMatchObject({ sharingNow: 'paused', pausedAt: expect.any(String) });
    expect(page.views).toEqual([expect.objectContaining({ cameraId: 'shop-cam', kind: 'live', viewer: 'operator-user' })]);
    const audit = await test.db.query(`SELECT username, source_address FROM audit_log WHERE action = 'owner_paused_sharing' AND entity_id = 'shop-cam'`);
    expect(audit.rows).toEqual([{ username: `camera owner #${ownerId}`, source_address: '127.0.0.1' }]);

    // Resumed: viewed and analysed again.
    expect((await ownerAction('shop-cam', 'resume')).status).toBe(200);
    expect((await liveUrl('shop-cam')).status).toBe(200);
    await waitFor('analysis frames again', () => (lastFrameAt.get('shop-cam') ?? 0) > Date.now() - 1000, EFFECT_LIMIT_MS);
  });

  it('outside its consent hours a camera is not viewed or analysed', async () => {
    // Hours that begin two hours from now (local time of the consent) and last one hour.
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
    const clock = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
    const changedAt = Date.now();
    const saved = await api.request('PUT', '/api/cameras/shop-cam/consent', { role: 'engineer', body: consent({ hours: { from: clock(hour + 2), to: clock(hour + 3) } }) });
    expect((await saved.json()).consent.sharingNow).toBe('outside_hours');
    const refused = await liveUrl('shop-cam');
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.message).toContain('outside the hours');
    expect((await framesStopped('shop-cam')) - changedAt).toBeLessThan(EFFECT_LIMIT_MS);

    // Hours that hold now, across midnight when the hour is late.
    await api.request('PUT', '/api/cameras/shop-cam/consent', { role: 'engineer', body: consent({ hours: { from: clock(hour + 23), to: clock(hour + 2) } }) });
    // Live view answers 503 while the camera's stream starts again after its hours resumed: wait for it.
    await waitFor('live view allowed again', async () => (await liveUrl('shop-cam')).status === 200);
  });

  it('an owner who ends sharing cannot resume it from the link', async () => {
    const ended = await ownerAction('shop-cam', 'end');
    expect((await ended.json()).camera).toMatchObject({ sharingNow: 'ended', endedAt: expect.any(String) });
    const resumed = await ownerAction('shop-cam', 'resume');
    expect(resumed.status).toBe(409);
    expect((await resumed.json()).error.code).toBe('invalid_transition');
    expect((await liveUrl('shop-cam')).status).toBe(403);
    const actions = await test.db.query(`SELECT action FROM audit_log WHERE action LIKE 'owner_%' ORDER BY id`);
    expect(actions.rows.map((row) => row.action)).toEqual(['owner_paused_sharing', 'owner_resumed_sharing', 'owner_ended_sharing']);
  });
});
