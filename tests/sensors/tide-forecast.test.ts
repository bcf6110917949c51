// The tide forecast end to end in PostgreSQL: three days of a gauge's readings made by the sensor
// simulator's model (Phú An, whose higher high water crosses alarm level III), the forecaster's pass,
// the forecast row, the `sensor_forecast` alert ("Level III expected at HH:MM", the time in the city's
// zone), the API the sensors page draws from, and the alert cleared once the level is reached. A gauge
// with one day of readings gets no forecast and says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { TideForecaster, type ForecastSettings } from '../../analytics/tide-forecast/forecaster.ts';
import { PHU_AN, tideLevel } from '../../ingest/sensors/simulated-series.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { registerSensor, runTag, storeSimulatedTide, testLogger } from './helpers.ts';

const HOUR_MS = 3_600_000;
const tag = runTag();
const gauge = `phu-an-forecast-${tag}`;
const young = `new-gauge-${tag}`;
const rain = `rain-${tag}`;
const SETTINGS: ForecastSettings = { fitDays: 30, warnHours: 6, timeFactor: 1, timeZone: 'Asia/Ho_Chi_Minh' };

let test: TestDatabase;
let api: TestApi;
let forecaster: TideForecaster;
/** The pass's "now": three hours before the simulated higher high water (1.77 m). */
const now = Math.floor(Date.now() / 60_000) * 60_000;
const simulatedHours = (at: number) => (at - now) / HOUR_MS - 3;
const truth = (at: number) => tideLevel(PHU_AN, simulatedHours(at));

const storeReadings = (sensorId: string, from: number, to: number) => storeSimulatedTide(test.db, sensorId, from, to, simulatedHours);

/** When the simulator's series first reaches `threshold` after `from`. */
function trueCrossing(threshold: number, from: number): number {
  for (let at = from; at < from + 48 * HOUR_MS; at += 10_000) if (truth(at) >= threshold) return at;
  throw new Error(`the simulated tide never reaches ${threshold}`);
}

const forecastAlert = async (sensorId: string) =>
  (await test.db.query(`SELECT id, state, severity, title_en, title_vi, auto_cleared_at, auto_cleared_reason_en FROM alerts WHERE source_id = $1 AND kind = 'sensor_forecast' ORDER BY id`, [sensorId])).rows;

beforeAll(async () => {
  test = await createTestDatabase();
  const levels = { level1: 1.5, level2: 1.6, level3: 1.7, hysteresis: 0.03 };
  await registerSensor(test.db, { id: gauge, name: 'Trạm triều Phú An', kind: 'tide_level', lat: 10.7723, lon: 106.7105, ...levels, expectedIntervalSeconds: 300 });
  await registerSensor(test.db, { id: young, name: 'Trạm triều mới', kind: 'tide_level', lat: 10.75, lon: 106.72, ...levels, expectedIntervalSeconds: 300 });
  await registerSensor(test.db, { id: rain, kind: 'rainfall', lat: 10.75, lon: 106.72, expectedIntervalSeconds: 300 });
  await storeReadings(gauge, now - 72 * HOUR_MS, now);
  await storeReadings(young, now - 24 * HOUR_MS, now);
  forecaster = new TideForecaster({ db: test.db, caps: test.caps, logger: testLogger, alerts: createAlertRaiser({ db: test.db }), settings: SETTINGS, everyMs: 3_600_000 });
  api = await startTestApi(test);
}, 120_000);

afterAll(async () => {
  await forecaster?.stop();
  await api?.stop();
  await test?.drop();
});

describe('tide forecast', () => {
  it('expects each alarm level when the simulated tide reaches it, and warns of level III with its time', async () => {
    expect(await forecaster.passOnce(now)).toBe(true);
    const row = (await test.db.query(`SELECT model, reason, expected_levels, peak FROM tide_forecasts WHERE sensor_id = $1`, [gauge])).rows[0];
    expect(row.reason).toBeNull();
    expect(row.model.constituents.map((constituent: { name: string }) => constituent.name)).toEqual(expect.arrayContaining(['M2', 'K1']));
    const expected = row.expected_levels as Array<{ level: number; at: string }>;
    expect(expected.map((entry) => entry.level)).toEqual([1, 2, 3]);
    for (const entry of expected) {
      const threshold = [1.5, 1.6, 1.7][entry.level - 1];
      expect(Math.abs(Date.parse(entry.at) - trueCrossing(threshold, now))).toBeLessThan(5 * 60_000);
    }
    expect(row.peak.level).toBeCloseTo(1.77, 1);

    const [alert] = await forecastAlert(gauge);
    expect(alert).toMatchObject({ state: 'new', severity: 'major', auto_cleared_at: null });
    const levelThreeAt = Date.parse(expected[2].at);
    const clock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(levelThreeAt);
    expect(alert.title_en).toContain(`Level III expected at ${clock}`);
    expect(alert.title_vi).toContain(`Dự báo đạt báo động cấp III lúc ${clock}`);

    // A gauge with a day of readings: no forecast, the reason stored, no alert.
    const youngRow = (await test.db.query(`SELECT model, reason FROM tide_forecasts WHERE sensor_id = $1`, [young])).rows[0];
    expect(youngRow.model).toBeNull();
    expect(youngRow.reason).toMatch(/span 2\d\.\d tide hours; at least 48/);
    expect(await forecastAlert(young)).toEqual([]);
  });

  it('serves the forecast the sensors page draws: the day before laid on the readings, then 48 hours ahead', async () => {
    const response = await api.request('GET', `/api/sensors/${gauge}/forecast`, { role: 'viewer' });
    expect(response.status).toBe(200);
    const view = await response.json();
    expect(view.model.residualRmsCm).toBeLessThan(1);
    expect(view.expectedLevels).toHaveLength(3);
    expect(Date.parse(view.points[0].at)).toBe(now - 24 * HOUR_MS);
    expect(Date.parse(view.points.at(-1).at)).toBeGreaterThan(now + 47 * HOUR_MS);
    // The hindcast follows what was measured, the forecast what the simulator will measure: within a
    // centimetre up to 6 hours ahead, within three over the two days.
    for (const point of view.points) {
      const at = Date.parse(point.at);
      expect(Math.abs(point.level - truth(at))).toBeLessThan(at <= now + 6 * HOUR_MS ? 0.01 : 0.03);
    }

    expect((await api.request('GET', `/api/sensors/${gauge}/forecast`, {})).status).toBe(401);
    expect((await api.request('GET', `/api/sensors/no-such-${tag}/forecast`, { role: 'viewer' })).status).toBe(404);
    const notTide = await api.request('GET', `/api/sensors/${rain}/forecast`, { role: 'viewer' });
    expect(notTide.status).toBe(400);
    expect((await notTide.json()).error).toMatchObject({ field: 'id', message: expect.stringMatching(/tide gauges/) });
  });

  it('clears the warning once the level it announced is reached', async () => {
    // Three hours on: the readings reach the higher high water, above level III.
    const later = now + 3 * HOUR_MS;
    await storeReadings(gauge, now + 5 * 60_000, later);
    expect(await forecaster.passOnce(later)).toBe(true);
    const [alert] = await forecastAlert(gauge);
    expect(alert.auto_cleared_at).not.toBeNull();
    expect(alert.auto_cleared_reason_en).toBe('No alarm level expected any more');
  });
});
