// `npm run bench -- dashboard`: the operator dashboard in headless Chromium (software WebGL) against the
// real api role with 1,000 cameras, 5,000 sensors and 500 open alerts. Prints the time to the first map
// render with every device drawn, the time until the 500 live alerts are listed, the frame times while
// new alerts stream in over socket.io, and the time from each streamed alert's commit to its marker.
import os from 'node:os';
import { raiseAlert } from '../../core/alerts/raise.ts';
import { systemActor } from '../../core/audit.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import type { AlertTrigger } from '../../core/alerts/types.ts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { sensorReadingTopic } from '../../contract/mqtt-topics.ts';
import { loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import { connectMqtt } from '../../core/mqtt/connect.ts';
import { createRole as createSensorIngestRole } from '../../apps/roles/sensor-ingest.ts';
import { TEST_PASSWORD } from '../../tests/support/api.ts';
import { testMqttUrl } from '../../tests/support/urls.ts';
import { createStandaloneDatabase, ensureDashboardBuilt, launchChromium, logIn, startDashboardServer } from '../../tests/browser/harness.ts';

const CAMERAS = 1000;
const SENSORS = 5000;
const OPEN_ALERTS = 500;
const STREAM_RATE_PER_S = 20;
const STREAM_SECONDS = 10;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const sensorTrigger = (index: number): AlertTrigger => ({
  sourceType: 'sensor',
  sourceId: `bench-sen-${String(index).padStart(4, '0')}`,
  kind: 'sensor_level',
  severity: (['critical', 'major', 'minor', 'info'] as const)[index % 4],
  title: { vi: `Báo động thử ${index}`, en: `Bench alarm ${index}` },
});

export async function run(args: string[]): Promise<void> {
  const keep = args.includes('--keep');
  ensureDashboardBuilt();
  const test = await createStandaloneDatabase();
  const tag = randomBytes(3).toString('hex');
  const overrides = {
    SIMULATED_CAMERAS: '0',
    SIMULATED_SENSORS: '0',
    MQTT_URL: testMqttUrl(),
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'cityops-bench-')),
    SENSOR_INGEST_SHARE_GROUP: `bench-${tag}`,
    SENSOR_INGEST_CLIENT_ID: `bench-ingest-${tag}`,
    SENSOR_INGEST_SESSION_EXPIRY_SECONDS: '60',
  };
  const api = await startDashboardServer(test, overrides);
  let sensorIngest: Awaited<ReturnType<typeof createSensorIngestRole>> | undefined;
  const publisher = await mqtt.connectAsync(testMqttUrl(), { protocolVersion: 5, clientId: `bench-pub-${tag}` });
  const browser = await launchChromium();
  try {
    // Devices spread over the city (about 0.5° square around the centre), in districts of the demo seed.
    await test.db.query(
      `INSERT INTO cameras (id, name, rtsp_url, lat, lon)
       SELECT 'bench-cam-' || lpad(i::text, 4, '0'), 'Camera ' || i, 'rtsp://127.0.0.1:8554/bench', 10.55 + random() * 0.5, 106.45 + random() * 0.5
       FROM generate_series(1, $1) AS i`,
      [CAMERAS],
    );
    await test.db.query(
      `INSERT INTO sensors (id, name, kind, unit, lat, lon, level1, level2, level3)
       SELECT 'bench-sen-' || lpad(i::text, 4, '0'), 'Sensor ' || i, 'water_level', 'm', 10.55 + random() * 0.5, 106.45 + random() * 0.5, 1.4, 1.55, 1.7
       FROM generate_series(1, $1) AS i`,
      [SENSORS],
    );
    const deps = { db: test.db, live: createLivePublisher(test.db) };
    const actor = systemActor('bench');
    for (let i = 1; i <= OPEN_ALERTS; i++) await raiseAlert(deps, sensorTrigger(i), actor);
    // Started once the sensors exist, so its directory knows them.
    // The real sensor-ingest role, for the reading → alert on screen figure.
    const ingestConfig = loadConfig({ ...overrides, HOST: '127.0.0.1', DATABASE_URL: test.url, LOG_LEVEL: 'silent', SIMULATE: 'false' }, ['--role', 'sensor-ingest']);
    sensorIngest = await createSensorIngestRole({
      config: ingestConfig,
      db: test.db,
      caps: test.caps,
      logger: createLogger('silent'),
      secretBox: api.secretBox,
      connectMqtt: (clientId, options) => connectMqtt(ingestConfig, clientId, options),
    });
    await sensorIngest.start();

    const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const page = await context.newPage();
    await logIn(page, api.baseUrl, 'operator-user', TEST_PASSWORD);
    await page.waitForSelector('.shell');

    // A fresh navigation, timed from its start (performance.now() is relative to it).
    await page.goto(`${api.baseUrl}/`);
    const devicesDrawn = await page.waitForFunction(
      (expected) => {
        const map = (window as unknown as { cityopsMap?: { queryRenderedFeatures(options: object): { properties: Record<string, number> }[]; loaded(): boolean } }).cityopsMap;
        if (!map) return false;
        const features = map.queryRenderedFeatures({ layers: ['device-points', 'device-clusters'] });
        const drawn = features.reduce((sum, feature) => sum + (feature.properties.point_count ?? 1), 0);
        return drawn >= expected * 0.95 ? performance.now() : false;
      },
      CAMERAS + SENSORS,
      { timeout: 120_000, polling: 50 },
    );
    const firstMapMs = (await devicesDrawn.jsonValue()) as number;
    const alertsListed = await page.waitForFunction(
      (expected) => (document.querySelector('[data-testid=open-alert-count]')?.textContent === String(expected) ? performance.now() : false),
      OPEN_ALERTS,
      { timeout: 120_000, polling: 20 },
    );
    const liveAlertsMs = (await alertsListed.jsonValue()) as number;

    // A reading above alarm level II published on MQTT until its alert is listed on this screen.
    await publisher.publishAsync(sensorReadingTopic('bench-sen-4999'), JSON.stringify({ value: 0.5 }), { qos: 1 });
    for (let attempt = 0; attempt < 100 && !(await test.db.query(`SELECT 1 FROM sensor_readings WHERE sensor_id = 'bench-sen-4999'`)).rowCount; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const readingToScreen: number[] = [];
    for (let i = 4001; i <= 4005; i++) {
      const published = Date.now();
      await publisher.publishAsync(sensorReadingTopic(`bench-sen-${i}`), JSON.stringify({ value: 1.6 }), { qos: 1 });
      await page.waitForFunction(
        (name) => [...document.querySelectorAll('[data-testid=alert-row]')].some((row) => row.textContent?.includes(name)),
        `Sensor ${i} `,
        { timeout: 30_000, polling: 20 },
      );
      readingToScreen.push(Date.now() - published);
    }

    // Frame times while alerts stream in: a requestAnimationFrame loop in the page, alerts raised here.
    // A string, not a function: tsx would wrap the inner named function with a helper the page lacks.
    await page.evaluate(`(() => {
      const state = { frames: [], last: performance.now(), running: true };
      window.benchFrames = state;
      const loop = (now) => {
        state.frames.push(now - state.last);
        state.last = now;
        if (state.running) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    })()`);
    // Three quiet seconds first: the frame time with nothing arriving, to compare with.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idleFrames = (await page.evaluate(`(() => { const s = window.benchFrames; const f = s.frames.slice(1); s.frames = []; return f; })()`)) as number[];
    const streamed = STREAM_RATE_PER_S * STREAM_SECONDS;
    // Where the page's main thread spends the stream: script, style, layout (Chrome's own counters).
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => Object.fromEntries(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((metric) => [metric.name, metric.value]));
    const before = await metrics();
    const started = Date.now();
    // When each streamed alert was committed (raiseAlert returns after its transaction), by alert id.
    const committedAt = new Map<number, number>();
    for (let i = 0; i < streamed; i++) {
      const due = started + (i * 1000) / STREAM_RATE_PER_S;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const raised = await raiseAlert(deps, sensorTrigger(OPEN_ALERTS + 1 + i), actor);
      committedAt.set(raised.alertId, Date.now());
    }
    const expectedTotal = OPEN_ALERTS + 5 + streamed;
    await page.waitForFunction((expected) => document.querySelector('[data-testid=open-alert-count]')?.textContent === String(expected), expectedTotal, { timeout: 30_000 }).catch(() => {});
    const lagMs = Date.now() - started - STREAM_SECONDS * 1000;
    const frames = (await page.evaluate(() => {
      const state = (window as unknown as { benchFrames: { frames: number[]; running: boolean } }).benchFrames;
      state.running = false;
      return state.frames.slice(1);
    })) as number[];
    const shown = Number(await page.textContent('[data-testid=open-alert-count]'));
    // Commit → marker drawn on the map: the map's alert overlay records when it first drew each alert
    // (epoch ms, same clock as this process). Waits for the last markers, then reads them all.
    const drawnIds = [...committedAt.keys()];
    await page
      .waitForFunction((ids) => ids.every((id) => (window as unknown as { cityopsAlertMarkers?: { drawnAt: Map<number, number> } }).cityopsAlertMarkers?.drawnAt.has(id)), drawnIds, { timeout: 30_000, polling: 100 })
      .catch(() => {});
    const drawnAt = new Map(
      (await page.evaluate(
        (ids) => ids.map((id) => [id, (window as unknown as { cityopsAlertMarkers?: { drawnAt: Map<number, number> } }).cityopsAlertMarkers?.drawnAt.get(id) ?? null] as const),
        drawnIds,
      )) as [number, number | null][],
    );
    const commitToMap = drawnIds.flatMap((id) => (drawnAt.get(id) != null ? [drawnAt.get(id)! - committedAt.get(id)!] : []));
    const after = await metrics();
    const spent = (name: string) => Math.round((after[name] - before[name]) * 1000);

    // The machine's load matters: Chromium, the api role and this process share its cores.
    const conditions = `${CAMERAS} cameras, ${SENSORS} sensors, ${OPEN_ALERTS} open alerts, headless Chromium, software WebGL, 1600x900, load ${os.loadavg()[0].toFixed(1)}`;
    const stream = `${STREAM_RATE_PER_S} alerts/s for ${STREAM_SECONDS} s on top of ${OPEN_ALERTS} open`;
    console.log(`dashboard.first_map_render_ms: ${Math.round(firstMapMs)} (${conditions}; navigation start to every device drawn)`);
    console.log(`dashboard.live_alerts_ms: ${Math.round(liveAlertsMs)} (${conditions}; navigation start to ${OPEN_ALERTS} alerts listed)`);
    console.log(`dashboard.frame_time_idle_p50_ms: ${percentile(idleFrames, 50).toFixed(1)} (${conditions}; nothing arriving, ${idleFrames.length} frames in 3 s)`);
    console.log(`dashboard.frame_time_p50_ms: ${percentile(frames, 50).toFixed(1)} (${conditions}; ${stream}, ${frames.length} frames)`);
    console.log(`dashboard.frame_time_p95_ms: ${percentile(frames, 95).toFixed(1)} (${conditions}; ${stream})`);
    console.log(`dashboard.frame_time_max_ms: ${Math.max(...frames).toFixed(1)} (${conditions}; ${stream})`);
    console.log(`dashboard.alert_commit_to_map_p50_ms: ${Math.round(percentile(commitToMap, 50))} (${stream}; raiseAlert committed → marker drawn on the map, ${commitToMap.length}/${streamed} drawn)`);
    console.log(`dashboard.alert_commit_to_map_p95_ms: ${Math.round(percentile(commitToMap, 95))} (${stream}; raiseAlert committed → marker drawn on the map)`);
    console.log(`dashboard.reading_to_screen_ms: p50 ${percentile(readingToScreen, 50)}, max ${Math.max(...readingToScreen)} (MQTT QoS1 reading above level II → sensor-ingest → alert listed, 5 sensors one after another, ${OPEN_ALERTS} open)`);
    console.log(`dashboard.streamed_alerts_listed: ${shown - OPEN_ALERTS - 5}/${streamed} (${stream}; last listed ${Math.max(0, lagMs)} ms after the last was raised)`);
    console.log(
      `dashboard.stream_main_thread_ms: ${spent('TaskDuration')} (script ${spent('ScriptDuration')}, style ${spent('RecalcStyleDuration')}, layout ${spent('LayoutDuration')}; ${stream})`,
    );
    await context.close();
  } finally {
    await browser.close();
    await publisher.endAsync();
    await sensorIngest?.stop();
    await api.stop();
    if (!keep) await test.drop();
  }
}
