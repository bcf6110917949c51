// The slot routes through the real api role: staff read which cameras are analysed and why; operators
// pin and unpin (audited); engineers set time-of-day windows; bad input is refused clearly; the leader
// publishes `slots:changed` to logged-in staff over socket.io.
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryAudit } from '../../core/audit.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { createLogger } from '../../core/logger.ts';
import { SlotLeader } from '../../analytics/slots/leader.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { cameraGrid, insertCameras, setActivity, waitFor } from './support/fixtures.ts';

let test: TestDatabase;
let api: TestApi;
let leader: SlotLeader;
let socket: Socket | undefined;
const cameras = cameraGrid('api', 4);

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  await insertCameras(test.db, cameras);
  await setActivity(test.db, cameras.map((c) => c.id), (id) => (id.endsWith('3') ? 20 : 0.5));
  // All analysed a minute ago: none is overdue for its round-robin turn, so motion decides.
  await test.db.query(`INSERT INTO analysis_camera_state (camera_id, last_served_at) SELECT id, now() - interval '1 minute' FROM cameras`);
  leader = new SlotLeader({
    db: test.db,
    logger: createLogger('silent'),
    live: createLivePublisher(test.db),
    id: 'api-test-leader',
    settings: {
      slotCount: 1,
      intervalMs: 60_000, // only wake-ups (pins) and explicit rounds move slots in this file
      leaseMs: 5000,
      scheduler: {},
      signals: { sensorRadiusM: 1000, sensorMinLevel: 2, recentEventMs: 600_000, streamStaleMs: 20_000, timeZone: 'UTC' },
    },
  });
});
afterAll(async () => {
  socket?.disconnect();
  await leader?.stop();
  await api?.stop();
  await test?.drop();
});

describe('analysis slot routes', () => {
  it('shows which cameras are analysed and why, to every command-room role and nobody else', async () => {
    await leader.runRound();
    for (const role of ['admin', 'engineer', 'operator', 'viewer'] as const) {
      const response = await api.request('GET', '/api/analysis/slots', { role });
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body).toMatchObject({ slotCount: 1, slotSource: 'config', leader: 'api-test-leader' });
      expect(body.slots).toEqual([expect.objectContaining({ cameraId: cameras[3].id, cameraName: `Camera ${cameras[3].id}`, reason: 'motion' })]);
      expect(body.slots[0].detail).toMatchObject({ motionScore: 20 });
    }
    expect((await api.request('GET', '/api/analysis/slots', { role: 'field' })).status).toBe(403);
    expect((await api.request('GET', '/api/analysis/slots')).status).toBe(401);

    const list = await (await api.request('GET', '/api/analysis/cameras', { role: 'viewer' })).json();
    expect(list.cameras).toHaveLength(4);
    expect(list.cameras.find((c: { cameraId: string }) => c.cameraId === cameras[3].id)).toMatchObject({ analysed: true, reason: 'motion', streamOnline: true, motionScore: 20 });
    expect(list.cameras.find((c: { cameraId: string }) => c.cameraId === cameras[0].id)).toMatchObject({ analysed: false, reason: null });
  });

  it('an operator pins a camera: audited, the leader wakes and gives it the slot, staff get slots:changed', async () => {
    socket = connectSocket(api.baseUrl, { transports: ['websocket'], extraHeaders: { cookie: api.cookieFor('viewer') } });
    const changes: { assignments: { cameraId: string; reason: string }[] }[] = [];
    socket.on('slots:changed', (payload) => changes.push(payload));
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', () => resolve());
      socket!.once('connect_error', reject);
    });
    await leader.start();

    expect((await api.request('PUT', `/api/analysis/pins/${cameras[0].id}`, { role: 'viewer', body: {} })).status).toBe(403);
    const response = await api.request('PUT', `/api/analysis/pins/${cameras[0].id}`, { role: 'operator', body: { note: 'flooding reported by phone' } });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ pin: { cameraId: cameras[0].id, pinnedBy: 'operator-user', note: 'flooding reported by phone' }, pinnedCount: 1, slotCount: 1 });
    expect(body.warning).toBeUndefined();

    const pushed = await waitFor('slots:changed with the pinned camera', async () =>
      changes.find((change) => change.assignments.some((a) => a.cameraId === cameras[0].id && a.reason === 'pinned')),
    );
    expect(pushed.assignments).toHaveLength(1);
    const slots = await (await api.request('GET', '/api/analysis/slots', { role: 'viewer' })).json();
    expect(slots.slots[0]).toMatchObject({ cameraId: cameras[0].id, reason: 'pinned', detail: { pinnedBy: 'operator-user' } });
    expect(slots.pins).toEqual([expect.objectContaining({ cameraId: cameras[0].id, analysed: true, note: 'flooding reported by phone' })]);

    const audit = await queryAudit(test.db, { entityType: 'camera_analysis', entityId: cameras[0].id });
    expect(audit[0]).toMatchObject({ action: 'pin', username: 'operator-user', details: { note: 'flooding reported by phone' } });
  });

  it('pinning more cameras than slots says so in the answer, the state and the audit log', async () => {
    const response = await api.request('PUT', `/api/analysis/pins/${cameras[1].id}`, { role: 'admin', body: {} });
    const body = await response.json();
    expect(body.pinnedCount).toBe(2);
    expect(body.warning).toMatch(/2 cameras are pinned but there are 1 analysis slots/);
    const state = await waitFor('the overflow notice', async () => {
      const slots = await (await api.request('GET', '/api/analysis/slots', { role: 'viewer' })).json();
      return slots.notices.find((notice: { code: string }) => notice.code === 'more_pinned_than_slots') ? slots : undefined;
    });
    // The most recent pin is the one analysed.
    expect(state.slots.map((slot: { cameraId: string }) => slot.cameraId)).toEqual([cameras[1].id]);
    const overflow = await queryAudit(test.db, { entityType: 'analysis_slots' });
    expect(overflow[0]).toMatchObject({ action: 'pin_overflow', username: 'system:slot-scheduler', details: { pinned: 2, slots: 1, waiting: [cameras[0].id] } });
  });

  it('unpins (audited once), and refuses unknown cameras and bad input clearly', async () => {
    for (const id of [cameras[0].id, cameras[1].id]) {
      const response = await api.request('DELETE', `/api/analysis/pins/${id}`, { role: 'operator' });
      expect(await response.json()).toEqual({ wasPinned: true });
    }
    expect(await (await api.request('DELETE', `/api/analysis/pins/${cameras[0].id}`, { role: 'operator' })).json()).toEqual({ wasPinned: false });
    const unpins = (await queryAudit(test.db, { entityType: 'camera_analysis' })).filter((entry) => entry.action === 'unpin');
    expect(unpins).toHaveLength(2);

    const unknown = await api.request('PUT', '/api/analysis/pins/no-such-camera', { role: 'operator', body: {} });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found', message: 'camera no-such-camera not found' } });
    const longNote = await api.request('PUT', `/api/analysis/pins/${cameras[0].id}`, { role: 'operator', body: { note: 'x'.repeat(501) } });
    expect(longNote.status).toBe(400);
  });

  it('engineers set time-of-day windows; malformed windows are refused naming the field', async () => {
    const windows = [{ from: '06:30', to: '08:00', priority: 3, days: [1, 2, 3, 4, 5] }, { from: '22:00', to: '05:00', priority: 1 }];
    expect((await api.request('PUT', `/api/analysis/cameras/${cameras[2].id}/time-of-day`, { role: 'operator', body: { windows } })).status).toBe(403);
    const saved = await api.request('PUT', `/api/analysis/cameras/${cameras[2].id}/time-of-day`, { role: 'engineer', body: { windows } });
    expect(saved.status).toBe(200);
    const list = await (await api.request('GET', '/api/analysis/cameras', { role: 'viewer' })).json();
    expect(list.cameras.find((c: { cameraId: string }) => c.cameraId === cameras[2].id).timeOfDay).toEqual(windows);
    const bad = await api.request('PUT', `/api/analysis/cameras/${cameras[2].id}/time-of-day`, { role: 'engineer', body: { windows: [{ from: '25:00', to: '08:00', priority: 1 }] } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/from/);
    const audit = await queryAudit(test.db, { entityType: 'camera_analysis', entityId: cameras[2].id });
    expect(audit.map((entry) => entry.action)).toEqual(['set_time_of_day']);
  });
});
