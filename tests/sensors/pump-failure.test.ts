// Pump failure end to end in PostgreSQL: a drainage pump and the canal it drains, with the canal's level
// made by the sensor simulator's model (the Saigon River's tide, lagged, plus run-off) at a high tide
// above the pump's start level. The pump reported off throughout: "pump not running"; then it reports
// running while the canal does not fall: "running without effect"; then the canal falls: both cleared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { PumpWatch } from '../../analytics/sensor-rules/pump-watch.ts';
import { SensorDirectory } from '../../devices/sensor-directory.ts';
import { seededRandom, simulatedValue } from '../../ingest/sensors/simulated-series.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { registerSensor, runTag, storeReadings, testLogger } from './helpers.ts';

const HOUR_MS = 3_600_000;
const tag = runTag();
const pump = `pump-${tag}`;
const canal = `canal-${tag}`;
let test: TestDatabase;
let watch: PumpWatch;
let directory: SensorDirectory;
/** Simulated hours at real time `at`: `now` is at the simulator's higher high water (hour 0). */
const now = Math.floor(Date.now() / 60_000) * 60_000;
const simulatedHours = (at: number) => (at - now) / HOUR_MS;

const store = (sensorId: string, readings: Array<[number, number]>) => storeReadings(test.db, sensorId, readings);

/** The canal's level every 5 minutes over [from, to], as the simulator makes it (site 0). */
function canalLevels(from: number, to: number): Array<[number, number]> {
  const noise = seededRandom(7);
  const readings: Array<[number, number]> = [];
  for (let at = from; at <= to; at += 5 * 60_000) readings.push([at, simulatedValue({ id: canal, kind: 'water_level', siteIndex: 0 }, simulatedHours(at), 5 / 60, { pumpOn: false }, noise)]);
  return readings;
}

const pumpAlerts = async () =>
  (await test.db.query(`SELECT zone_id, severity, title_en, auto_cleared_at FROM alerts WHERE source_id = $1 AND kind = 'pump_failure' ORDER BY id`, [pump])).rows;

beforeAll(async () => {
  test = await createTestDatabase();
  await registerSensor(test.db, { id: canal, name: 'Kênh Nhiêu Lộc', kind: 'water_level', lat: 10.79, lon: 106.69, expectedIntervalSeconds: 300 });
  await registerSensor(test.db, {
    id: pump, name: 'Trạm bơm Nhiêu Lộc', kind: 'pump_state', lat: 10.79, lon: 106.69, expectedIntervalSeconds: 300,
    rules: { pumpLevelSensorId: canal, pumpStartLevel: 1.3, pumpFailureMinutes: 15, pumpMinDropCm: 2 },
  });
  directory = new SensorDirectory(test.db, testLogger);
  await directory.start();
  watch = new PumpWatch({ db: test.db, logger: testLogger, alerts: createAlertRaiser({ db: test.db }), profiles: directory, checkEveryMs: 3_600_000 });
}, 60_000);

afterAll(async () => {
  await watch?.stop();
  await directory?.stop();
  await test?.drop();
});

describe('pump failure', () => {
  it('raises "not running" when the pump stays off while the simulated canal is above its start level', async () => {
    const levels = canalLevels(now - HOUR_MS, now);
    expect(Math.min(...levels.slice(-5).map(([, value]) => value))).toBeGreaterThan(1.3);
    await store(canal, levels);
    await store(pump, levels.map(([at]) => [at, 0]));
    expect(await watch.passOnce(now)).toBe(true);
    const [alert] = await pumpAlerts();
    expect(alert).toMatchObject({ zone_id: 'not_running', severity: 'major', title_en: 'Pump not running: Trạm bơm Nhiêu Lộc', auto_cleared_at: null });
  });

  it('then "running without effect" when it runs and the canal does not fall, and clears both once it falls', async () => {
    // Twenty minutes on: the pump has run since, the canal held at its last level.
    const later = now + 20 * 60_000;
    const held = (await test.db.query(`SELECT value FROM sensor_readings WHERE sensor_id = $1 ORDER BY ts DESC LIMIT 1`, [canal])).rows[0].value;
    const steps = [5, 10, 15, 20].map((minutes) => now + minutes * 60_000);
    await store(pump, [[now + 60_000, 1], ...steps.map((at): [number, number] => [at, 1])]);
    await store(canal, steps.map((at): [number, number] => [at, held]));
    expect(await watch.passOnce(later)).toBe(true);
    let alerts = await pumpAlerts();
    expect(alerts.map((alert) => `${alert.zone_id}:${alert.auto_cleared_at ? 'cleared' : 'open'}`)).toEqual(['not_running:cleared', 'no_effect:open']);

    // The pump catches up: 10 cm lower over the next 20 minutes.
    const end = later + 20 * 60_000;
    const falling = [5, 10, 15, 20].map((minutes): [number, number] => [later + minutes * 60_000, held - minutes * 0.005]);
    await store(canal, falling);
    await store(pump, falling.map(([at]) => [at, 1]));
    expect(await watch.passOnce(end)).toBe(true);
    alerts = await pumpAlerts();
    expect(alerts.every((alert) => alert.auto_cleared_at)).toBe(true);
  });
});
