// A joint rule end to end on the real parts: the rule saved through the API; a tide gauge's readings over
// the real broker, ingest worker and sensor rules (level II); camera alerts raised by the real alerts
// service, one 2 km and one 300 m from the gauge; the evaluator woken by the alerts' changes.
// The far camera raises nothing; the near one raises a flooded road with both evidences and the camera's
// snapshot; the tide falling back clears it.
import sharp from 'sharp';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import type { AlertRaiser } from '../../core/alerts/types.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { SensorRuleEngine } from '../../analytics/sensor-rules/rule-engine.ts';
import { JointRuleEvaluator } from '../../analytics/joint-rules/evaluator.ts';
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

const publishLevel = (value: number) => publisher.publishAsync(topicOf(gauge), JSON.stringify({ ts: Date.now(), value }), { qos: 1 });

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
    await publishLevel(1.65);
    await waitFor('the gauge at level II', async () => (await test.db.query(`SELECT level FROM sensor_state WHERE sensor_id = $1`, [gauge])).rows[0]?.level === 2);
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
    expect(joint.description_en).toContain('Trạm triều Phú An at alarm level II (1.65 m)');
    expect(joint.description_en).toContain('stalled vehicle at Cầu Sài Gòn (300 m)');
    expect(joint.evidence.sensor).toMatchObject({ sensorId: gauge, level: 2, value: 1.65, unit: 'm' });
    expect(joint.evidence.cameras).toEqual([expect.objectContaining({ alertId: stalled.alertId, cameraId: nearCamera, kind: 'stalled_vehicle', distanceM: 300, endedAt: null, hasSnapshot: true })]);
    expect((await jointAlerts())).toHaveLength(1);
  });

  it('clears it when the tide falls back below level II', async () => {
    await publishLevel(1.4);
    const [joint] = await waitFor('the flooded road alert cleared', async () => {
      const rows = await jointAlerts();
      return rows[0]?.auto_cleared_at ? rows : undefined;
    });
    expect(joint.auto_cleared_reason_en).toBe('The sensor is below alarm level II again');
  });
});
