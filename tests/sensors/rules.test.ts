// Readings → live state → alerts, end to end: the real broker, the real ingest worker, the real rules and
// the real alerts service, in PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { MqttClient } from 'mqtt';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createLivePublisher, LIVE_CHANNEL } from '../../core/live/publisher.ts';
import { SensorRuleEngine, SENSOR_STATUS_EVENT } from '../../analytics/sensor-rules/rule-engine.ts';
import { OfflineWatch } from '../../analytics/sensor-rules/offline-watch.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { connectPublisher, registerSensor, runTag, startTestWorker, testLogger, topicOf, waitFor, type TestWorker } from './helpers.ts';

let test: TestDatabase;
let worker: TestWorker;
let engine: SensorRuleEngine;
let watch: OfflineWatch;
let publisher: MqttClient;
let listener: pg.Client;
const liveEvents: { event: string; payload: Record<string, unknown> }[] = [];
const tag = runTag();
const gauge = `phu-an-${tag}`;
const quiet = `quiet-${tag}`;
const field = `soil-${tag}`;
const intake = `intake-salinity-${tag}`;

beforeAll(async () => {
  test = await createTestDatabase();
  await test.db.query(`INSERT INTO districts (id, name) VALUES ('quan-binh-thanh', 'Bình Thạnh') ON CONFLICT DO NOTHING`);
  await registerSensor(test.db, {
    id: gauge,
    name: 'Trạm triều Phú An (sông Sài Gòn)',
    kind: 'tide_level',
    lat: 10.7723,
    lon: 106.7105,
    districtId: 'quan-binh-thanh',
    level1: 1.5,
    level2: 1.6,
    level3: 1.7,
    hysteresis: 0.03,
    expectedIntervalSeconds: 3600,
    rules: { validMin: -3, validMax: 5 },
  });
  await registerSensor(test.db, { id: quiet, kind: 'rainfall', expectedIntervalSeconds: 2, rules: { offlineAfterIntervals: 2 } });
  // Irrigation: a field whose soil must not dry below 20 / 15 / 10 %, and the salinity at a canal's intake.
  await registerSensor(test.db, { id: field, name: 'Ruộng Củ Chi', kind: 'soil_moisture', lat: 10.97, lon: 106.49, level1: 20, level2: 15, level3: 10, hysteresis: 1, expectedIntervalSeconds: 3600, rules: { levelsBelow: true } });
  await registerSensor(test.db, { id: intake, name: 'Trạm mặn Rạch Tra', kind: 'salinity', lat: 10.93, lon: 106.6, hysteresis: 0.2, expectedIntervalSeconds: 3600, rules: { salinityLimit: 1, intakeName: 'cống Rạch Tra' } });

  listener = new pg.Client({ connectionString: test.url });
  await listener.connect();
  listener.on('notification', (message) => {
    try {
      const body = JSON.parse(message.payload ?? '{}');
      const [event, payload] = body?.data?.packet?.data ?? [];
      if (event) liveEvents.push({ event, payload });
    } catch {}
  });
  await listener.query(`LISTEN "${LIVE_CHANNEL}"`);

  const live = createLivePublisher(test.db);
  const alerts = createAlertRaiser({ db: test.db, live });
  worker = await startTestWorker(test.db, { group: `rules-${tag}`, onStored: (readings) => engine.enqueue(readings) });
  engine = new SensorRuleEngine({ db: test.db, logger: testLogger, profiles: worker.directory, alerts, live, applyEveryMs: 100 });
  watch = new OfflineWatch({ db: test.db, logger: testLogger, engine, profiles: worker.directory, live, checkEveryMs: 300 });
  await watch.start();
  publisher = await connectPublisher();
});

afterAll(async () => {
  await publisher?.endAsync();
  await watch?.stop();
  await worker?.stop();
  await engine?.stop();
  await listener?.end();
  await test?.drop();
});

/** A semi-diurnal tide (period 12.42 h) peaking at 1.76 m, one reading every 10 minutes, ending 10 minutes ago. */
function tideSeries(): { ts: number; value: number }[] {
  const end = Date.now() - 10 * 60_000;
  const start = end - 12.42 * 3600_000;
  const series = [];
  for (let ts = start; ts <= end; ts += 10 * 60_000) {
    const phase = (2 * Math.PI * ((ts - start) / 3600_000 - 6.21)) / 12.42;
    series.push({ ts: Math.round(ts), value: Number((0.3 + 1.46 * Math.cos(phase)).toFixed(3)) });
  }
  return series;
}

async function alertsOf(sensorId: string) {
  return (
    await test.db.query(
      `SELECT id, kind, zone_id, severity, occurrences, auto_cleared_at, lat, lon, district_id, title_en FROM alerts
        WHERE source_type = 'sensor' AND source_id = $1 ORDER BY id`,
      [sensorId],
    )
  ).rows;
}

describe('sensor rules', () => {
  it('a tide crossing 1.50 / 1.60 / 1.70 m raises one alert, escalates it and clears it on the way down', async () => {
    const series = tideSeries();
    expect(Math.max(...series.map((point) => point.value))).toBeGreaterThan(1.7);
    for (const point of series) await publisher.publishAsync(topicOf(gauge), JSON.stringify(point), { qos: 1 });

    const [alert] = await waitFor(
      () => alertsOf(gauge),
      (rows) => rows.some((row) => row.kind === 'sensor_level' && row.auto_cleared_at),
      20_000,
      'level alert raised and cleared',
    );
    const levelAlerts = (await alertsOf(gauge)).filter((row) => row.kind === 'sensor_level');
    expect(levelAlerts).toHaveLength(1);
    expect(alert).toMatchObject({ severity: 'critical', occurrences: 3, lat: 10.7723, lon: 106.7105, district_id: 'quan-binh-thanh' });
    const history = (
      await test.db.query(`SELECT type, alert->>'severity' AS severity FROM alert_events WHERE alert_id = $1 ORDER BY id`, [alert.id])
    ).rows.map((row) => `${row.type}:${row.severity}`);
    expect(history).toEqual(['raised:minor', 'updated:major', 'updated:critical', 'auto_cleared:critical']);

    // The last readings of the ebb may be applied a moment after the clear.
    const state = await waitFor(
      async () => (await test.db.query(`SELECT status, level, last_value, last_ts FROM sensor_state WHERE sensor_id = $1`, [gauge])).rows[0],
      (row) => row?.last_ts?.getTime() === series.at(-1)!.ts,
      10_000,
      'the whole series applied',
    );
    expect(state).toMatchObject({ status: 'ok', level: 0, last_value: series.at(-1)!.value });
    expect(state.last_ts.getTime()).toBe(series.at(-1)!.ts);
    // The gauge's alert actions all sent (the silent sensor's may be queued meanwhile, on a slow machine).
    await waitFor(async () => (await test.db.query(`SELECT count(*)::int AS n FROM sensor_alert_outbox WHERE sensor_id = $1`, [gauge])).rows[0].n, (n) => n === 0, 10_000, 'the gauge\'s outbox empty');
  });

  it('alarms on a field drying through its low-side levels, and advises closing an intake when the water there turns salty', async () => {
    const start = Date.now() - 10 * 3600_000;
    const soil = [30, 22, 19, 14, 9, 12, 25];
    for (const [i, value] of soil.entries()) await publisher.publishAsync(topicOf(field), JSON.stringify({ ts: start + i * 3600_000, value }), { qos: 1 });
    const salt = [0.4, 0.8, 1.3, 1.1, 0.7];
    for (const [i, value] of salt.entries()) await publisher.publishAsync(topicOf(intake), JSON.stringify({ ts: start + i * 3600_000, value }), { qos: 1 });

    const [dry] = await waitFor(() => alertsOf(field), (rows) => rows.some((row) => row.auto_cleared_at), 20_000, 'soil alert raised and cleared');
    expect(dry).toMatchObject({ kind: 'sensor_level', severity: 'critical' });
    const history = (await test.db.query(`SELECT type, alert->>'severity' AS severity FROM alert_events WHERE alert_id = $1 ORDER BY id`, [dry.id])).rows.map((row) => `${row.type}:${row.severity}`);
    expect(history).toEqual(['raised:minor', 'updated:major', 'updated:critical', 'auto_cleared:critical']);

    const [closeIntake] = await waitFor(() => alertsOf(intake), (rows) => rows.some((row) => row.auto_cleared_at), 20_000, 'intake advice raised and cleared');
    expect(closeIntake).toMatchObject({ kind: 'sensor_level', zone_id: 'salinity', severity: 'major', title_en: 'Close intake cống Rạch Tra: salinity 1.3 g/L' });
  });

  it('pushes the sensor state live to the command room', async () => {
    // Delivered after each commit (LISTEN/NOTIFY): wait until the last one, back to ok, has arrived.
    const mine = await waitFor(
      async () => liveEvents.filter((entry) => entry.event === SENSOR_STATUS_EVENT && entry.payload.sensorId === gauge),
      (events) => events.at(-1)?.payload.state === 'ok',
      10_000,
      'the last live status',
    );
    expect(mine.at(-1)!.payload).toMatchObject({ id: gauge, state: 'ok' });
    expect(typeof mine.at(-1)!.payload.lastValue).toBe('number');
  });

  it('a silent sensor goes offline with an alert, and comes back with its next reading', async () => {
    // On a loaded machine this test can start after the sensor's first 4 s without a reading: it is then
    // offline already, with an alert, before its first reading (which clears it). So: the reading applied,
    // then offline again after 4 s of silence, with an open offline alert.
    await publisher.publishAsync(topicOf(quiet), JSON.stringify({ value: 0.5 }), { qos: 1 });
    await waitFor(
      async () => (await test.db.query(`SELECT status, last_seen_at FROM sensor_state WHERE sensor_id = $1`, [quiet])).rows[0],
      (row) => row?.status === 'ok' && row.last_seen_at !== null,
      10_000,
      'first reading applied',
    );
    const eventsBefore = liveEvents.length;
    // Expected every 2 s, offline after 2 intervals without a reading.
    await waitFor(
      async () => (await test.db.query(`SELECT status FROM sensor_state WHERE sensor_id = $1`, [quiet])).rows[0]?.status,
      (status) => status === 'offline',
      15_000,
      'offline status',
    );
    const open = (rows: Awaited<ReturnType<typeof alertsOf>>) => rows.filter((row) => row.kind === 'sensor_offline' && !row.auto_cleared_at);
    const [offline] = open(await waitFor(() => alertsOf(quiet), (rows) => open(rows).length > 0, 10_000, 'offline alert'));
    expect(offline).toMatchObject({ kind: 'sensor_offline', severity: 'minor', auto_cleared_at: null });
    // The live event is published in the same transaction but delivered after commit (LISTEN/NOTIFY): wait for it.
    await waitFor(
      async () => liveEvents.slice(eventsBefore).some((entry) => entry.event === SENSOR_STATUS_EVENT && entry.payload.sensorId === quiet && entry.payload.state === 'offline'),
      (seen) => seen,
      10_000,
      'offline live event',
    );

    await publisher.publishAsync(topicOf(quiet), JSON.stringify({ value: 0.7 }), { qos: 1 });
    await waitFor(() => alertsOf(quiet), (rows) => rows.some((row) => row.id === offline.id && row.auto_cleared_at), 10_000, 'offline alert cleared');
  });
});
