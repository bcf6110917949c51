// A joint rule end to end on the real parts: the rule saved through the API; a tide gauge's readings, made
// by the sensor simulator's tide model for Phú An, over the real broker, ingest worker and sensor rules
// (the flood tide up to level II); camera alerts raised by the real alerts service, one 2 km and one 300 m
// from the gauge; the evaluator woken by the alerts' changes.
// The far camera raises nothing; the near one raises a flooded road with both evidences and the camera's
// snapshot; the tide falling back clears it.
import sharp from 'sharp';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import type { AlertRaiser } from '../../core/alerts/types.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { SensorRuleEngine } from '../../analytics/sensor-rules/rule-engine.ts';
import { JOINT_PASS_LOCK_KEY, JointRuleEvaluator } from '../../analytics/joint-rules/evaluator.ts';
import { seededRandom, simulatedValue } from '../../ingest/sensors/simulated-series.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { waitFor } from '../support/wait.ts';
import { connectPublisher, registerSensor, runTag, startTestWorker, testLogger, topicOf, type TestWorker } from '../sensors/helpers.ts';

const tag = runTag();
const gauge = `phu-an-${tag}`;
const nearCamera = `cam-near-${tag}`;
const farCamera = `cam-far-${tag}`;
const GAUGE = { lat: 10.7723, lon: 106.7105 };

let test: TestDatabase;
let api: TestApi;
let worker: TestWorker;
let engine: SensorRuleEngine;
let evaluator: JointRuleEvaluator;
let publisher: MqttClient;
let alerts: AlertRaiser;

async function addCamera(id: string, name: string, latOffset: number) {
  await test.db.query(`INSERT INTO cameras (id, name, rtsp_url, lat, lon) VALUES ($1, $2, 'rtsp://127.0.0.1/x', $3, $4)`, [id, name, GAUGE.lat + latOffset, GAUGE.lon]);
}

/**
 * Publishes the simulator's Phú An tide every 10 simulated minutes over [fromHours, toHours] (hours from its
 * higher high water, 1.77 m), one simulated hour per real minute from ten minutes ago; the last value.
 */
const startMs = Date.now() - 10 * 60_000;
const noise = seededRandom(16);
async function publishTide(fromHours: number, toHours: number): Promise<number> {
  let value = NaN;
  for (let hours = fromHours; hours <= toHours + 1e-9; hours += 1 / 6) {
    value = simulatedValue({ id: gauge, kind: 'tide_level', siteIndex: 0 }, hours, 1 / 6, { pumpOn: false }, noise);
    await publisher.publishAsync(topicOf(gauge), JSON.stringify({ ts: Math.round(startMs + (hours + 2) * 60_000), value }), { qos: 1 });
  }
  return value;
}
let floodTide: number;

const jointAlerts = async () =>
  (
    await test.db.query(
      `SELECT a.id, a.kind, a.severity, a.zone_id, a.title_en, a.description_en, a.evidence, a.auto_cleared_at, a.auto_cleared_reason_en, a.lat, a.lon,
              EXISTS (SELECT 1 FROM alert_media m WHERE m.alert_id = a.id AND m.kind = 'snapshot') AS has_snapshot
         FROM alerts a WHERE a.source_type = 'sensor' AND a.source_id = $1 AND a.kind = 'flooded_road' ORDER BY a.id`,
      [gauge],
    )
  ).rows;

/** A pass of our own, once no background pass holds the lock: what the evaluator decides from the facts now. */
const evaluateNow = () => waitFor('a joint rules pass', async () => (await evaluator.passOnce()).evaluated);

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  await registerSensor(test.db, { id: gauge, name: 'Trạm triều Phú An', kind: 'tide_level', ...GAUGE, level1: 1.5, level2: 1.6, level3: 1.7, hysteresis: 0.03, expectedIntervalSeconds: 3600 });
  // 0.0027° of latitude ≈ 300 m; 0.018° ≈ 2 km.
  await addCamera(nearCamera, 'Cầu Sài Gòn', 0.0027);
  await addCamera(farCamera, 'Ngã tư Hàng Xanh', 0.018);

  const live = createLivePublisher(test.db);
  alerts = createAlertRaiser({ db: test.db, live });
  worker = await startTestWorker(test.db, { group: `joint-${tag}`, onStored: (readings) => engine.enqueue(readings) });
  engine = new SensorRuleEngine({ db: test.db, logger: testLogger, profiles: worker.directory, alerts, live, applyEveryMs: 100 });
  // The periodic pass is far off: within this test the evaluator acts on the alerts' change notifications.
  evaluator = new JointRuleEvaluator({ db: test.db, logger: testLogger, alerts, checkEveryMs: 600_000 });
  await evaluator.start();
  publisher = await connectPublisher();
});

afterAll(async () => {
  await publisher?.endAsync();
  await evaluator?.stop();
  await worker?.stop();
  await engine?.stop();
  await api?.stop();
  await test?.drop();
});

describe('joint rule: water level and stalled vehicles', () => {
  it('is saved by an engineer', async () => {
    const response = await api.request('POST', '/api/joint-rules', {
      role: 'engineer',
      body: {
        name: 'Ngập đường Phú An',
        severity: 'critical',
        alertKind: 'flooded_road',
        sensorId: gauge,
        sensorCondition: 'level',
        minLevel: 2,
        cameraAlertKinds: ['stalled_vehicle', 'congestion'],
        radiusM: 500,
        windowMinutes: 30,
      },
    });
    expect(response.status).toBe(201);
  });

  it('raises nothing for a gauge at level II and a stalled vehicle 2 km away', async () => {
    // The flood tide from two hours before high water to 48 minutes before it: about 1.2 m up to 1.68 m.
    floodTide = await publishTide(-2, -0.8);
    expect(floodTide).toBeGreaterThanOrEqual(1.6);
    expect(floodTide).toBeLessThan(1.7);
    await waitFor('the gauge at level II', async () => (await test.db.query(`SELECT level, last_value FROM sensor_state WHERE sensor_id = $1`, [gauge])).rows[0]?.last_value === floodTide);
    expect((await test.db.query(`SELECT level FROM sensor_state WHERE sensor_id = $1`, [gauge])).rows[0].level).toBe(2);
    await alerts.raise({ sourceType: 'camera', sourceId: farCamera, kind: 'stalled_vehicle', severity: 'minor', title: { vi: 'Xe dừng', en: 'Stalled vehicle' } });
    await evaluateNow();
    expect(await jointAlerts()).toEqual([]);
  });

  it('raises a flooded road with both evidences once a vehicle stalls 300 m away', async () => {
    const snapshotJpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#406080' } }).jpeg().toBuffer();
    const stalled = await alerts.raise({ sourceType: 'camera', sourceId: nearCamera, kind: 'stalled_vehicle', severity: 'minor', title: { vi: 'Xe dừng', en: 'Stalled vehicle' }, evidence: { snapshotJpeg } });

    const [joint] = await waitFor('the flooded road alert', async () => {
      const rows = await jointAlerts();
      return rows.length ? rows : undefined;
    });
    expect(joint).toMatchObject({ severity: 'critical', title_en: 'Flooded road near Trạm triều Phú An', auto_cleared_at: null, lat: GAUGE.lat, lon: GAUGE.lon, has_snapshot: true });
    expect(joint.description_en).toContain(`Trạm triều Phú An at alarm level II (${floodTide} m)`);
    expect(joint.description_en).toContain('stalled vehicle at Cầu Sài Gòn (300 m)');
    expect(joint.evidence.sensor).toMatchObject({ sensorId: gauge, level: 2, value: floodTide, unit: 'm' });
    expect(joint.evidence.cameras).toEqual([expect.objectContaining({ alertId: stalled.alertId, cameraId: nearCamera, kind: 'stalled_vehicle', distanceM: 300, endedAt: null, hasSnapshot: true })]);
    expect((await jointAlerts())).toHaveLength(1);
  });

  it('leaves the pass to the process that holds it', async () => {
    const other = await test.db.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1)', [JOINT_PASS_LOCK_KEY]);
      expect(await evaluator.passOnce()).toEqual({ evaluated: false, raised: 0, cleared: 0 });
    } finally {
      await other.query('ROLLBACK');
      other.release();
    }
  });

  it('clears it when the tide falls back below level II', async () => {
    // The ebb, two and a half to three hours after high water: about 1.0 m down to 0.7 m.
    expect(await publishTide(2.5, 3)).toBeLessThan(1.5);
    const [joint] = await waitFor('the flooded road alert cleared', async () => {
      const rows = await jointAlerts();
      return rows[0]?.auto_cleared_at ? rows : undefined;
    });
    expect(joint.auto_cleared_reason_en).toBe('The sensor is below alarm level II again');
  });
});
