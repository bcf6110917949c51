// The slot scheduler's leader loop against the real PostgreSQL: signals read from the tables other
// roles write (camera_activity, alerts, sensor_state, pins), the slot table written, one leader.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { queryAudit } from '../../core/audit.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { createLogger } from '../../core/logger.ts';
import { SlotLeader, type SlotLeaderSettings } from '../../analytics/slots/leader.ts';
import { SlotFrameHook } from '../../analytics/slots/ingest-hook.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { cameraGrid, insertCameras, pin, setActivity, setSensorLevel, slotTable, waitFor } from './support/fixtures.ts';

const logger = createLogger('silent');
let test: TestDatabase;
const running: { stop(): Promise<void> }[] = [];

function settings(overrides: Partial<SlotLeaderSettings> = {}): SlotLeaderSettings {
  return {
    slotCount: 3,
    intervalMs: 500,
    leaseMs: 5000,
    scheduler: { minHoldMs: 60_000, roundRobinPeriodMs: 30 * 60_000, motionEnterScore: 3, motionExitScore: 2 },
    signals: { sensorRadiusM: 1000, sensorMinLevel: 2, recentEventMs: 10 * 60_000, streamStaleMs: 20_000, timeZone: 'Asia/Ho_Chi_Minh' },
    ...overrides,
  };
}

function leader(overrides: Partial<SlotLeaderSettings> = {}, clock?: () => number, id = 'test-leader') {
  const created = new SlotLeader({ db: test.db, logger, live: createLivePublisher(test.db), id, settings: settings(overrides), clock });
  running.push(created);
  return created;
}

beforeAll(async () => {
  test = await createTestDatabase();
});
afterEach(async () => {
  for (const component of running.splice(0)) await component.stop();
  // Each test builds its own cameras; the slot table and pins start empty.
  await test.db.query('DELETE FROM analysis_slots; DELETE FROM analysis_pins; DELETE FROM analysis_camera_state; DELETE FROM analysis_scheduler_state; DELETE FROM sensor_state; DELETE FROM alerts; DELETE FROM camera_status; DELETE FROM cameras');
});
afterAll(async () => {
  await test?.drop();
});

describe('slot leader on PostgreSQL', () => {
  it('gives slots in policy order from what the other roles wrote: pin, alert, sensor alarm, motion, time of day, round-robin', async () => {
    const cameras = cameraGrid('order', 8);
    await insertCameras(test.db, cameras);
    const ids = cameras.map((c) => c.id);
    const [pinned, alerted, nearSensor, moving, morning, waitingLong, recentlyServed, offline] = ids;
    await setActivity(test.db, ids, (id) => (id === moving ? 12 : 0.4));
    await setActivity(test.db, [offline], 30, { online: false });
    await pin(test.db, pinned, new Date());
    const raiser = createAlertRaiser({ db: test.db, live: createLivePublisher(test.db) });
    await raiser.raise({ sourceType: 'camera', sourceId: alerted, kind: 'crowd', severity: 'major', title: { vi: 'Đám đông', en: 'Crowd' } });
    // A tide gauge at level II about 200 m from one camera, and one at level I next to another (does not count).
    const near = cameras[2];
    await setSensorLevel(test.db, 'tide-near', { lat: near.lat + 0.0018, lon: near.lon }, 2);
    await setSensorLevel(test.db, 'tide-low', { lat: cameras[3].lat, lon: cameras[3].lon }, 1);
    // All day in two windows: one 00:00-23:59 window would leave out the minute 23:59 (the run failed then).
    await test.db.query(`INSERT INTO analysis_priorities (camera_id, windows) VALUES ($1, '[{"from":"00:00","to":"12:00","priority":3},{"from":"12:00","to":"00:00","priority":3}]')`, [morning]);
    await test.db.query(`INSERT INTO analysis_camera_state (camera_id, last_served_at) VALUES ($1, now() - interval '1 hour'), ($2, now() - interval '1 minute')`, [
      waitingLong,
      recentlyServed,
    ]);

    const expectedOrder = [pinned, alerted, nearSensor, moving, morning, waitingLong, recentlyServed];
    for (let slots = 1; slots <= 7; slots++) {
      await test.db.query('DELETE FROM analysis_slots');
      // No round-robin reserve (an endless period), so the pure policy order shows.
      const round = await leader({ slotCount: slots, scheduler: { roundRobinPeriodMs: Number.POSITIVE_INFINITY } }).runRound();
      expect(round.leader).toBe(true);
      expect([...(await slotTable(test.db)).keys()].sort()).toEqual(expectedOrder.slice(0, slots).sort());
      for (const component of running.splice(0)) await component.stop();
    }
    const table = await slotTable(test.db);
    expect(Object.fromEntries([...table].map(([id, slot]) => [id, slot.reason]))).toEqual({
      [pinned]: 'pinned',
      [alerted]: 'alert',
      [nearSensor]: 'sensor_alarm',
      [moving]: 'motion',
      [morning]: 'time_of_day',
      [waitingLong]: 'round_robin',
      [recentlyServed]: 'round_robin',
    });
    const detail = await test.db.query(`SELECT detail FROM analysis_slots WHERE camera_id = $1`, [nearSensor]);
    expect(detail.rows[0].detail).toMatchObject({ sensorId: 'tide-near', level: 2 });
    expect(detail.rows[0].detail.distanceM).toBeGreaterThan(150);
    expect(detail.rows[0].detail.distanceM).toBeLessThan(250);
    expect(table.has(offline)).toBe(false);
  });

  it('moves a slot to a camera within seconds of a sensor alarm next to it', async () => {
    const cameras = cameraGrid('tide', 20);
    await insertCameras(test.db, cameras);
    await setActivity(test.db, cameras.map((c) => c.id), (id) => 5 + Number(id.slice(-2)));
    await leader({ slotCount: 3, intervalMs: 1000 }).start();
    const before = await waitFor('the first plan', async () => ((await slotTable(test.db)).size === 3 ? slotTable(test.db) : undefined));
    const riverside = cameras.find((c) => !before.has(c.id))!;
    // Every slot is young (minimum hold 60 s): the alarm must still get one at once.
    await setSensorLevel(test.db, 'phu-an', { lat: riverside.lat + 0.001, lon: riverside.lon }, 2);
    // Seconds, not the 60 s minimum hold: the deadline guards the order of magnitude (the bench measures it).
    const slot = await waitFor('the riverside camera to get a slot', async () => (await slotTable(test.db)).get(riverside.id), 20_000, 50);
    expect(slot.reason).toBe('sensor_alarm');
    expect((await slotTable(test.db)).size).toBe(3);
  });

  it('a stream that dies releases its slot at once, to the next camera, without waiting for the next tick', async () => {
    const cameras = cameraGrid('dying', 4);
    await insertCameras(test.db, cameras);
    await setActivity(test.db, cameras.map((c) => c.id), (id) => (id.endsWith('0') ? 40 : id.endsWith('1') ? 20 : 0.2));
    // A tick of one minute: only the wake-up (NOTIFY from the ingest hook) can make it move quickly.
    const slotLeader = leader({ slotCount: 1, intervalMs: 60_000 });
    await slotLeader.start();
    const first = await waitFor('the first plan', async () => ((await slotTable(test.db)).size === 1 ? slotTable(test.db) : undefined));
    expect([...first.keys()]).toEqual([cameras[0].id]);
    const hook = new SlotFrameHook({ db: test.db, logger, reporter: 'test-ingest' });
    running.push(hook);
    await hook.start();
    hook.onStreamDown(cameras[0].id);
    const next = await waitFor('the slot to move', async () => {
      const table = await slotTable(test.db);
      return table.has(cameras[1].id) ? table : undefined;
    }, 10_000, 50);
    expect([...next.keys()]).toEqual([cameras[1].id]);
    const activity = await test.db.query('SELECT stream_online FROM camera_activity WHERE camera_id = $1', [cameras[0].id]);
    expect(activity.rows[0].stream_online).toBe(false);
  });

  it('a camera that camera ingest marks offline (camera_status) loses its slot at once', async () => {
    const cameras = cameraGrid('offline', 3);
    await insertCameras(test.db, cameras);
    await setActivity(test.db, cameras.map((c) => c.id), (id) => (id.endsWith('0') ? 40 : id.endsWith('1') ? 20 : 0.2));
    const slotLeader = leader({ slotCount: 1, intervalMs: 60_000 });
    await slotLeader.start();
    await waitFor('the first plan', async () => (await slotTable(test.db)).has(cameras[0].id));
    await test.db.query(`INSERT INTO camera_status (camera_id, state, reason) VALUES ($1, 'online', NULL)`, [cameras[0].id]);
    await test.db.query(`UPDATE camera_status SET state = 'offline', reason = 'stalled' WHERE camera_id = $1`, [cameras[0].id]);
    const next = await waitFor('the slot to move', async () => {
      const table = await slotTable(test.db);
      return table.has(cameras[1].id) ? table : undefined;
    }, 10_000, 50);
    expect([...next.keys()]).toEqual([cameras[1].id]);
  });

  it('a stream that goes silent (no report for longer than the stale time) loses its slot', async () => {
    const cameras = cameraGrid('silent', 2);
    await insertCameras(test.db, cameras);
    await setActivity(test.db, cameras.map((c) => c.id), (id) => (id.endsWith('0') ? 40 : 10));
    const slotLeader = leader({ slotCount: 1 });
    await slotLeader.runRound();
    expect([...(await slotTable(test.db)).keys()]).toEqual([cameras[0].id]);
    await test.db.query(`UPDATE camera_activity SET last_frame_at = now() - interval '1 minute' WHERE camera_id = $1`, [cameras[0].id]);
    const round = await slotLeader.runRound();
    expect(round.plan!.released).toEqual([expect.objectContaining({ cameraId: cameras[0].id, reason: 'stream_down' })]);
    expect([...(await slotTable(test.db)).keys()]).toEqual([cameras[1].id]);
  });

  it('more pinned cameras than slots: the most recent pins are analysed, the plan says so, and it is audited once', async () => {
    const cameras = cameraGrid('pins', 5);
    await insertCameras(test.db, cameras);
    await setActivity(test.db, cameras.map((c) => c.id), 0.5);
    const now = Date.now();
    for (const [i, camera] of cameras.entries()) await pin(test.db, camera.id, new Date(now - (10 - i) * 60_000));
    const slotLeader = leader({ slotCount: 2 });
    await slotLeader.runRound();
    await slotLeader.runRound();
    expect([...(await slotTable(test.db)).keys()].sort()).toEqual([cameras[3].id, cameras[4].id]);
    const state = await test.db.query('SELECT notices FROM analysis_scheduler_state');
    expect(state.rows[0].notices).toEqual([
      expect.objectContaining({ code: 'more_pinned_than_slots', pinned: 5, slots: 2, waiting: [cameras[2].id, cameras[1].id, cameras[0].id] }),
    ]);
    const audit = await queryAudit(test.db, { entityType: 'analysis_slots' });
    expect(audit.filter((entry) => entry.action === 'pin_overflow')).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ pinned: 5, slots: 2 });
  });

  it('slot count 0: nothing is analysed, and the state says why', async () => {
    const cameras = cameraGrid('zero', 3);
    await insertCameras(test.db, cameras);
    await setActivity(test.db, cameras.map((c) => c.id), 50);
    await pin(test.db, cameras[0].id, new Date());
    await leader({ slotCount: 0 }).runRound();
    expect((await slotTable(test.db)).size).toBe(0);
    const state = await test.db.query('SELECT slot_count, slot_source, notices FROM analysis_scheduler_state');
    expect(state.rows[0]).toMatchObject({ slot_count: 0, slot_source: 'config' });
    expect(state.rows[0].notices[0]).toMatchObject({ code: 'no_slots' });
    expect(state.rows[0].notices[0].message).toMatch(/no camera is analysed/);
  });

  it('measured slot count: the sum of live workers\' capacity, 0 (and said so) when no worker is alive', async () => {
    const cameras = cameraGrid('measured', 6);
    await insertCameras(test.db, cameras);
    await setActivity(test.db, cameras.map((c) => c.id), 5);
    const slotLeader = leader({ slotCount: undefined });
    let round = await slotLeader.runRound();
    expect(round).toMatchObject({ slotCount: 0, slotSource: 'measured' });
    expect(round.plan!.notices[0].message).toMatch(/no analytics worker is alive/);
    await test.db.query(`INSERT INTO analysis_workers (worker_id, hostname, capacity) VALUES ('w1', 'h', 2), ('w2', 'h', 3), ('dead', 'h', 50)`);
    await test.db.query(`UPDATE analysis_workers SET heartbeat_at = now() - interval '1 hour' WHERE worker_id = 'dead'`);
    round = await slotLeader.runRound();
    expect(round).toMatchObject({ slotCount: 5, slotSource: 'measured' });
    expect((await slotTable(test.db)).size).toBe(5);
    await test.db.query('DELETE FROM analysis_workers');
  });

  it('measured slot count at a restart: slots already held wait one lease period for the workers to measure, then go', async () => {
    const cameras = cameraGrid('restart', 4);
    await insertCameras(test.db, cameras);
    await setActivity(test.db, cameras.map((c) => c.id), 5);
    // Held before the restart; no worker alive yet.
    for (const camera of cameras.slice(0, 2)) await test.db.query(`INSERT INTO analysis_slots (camera_id, reason, assigned_at) VALUES ($1, 'motion', now())`, [camera.id]);
    let nowMs = Date.now();
    const slotLeader = leader({ slotCount: undefined, leaseMs: 15_000 }, () => nowMs);
    expect(await slotLeader.runRound()).toMatchObject({ leader: true, slotCount: 0 });
    nowMs += 10_000;
    await slotLeader.runRound();
    expect((await slotTable(test.db)).size).toBe(2); // kept: no camera restarted for nothing
    // A worker measured in time: the slots it can take are kept, none released and given back.
    await test.db.query(`INSERT INTO analysis_workers (worker_id, hostname, capacity) VALUES ('w-restart', 'h', 2)`);
    nowMs += 1_000;
    await slotLeader.runRound();
    expect([...(await slotTable(test.db)).keys()].sort()).toEqual(cameras.slice(0, 2).map((c) => c.id).sort());
    // No worker for a whole lease period: the slots go, and the state says why.
    await test.db.query('DELETE FROM analysis_workers');
    nowMs += 20_000;
    const round = await slotLeader.runRound();
    expect(round.plan!.notices[0].message).toMatch(/no analytics worker is alive/);
    expect((await slotTable(test.db)).size).toBe(0);
  });

  it('only one process leads at a time; another takes over when the leader stops', async () => {
    const cameras = cameraGrid('leaders', 2);
    await insertCameras(test.db, cameras);
    await setActivity(test.db, cameras.map((c) => c.id), 5);
    const a = leader({}, undefined, 'leader-a');
    const b = leader({}, undefined, 'leader-b');
    expect((await a.runRound()).leader).toBe(true);
    expect((await b.runRound()).leader).toBe(false);
    await a.stop();
    expect((await b.runRound()).leader).toBe(true);
    const state = await test.db.query('SELECT leader FROM analysis_scheduler_state');
    expect(state.rows[0].leader).toBe('leader-b');
  });

  it('over a simulated hour on the database: every camera analysed within the period, no slot released before the minimum hold', async () => {
    const cameras = cameraGrid('longrun', 100);
    await insertCameras(test.db, cameras);
    const ids = cameras.map((c) => c.id);
    // A fifth of the cameras move a lot all the time; streams stay fresh on the simulated clock.
    await setActivity(test.db, ids, (id) => (Number(id.slice(-4)) % 5 === 0 ? 25 : 0.3), { lastFrameAt: 'infinity' });
    let now = Date.parse('2026-03-02T01:00:00Z');
    const tickMs = 10_000;
    const periodMs = 15 * 60_000;
    const slotLeader = leader({ slotCount: 12, intervalMs: tickMs, scheduler: { minHoldMs: 60_000, roundRobinPeriodMs: periodMs } }, () => now);
    const lastServed = new Map<string, number>();
    const start = now;
    let maxWaitMs = 0;
    let shortHolds = 0;
    for (; now <= start + 3600_000; now += tickMs) {
      const round = await slotLeader.runRound();
      for (const released of round.plan!.released) if (released.heldMs < 60_000) shortHolds++;
      for (const assignment of round.plan!.assignments) lastServed.set(assignment.cameraId, now);
      for (const id of ids) maxWaitMs = Math.max(maxWaitMs, now - (lastServed.get(id) ?? start));
    }
    expect(shortHolds).toBe(0);
    expect(maxWaitMs).toBeLessThanOrEqual(periodMs);
    // What the scheduler wrote agrees with what it planned: every camera has been served.
    const served = await test.db.query('SELECT count(*)::int AS n FROM analysis_camera_state WHERE last_served_at IS NOT NULL');
    expect(served.rows[0].n).toBe(100);
  });
});
