// Raising alerts from producers: one situation, one alert, enforced by PostgreSQL across processes.
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { actOnAlert } from '../../dashboard/server/alerts/lifecycle.ts';
import { recordAlertChange } from '../../core/alerts/changes.ts';
import type { AlertTrigger } from '../../core/alerts/types.ts';
import { systemActor } from '../../core/audit.ts';
import { connectMqtt } from '../../core/mqtt/connect.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testMqttUrl } from '../support/urls.ts';
import { waitFor } from '../support/wait.ts';
import { addCamera, addDistrict, addSensor } from './support/fixtures.ts';

const run = promisify(execFile);
let test: TestDatabase;
let broker: mqtt.MqttClient;
let raiser: ReturnType<typeof createAlertRaiser>;
let districtId: string;

const trigger = (sourceId: string, overrides: Partial<AlertTrigger> = {}): AlertTrigger => ({
  sourceType: 'camera',
  sourceId,
  kind: 'congestion',
  severity: 'minor',
  title: { vi: 'Ùn tắc', en: 'Congestion' },
  ...overrides,
});

const MAX_RACE_ATTEMPTS = 3;

interface RaiseChildReport {
  created: number;
  alertIds: number[];
  barrierBackendPid: number;
  /** [start, end] of each raise call, epoch ms. */
  raiseIntervals: Array<[number, number]>;
  /** Commit position (eventId) of each raise's alert event. */
  eventPositions: number[];
}

/** How many pairs (one raise of each process) were in flight at the same moment. */
function overlappingRaises(a: Array<[number, number]>, b: Array<[number, number]>): number {
  let pairs = 0;
  for (const [startA, endA] of a) for (const [startB, endB] of b) if (startA < endB && startB < endA) pairs++;
  return pairs;
}

/** How often commit order passes from one process's raises to the other's: 1 when one ran after the other. */
function commitOrderSwitches(a: number[], b: number[]): number {
  const merged = [...a.map((position) => ({ position, by: 'a' })), ...b.map((position) => ({ position, by: 'b' }))].sort((x, y) => x.position - y.position);
  return merged.filter((entry, i) => i > 0 && entry.by !== merged[i - 1].by).length;
}

/**
 * Two child processes raise `count` identical triggers each, released together from a barrier: an
 * advisory lock this test holds while both wait for it (raise-child.ts). Returns their reports and the
 * backends PostgreSQL saw waiting at the barrier.
 */
async function raceTwoProcesses(cameraId: string, count: number): Promise<{ reports: RaiseChildReport[]; waitingBackends: number[] }> {
  const barrierKey = randomInt(1, 2 ** 31);
  const holder = await test.db.connect();
  let children: Array<Promise<{ stdout: string }>> = [];
  try {
    await holder.query('SELECT pg_advisory_lock($1)', [barrierKey]);
    let exited = 0;
    children = [0, 1].map(() => {
      const child = run(process.execPath, ['--import', 'tsx', 'tests/alerts/support/raise-child.ts', test.url, String(count), String(barrierKey), cameraId], { timeout: 120_000 });
      void child.then(() => exited++, () => exited++);
      return child;
    });
    const waitingBackends = await waitFor(
      'both raising processes to wait at the barrier',
      async () => {
        if (exited) throw new Error('a raising process ended before the barrier was released');
        const waiting = await test.db.query(
          `SELECT pid FROM pg_locks
            WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid = 0 AND objid = $1::bigint::oid AND objsubid = 1 AND NOT granted ORDER BY pid`,
          [barrierKey],
        );
        return waiting.rowCount === 2 && waiting.rows.map((row) => Number(row.pid));
      },
      90_000,
      50,
    );
    await holder.query('SELECT pg_advisory_unlock($1)', [barrierKey]);
    const outputs = await Promise.all(children);
    return { reports: outputs.map((output) => JSON.parse(output.stdout.trim().split('\n').pop()!)), waitingBackends };
  } finally {
    // Whatever failed, the children are let go (closing the session frees the lock) and awaited.
    holder.release(true);
    await Promise.allSettled(children);
  }
}

beforeAll(async () => {
  test = await createTestDatabase();
  broker = await connectMqtt({ MQTT_URL: testMqttUrl() }, `alerts-raise-test-${process.pid}-${Date.now()}`);
  raiser = createAlertRaiser({ db: test.db, mqtt: broker });
  districtId = await addDistrict(test.db);
});
afterAll(async () => {
  await broker?.endAsync();
  await test?.drop();
});

describe('one situation, one alert', () => {
  it('raises one alert for 100 identical triggers from two processes whose raises overlap', { timeout: 400_000 }, async () => {
    for (let attempt = 1; attempt <= MAX_RACE_ATTEMPTS; attempt++) {
      const cameraId = await addCamera(test.db, districtId);
      const { reports, waitingBackends } = await raceTwoProcesses(cameraId, 50);
      // Both processes were held at the start line at once, each by its own backend.
      expect(waitingBackends).toEqual(reports.map((report) => report.barrierBackendPid).sort((a, b) => a - b));

      expect(reports[0].created + reports[1].created).toBe(1);
      expect(new Set([...reports[0].alertIds, ...reports[1].alertIds]).size).toBe(1);
      const alerts = await test.db.query(`SELECT id, occurrences, state FROM alerts WHERE source_id = $1`, [cameraId]);
      expect(alerts.rows).toHaveLength(1);
      expect(alerts.rows[0]).toMatchObject({ occurrences: 100, state: 'new' });
      const events = await test.db.query(`SELECT type, count(*)::int AS n FROM alert_events WHERE alert_id = $1 GROUP BY type ORDER BY type`, [alerts.rows[0].id]);
      expect(events.rows).toEqual([
        { type: 'raised', n: 1 },
        { type: 'updated', n: 99 },
      ]);

      // The outcome only proves something if the two processes really raced: raise calls of both in flight
      // at the same moment, and in the database their raises committed interleaved (A, B, A or B, A, B),
      // not one process's all before the other's. Released together they nearly always do; if not, again.
      const inFlightTogether = overlappingRaises(reports[0].raiseIntervals, reports[1].raiseIntervals) > 0;
      const interleaved = commitOrderSwitches(reports[0].eventPositions, reports[1].eventPositions) >= 2;
      if (inFlightTogether && interleaved) return;
    }
    expect.fail(`the two processes' raises never overlapped in ${MAX_RACE_ATTEMPTS} attempts, so deduplication across processes was not tested`);
  });

  it('counts, moves last seen forward and escalates severity but never lowers it', async () => {
    const cameraId = await addCamera(test.db, districtId);
    const first = await raiser.raise(trigger(cameraId, { severity: 'minor', observedAt: new Date('2026-01-01T10:00:00Z') }));
    const second = await raiser.raise(trigger(cameraId, { severity: 'critical', observedAt: new Date('2026-01-01T10:05:00Z') }));
    const third = await raiser.raise(trigger(cameraId, { severity: 'info', observedAt: new Date('2026-01-01T10:03:00Z') }));
    expect(first).toMatchObject({ created: true, occurrences: 1, severity: 'minor' });
    expect(second).toMatchObject({ alertId: first.alertId, created: false, occurrences: 2, severity: 'critical' });
    expect(third).toMatchObject({ alertId: first.alertId, created: false, occurrences: 3, severity: 'critical' });
    const row = (await test.db.query(`SELECT first_seen_at, last_seen_at FROM alerts WHERE id = $1`, [first.alertId])).rows[0];
    expect(row.first_seen_at.toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(row.last_seen_at.toISOString()).toBe('2026-01-01T10:05:00.000Z');
  });

  it('keeps zones apart: the same camera and kind in another zone is another alert', async () => {
    const cameraId = await addCamera(test.db, districtId);
    const a = await raiser.raise(trigger(cameraId, { kind: 'crowd', zoneId: 'gate-a' }));
    const b = await raiser.raise(trigger(cameraId, { kind: 'crowd', zoneId: 'gate-b' }));
    expect(a.alertId).not.toBe(b.alertId);
  });

  it('opens a new alert once the previous one for the situation is resolved', async () => {
    const cameraId = await addCamera(test.db, districtId);
    const first = await raiser.raise(trigger(cameraId));
    const deps = { db: test.db, noteMaxChars: 1000 };
    const operator = { id: 1, role: 'operator' as const };
    await actOnAlert(deps, { alertId: first.alertId, action: 'acknowledge', user: operator, actor: systemActor('test') });
    await actOnAlert(deps, { alertId: first.alertId, action: 'resolve', user: operator, actor: systemActor('test') });
    const again = await raiser.raise(trigger(cameraId));
    expect(again.created).toBe(true);
    expect(again.alertId).not.toBe(first.alertId);
  });
});

describe('location and bad input', () => {
  it('takes the location and district from the source camera or sensor unless the trigger gives them', async () => {
    const cameraId = await addCamera(test.db, districtId);
    const sensorId = await addSensor(test.db, districtId);
    const fromCamera = await raiser.raise(trigger(cameraId));
    const fromSensor = await raiser.raise({ ...trigger(sensorId), sourceType: 'sensor', kind: 'sensor_level' });
    const explicit = await raiser.raise(trigger(cameraId, { kind: 'wrong_way', lat: 10.5, lon: 106.5 }));
    const rows = await test.db.query(`SELECT id, lat, lon, district_id FROM alerts WHERE id = ANY($1) ORDER BY id`, [
      [fromCamera.alertId, fromSensor.alertId, explicit.alertId],
    ]);
    expect(rows.rows.map((row) => [row.lat, row.lon, row.district_id])).toEqual([
      [10.7769, 106.7009, districtId],
      [10.8, 106.65, districtId],
      [10.5, 106.5, districtId],
    ]);
  });

  it('refuses a trigger for an unknown device with a clear error and stores nothing', async () => {
    const before = (await test.db.query(`SELECT count(*)::int AS n FROM alerts`)).rows[0].n;
    await expect(raiser.raise(trigger('no-such-camera'))).rejects.toMatchObject({
      code: 'unknown_device',
      field: 'sourceId',
      message: expect.stringContaining('no camera "no-such-camera" is registered'),
    });
    await expect(raiser.raise({ ...trigger('no-such-sensor'), sourceType: 'sensor' })).rejects.toMatchObject({ code: 'unknown_device' });
    expect((await test.db.query(`SELECT count(*)::int AS n FROM alerts`)).rows[0].n).toBe(before);
  });

  it('refuses a malformed trigger and names the field', async () => {
    const cameraId = await addCamera(test.db, districtId);
    await expect(raiser.raise(trigger(cameraId, { severity: 'apocalyptic' as never }))).rejects.toMatchObject({ code: 'invalid_trigger', field: 'severity' });
    await expect(raiser.raise(trigger(cameraId, { title: { vi: '', en: 'x' } }))).rejects.toMatchObject({ field: 'title.vi' });
    await expect(raiser.raise(trigger(cameraId, { evidence: { snapshotJpeg: Buffer.from('GIF89a not a jpeg') } }))).rejects.toMatchObject({
      field: 'evidence.snapshotJpeg',
    });
  });
});

describe('auto-clear', () => {
  it('marks the alert as cleared by itself without deleting it, and a recurrence reopens the mark on the same alert', async () => {
    const cameraId = await addCamera(test.db, districtId);
    const key = { sourceType: 'camera' as const, sourceId: cameraId, kind: 'camera_offline' as const };
    const raised = await raiser.raise(trigger(cameraId, { kind: 'camera_offline', severity: 'major' }));
    const cleared = await raiser.clear(key, { vi: 'Camera đã trực tuyến', en: 'Camera back online' });
    expect(cleared).toEqual({ alertId: raised.alertId });
    const row = (await test.db.query(`SELECT state, auto_cleared_at, auto_cleared_reason_en FROM alerts WHERE id = $1`, [raised.alertId])).rows[0];
    expect(row.state).toBe('new');
    expect(row.auto_cleared_at).toBeInstanceOf(Date);
    expect(row.auto_cleared_reason_en).toBe('Camera back online');
    // A second "condition ended" records nothing new.
    expect(await raiser.clear(key)).toEqual({ alertId: raised.alertId });
    const clears = await test.db.query(`SELECT count(*)::int AS n FROM alert_events WHERE alert_id = $1 AND type = 'auto_cleared'`, [raised.alertId]);
    expect(clears.rows[0].n).toBe(1);
    const audit = await test.db.query(`SELECT username FROM audit_log WHERE entity_type = 'alert' AND entity_id = $1 AND action = 'auto_clear'`, [String(raised.alertId)]);
    expect(audit.rows).toEqual([{ username: 'system:camera-rules' }]);

    const again = await raiser.raise(trigger(cameraId, { kind: 'camera_offline', severity: 'major' }));
    expect(again).toMatchObject({ alertId: raised.alertId, created: false, occurrences: 2 });
    const reopened = (await test.db.query(`SELECT auto_cleared_at FROM alerts WHERE id = $1`, [raised.alertId])).rows[0];
    expect(reopened.auto_cleared_at).toBeNull();
    expect(await raiser.clear({ ...key, kind: 'camera_tamper' })).toBeUndefined();
  });
});

describe('event order', () => {
  it('numbers alert changes in commit order, not in the order they were written', async () => {
    const cameraId = await addCamera(test.db, districtId);
    const first = await raiser.raise(trigger(cameraId, { kind: 'crowd' }));
    const second = await raiser.raise(trigger(cameraId, { kind: 'congestion' }));
    const actor = systemActor('test');
    const early = await test.db.connect();
    const late = await test.db.connect();
    try {
      // `early` writes first but commits last: it must be numbered after `late`.
      await early.query('BEGIN');
      const earlyRow = await recordAlertChange(early, { alertId: first.alertId, type: 'note', fromState: 'new', toState: 'new', teamId: null, actor, note: 'written first' });
      await late.query('BEGIN');
      const lateRow = await recordAlertChange(late, { alertId: second.alertId, type: 'note', fromState: 'new', toState: 'new', teamId: null, actor, note: 'written second' });
      expect(earlyRow).toBeLessThan(lateRow);
      await late.query('COMMIT');
      await early.query('COMMIT');
      const positions = await test.db.query(`SELECT id, position FROM alert_events WHERE id = ANY($1) ORDER BY position`, [[earlyRow, lateRow]]);
      expect(positions.rows.map((row) => Number(row.id))).toEqual([lateRow, earlyRow]);
      const alerts = await test.db.query(`SELECT id, last_event_id FROM alerts WHERE id = ANY($1) ORDER BY id`, [[first.alertId, second.alertId]]);
      expect(alerts.rows.map((row) => Number(row.last_event_id))).toEqual([Number(positions.rows[1].position), Number(positions.rows[0].position)]);
      // A rolled-back change is never numbered nor seen.
      await early.query('BEGIN');
      const rolledBack = await recordAlertChange(early, { alertId: first.alertId, type: 'note', fromState: 'new', toState: 'new', teamId: null, actor, note: 'never happened' });
      await early.query('ROLLBACK');
      expect((await test.db.query(`SELECT 1 FROM alert_events WHERE id = $1`, [rolledBack])).rowCount).toBe(0);
    } finally {
      early.release();
      late.release();
    }
  });
});

describe('interoperability', () => {
  it('publishes a copy of each change on cityops/alerts/{district}/{kind} on the real broker, with the names people use', async () => {
    const district = await addDistrict(test.db);
    await test.db.query(`UPDATE districts SET name = 'Quận Bình Thạnh', name_en = 'Binh Thanh District' WHERE id = $1`, [district]);
    const cameraId = await addCamera(test.db, district);
    const topic = `cityops/alerts/${district}/wrong_way`;
    await broker.subscribeAsync(topic, { qos: 1 });
    const received = new Promise<{ topic: string; body: Record<string, unknown> }>((resolve) =>
      broker.on('message', (messageTopic, payload) => {
        if (messageTopic === topic) resolve({ topic: messageTopic, body: JSON.parse(payload.toString()) });
      }),
    );
    const raised = await raiser.raise(trigger(cameraId, { kind: 'wrong_way', severity: 'major' }));
    const { body } = await received;
    expect(body).toMatchObject({ type: 'raised', alert: { id: raised.alertId, kind: 'wrong_way', severity: 'major', districtId: district, state: 'new' } });
    expect(body.eventId).toEqual(expect.any(Number));
    expect(body.district).toEqual({ id: district, name: 'Quận Bình Thạnh', nameEn: 'Binh Thanh District' });
  });
});
