// `npm run bench -- dashboard`: the operator dashboard in headless Chromium (software WebGL) against the
// real api role with 1,000 cameras, 5,000 sensors and 500 open alerts. Prints the time to the first map
// render with every device drawn, beside a bare MapLibre page drawing the same devices in the same
// browser (the machine's own limit) and their ratio; the JavaScript and CSS the first page loaded; the
// time until the 500 live alerts are listed; the frame times while new alerts stream in over socket.io,
// and the time from each streamed alert's commit to its marker.
// `--quick`: 100 cameras, 500 sensors, 50 alerts, one render each, 3 s of stream. `--runs N`: first
// renders per page (median; 3 by default). `--no-cones`: cameras without a bearing, so no field-of-view
// cones are drawn (by default each camera looks a random way, 60° wide, reaching 800–2,000 m: 1,000 cones
// long enough to be drawn at the city-wide zoom, a worst case for the map; street cameras see ~60 m). `--alerts N`: open alerts (500). `--profile`: a Chromium trace of the dashboard's last first
// render, its busiest threads and their top events printed as comments, and its requests' waterfall. `--keep`: keep the database.
import { createRequire } from 'node:module';
import os from 'node:os';
import { raiseAlert } from '../../core/alerts/raise.ts';
import { systemActor } from '../../core/audit.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import type { AlertTrigger } from '../../core/alerts/types.ts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
import type { Browser, CDPSession, Page } from 'playwright-core';
import type { Queryable } from '../../core/database/pool.ts';
import { BARE_DEVICE_LAYER, startBareMapPage, type BareDevice } from './bare-maplibre-page.ts';
import { waitForEveryDeviceDrawn } from './devices-drawn.ts';
import { CAMERA_FOV_LAYER } from '../../dashboard/web/src/map/camera-fov-layer.ts';
import { kilobytes, loadWaterfall, shippedBefore } from './shipped-bytes.ts';
import { summariseTrace, TRACE_CATEGORIES } from './chromium-trace.ts';

const STREAM_RATE_PER_S = 20;
const VIEWPORT = { width: 1600, height: 900 };
const RENDER_TIMEOUT_MS = 120_000;
/** The dashboard's device layers (dashboard/web/src/map/city-map.tsx). */
const DASHBOARD_DEVICE_LAYERS = ['device-points', 'device-clusters'];

function median(values: number[]): number {
  return percentile(values, 50);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const sensorId = (index: number) => `bench-sen-${String(index).padStart(4, '0')}`;

const sensorTrigger = (index: number): AlertTrigger => ({
  sourceType: 'sensor',
  sourceId: sensorId(index),
  kind: 'sensor_level',
  severity: (['critical', 'major', 'minor', 'info'] as const)[index % 4],
  title: { vi: `Báo động thử ${index}`, en: `Bench alarm ${index}` },
});

function maplibreVersion(): string {
  return (createRequire(import.meta.url)('maplibre-gl/package.json') as { version: string }).version;
}

/** Every device with a location, as the map should show it. */
async function devicesWithLocation(db: Queryable): Promise<BareDevice[]> {
  const { rows } = await db.query<{ type: 'camera' | 'sensor'; id: string; lon: number; lat: number }>(
    `SELECT 'camera' AS type, id, lon, lat FROM cameras WHERE lat IS NOT NULL AND lon IS NOT NULL
     UNION ALL SELECT 'sensor', id, lon, lat FROM sensors WHERE lat IS NOT NULL AND lon IS NOT NULL`,
  );
  return rows.map((row) => ({ ...row, lon: Number(row.lon), lat: Number(row.lat) }));
}

/** The bare page in a fresh context (an empty cache): navigation start → every device drawn. */
async function bareFirstRender(browser: Browser, url: string, expected: number, options: { trace: boolean }): Promise<{ renderedMs: number; trace?: Buffer }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    if (options.trace) await browser.startTracing(page, { categories: TRACE_CATEGORIES });
    await page.goto(url);
    const renderedMs = await waitForEveryDeviceDrawn(page, { mapGlobal: 'bareMap', layers: [BARE_DEVICE_LAYER], expected, timeoutMs: RENDER_TIMEOUT_MS });
    return { renderedMs, trace: options.trace ? await browser.stopTracing() : undefined };
  } finally {
    await context.close();
  }
}

/** The logged-in dashboard with its HTTP cache emptied (a first visit, session kept): navigation start
 *  → every device drawn. The page stays on the dashboard for the figures that follow. */
/** performance.now() when the cone source holds `expected` cones and its tiles are loaded. Counted in the
 *  source: how many of them are on screen is printed after the renders (a cone under a pixel is dropped
 *  from MapLibre's GeoJSON tile, so a 60 m cone is not drawn at the city-wide zoom). */
async function waitForEveryConeDrawn(page: Page, expected: number): Promise<number> {
  const ready = `(() => {
    const map = window.cityopsMap;
    const source = map && map.getSource(${JSON.stringify(CAMERA_FOV_LAYER)});
    if (!source || !map.isSourceLoaded(${JSON.stringify(CAMERA_FOV_LAYER)})) return false;
    return source.serialize().data.features.length >= ${expected};
  })()`;
  const handle = await page.waitForFunction(`${ready} ? performance.now() : false`, undefined, { timeout: RENDER_TIMEOUT_MS, polling: 50 });
  return (await handle.jsonValue()) as number;
}

/** Distinct cameras whose cone is on screen now. */
async function conesOnScreen(page: Page): Promise<number> {
  return page.evaluate(`(() => {
    const map = window.cityopsMap;
    if (!map || !map.getLayer(${JSON.stringify(CAMERA_FOV_LAYER)})) return 0;
    return new Set(map.queryRenderedFeatures({ layers: [${JSON.stringify(CAMERA_FOV_LAYER)}] }).map((feature) => feature.properties.id)).size;
  })()`) as Promise<number>;
}

async function dashboardFirstRender(browser: Browser, page: Page, cdp: CDPSession, baseUrl: string, expected: number, options: { trace: boolean; cones: number }): Promise<{ renderedMs: number; trace?: Buffer }> {
  await cdp.send('Network.clearBrowserCache');
  if (options.trace) await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  await page.goto(`${baseUrl}/`);
  const devicesMs = await waitForEveryDeviceDrawn(page, { mapGlobal: 'cityopsMap', layers: DASHBOARD_DEVICE_LAYERS, expected, timeoutMs: RENDER_TIMEOUT_MS });
  // With cones, the render is done when every camera's cone is drawn too (they are a source of their own).
  const renderedMs = options.cones ? Math.max(devicesMs, await waitForEveryConeDrawn(page, options.cones)) : devicesMs;
  return { renderedMs, trace: options.trace ? await browser.stopTracing() : undefined };
}

export async function run(args: string[]): Promise<void> {
  const keep = args.includes('--keep');
  const quick = args.includes('--quick');
  const profile = args.includes('--profile');
  const cones = !args.includes('--no-cones');
  const runsArgument = args.indexOf('--runs');
  const runs = runsArgument >= 0 ? Math.max(1, Number(args[runsArgument + 1]) || 1) : quick ? 1 : 3;
  const CAMERAS = quick ? 100 : 1000;
  const SENSORS = quick ? 500 : 5000;
  const alertsArgument = args.indexOf('--alerts');
  const OPEN_ALERTS = alertsArgument >= 0 ? Math.max(0, Number(args[alertsArgument + 1]) || 0) : quick ? 50 : 500;
  const STREAM_SECONDS = quick ? 3 : 10;
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
      `INSERT INTO cameras (id, name, rtsp_url, lat, lon, bearing, range_meters)
       SELECT 'bench-cam-' || lpad(i::text, 4, '0'), 'Camera ' || i, 'rtsp://127.0.0.1:8554/bench', 10.55 + random() * 0.5, 106.45 + random() * 0.5,
              CASE WHEN $2 THEN floor(random() * 360) END, 800 + floor(random() * 1200)
       FROM generate_series(1, $1) AS i`,
      [CAMERAS, cones],
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

    // Every device with a location: the bench's own plus any the demo seed added.
    const devices = await devicesWithLocation(test.db);
    const expectedCones = Number(
      (await test.db.query(`SELECT count(*) AS n FROM cameras WHERE lat IS NOT NULL AND lon IS NOT NULL AND (bearing IS NOT NULL OR fov_degrees >= 360)`)).rows[0].n,
    );
    const bare = await startBareMapPage(devices);
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await logIn(page, api.baseUrl, 'operator-user', TEST_PASSWORD);
    await page.waitForSelector('.shell');

    // First renders, the bare page and the dashboard in turn, each a fresh navigation timed from its
    // start (performance.now() is relative to it). The dashboard goes last: the figures below use it.
    const bareMs: number[] = [];
    const dashboardMs: number[] = [];
    let trace: Buffer | undefined;
    let bareTrace: Buffer | undefined;
    try {
      for (let attempt = 1; attempt <= runs; attempt++) {
        // The dashboard (its pulsing alerts draw every frame) must not share the cores with the bare page.
        await page.goto('about:blank');
        const bareRendered = await bareFirstRender(browser, bare.url, devices.length, { trace: profile && attempt === runs });
        bareMs.push(bareRendered.renderedMs);
        bareTrace = bareRendered.trace ?? bareTrace;
        const rendered = await dashboardFirstRender(browser, page, cdp, api.baseUrl, devices.length, { trace: profile && attempt === runs, cones: expectedCones });
        dashboardMs.push(rendered.renderedMs);
        trace = rendered.trace ?? trace;
      }
    } finally {
      await bare.stop();
    }
    const firstMapMs = dashboardMs[dashboardMs.length - 1];
    const shipped = await shippedBefore(page, firstMapMs);
    const waterfall = profile ? await loadWaterfall(page) : [];
    const alertsListed = await page.waitForFunction(
      (expected) => (document.querySelector('[data-testid=open-alert-count]')?.textContent === String(expected) ? performance.now() : false),
      OPEN_ALERTS,
      { timeout: 120_000, polling: 20 },
    );
    const liveAlertsMs = (await alertsListed.jsonValue()) as number;

    // A reading above alarm level II published on MQTT until its alert is listed on this screen.
    // Sensors near the end of the list: none has an open alert (those go from the first up).
    const warmUpSensor = sensorId(SENSORS - 1);
    await publisher.publishAsync(sensorReadingTopic(warmUpSensor), JSON.stringify({ value: 0.5 }), { qos: 1 });
    for (let attempt = 0; attempt < 100 && !(await test.db.query(`SELECT 1 FROM sensor_readings WHERE sensor_id = $1`, [warmUpSensor])).rowCount; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const readingToScreen: number[] = [];
    for (let i = SENSORS - 8; i <= SENSORS - 4; i++) {
      const published = Date.now();
      await publisher.publishAsync(sensorReadingTopic(sensorId(i)), JSON.stringify({ value: 1.6 }), { qos: 1 });
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
    const drawnCones = cones ? await conesOnScreen(page) : 0;
    const conditions = `${CAMERAS} cameras${cones ? ` with field-of-view cones, ${drawnCones} drawn` : ' (no cones)'}, ${SENSORS} sensors, ${OPEN_ALERTS} open alerts, headless Chromium, software WebGL, 1600x900, load ${os.loadavg()[0].toFixed(1)}`;
    const stream = `${STREAM_RATE_PER_S} alerts/s for ${STREAM_SECONDS} s on top of ${OPEN_ALERTS} open`;
    const everyDevice = `navigation start to all ${devices.length} devices drawn (queryRenderedFeatures on the device layers over the viewport, clusters by point_count, each cluster or point once across tiles)`;
    const renders = `median of ${runs}, each a first visit with an empty HTTP cache`;
    console.log(`dashboard.first_map_render_ms: ${Math.round(median(dashboardMs))} (${conditions}; ${everyDevice}; ${renders}: ${dashboardMs.map(Math.round).join(', ')})`);
    console.log(
      `dashboard.bare_maplibre_render_ms: ${Math.round(median(bareMs))} (same browser and devices, bare MapLibre ${maplibreVersion()} page served by the bench: blank style, one GeoJSON source of circles, same framing; ${renders}: ${bareMs.map(Math.round).join(', ')})`,
    );
    console.log(`# ${expectedCones} field-of-view cones in the dashboard's cone layer, ${drawnCones} of them drawn at zoom ${(await page.evaluate('window.cityopsMap.getZoom()') as number).toFixed(1)} (the bare page draws none)`);
    console.log(`dashboard.render_ratio: ${(median(dashboardMs) / median(bareMs)).toFixed(2)} (dashboard ÷ bare MapLibre first render, medians of the same ${runs} runs; goal ≤ 1.5)`);
    const firstPage = `responses ended before the first map render, from the browser's Resource Timing, cold cache`;
    console.log(
      `dashboard.first_page_kb: ${kilobytes(shipped.scripts.decodedBytes)} (JavaScript, ${shipped.scripts.files} files, ${kilobytes(shipped.scripts.transferredBytes)} kB transferred; ${firstPage}; ${shipped.laterScripts.files} more scripts, ${kilobytes(shipped.laterScripts.decodedBytes)} kB, after it; bare page ${kilobytes(bare.scriptBytes)} kB)`,
    );
    console.log(`dashboard.first_page_css_kb: ${kilobytes(shipped.styles.decodedBytes)} (CSS, ${shipped.styles.files} files, ${kilobytes(shipped.styles.transferredBytes)} kB transferred; ${firstPage})`);
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
    // The whole traces too, to open in Chromium's DevTools (Performance panel, "Load profile").
    for (const [name, data] of [['dashboard', trace], ['bare', bareTrace]] as const) {
      if (!data) continue;
      const file = path.join(os.tmpdir(), `cityops-bench-${name}-trace-${tag}.json`);
      writeFileSync(file, data);
      for (const line of summariseTrace(data, 5, 8)) console.log(`# trace ${name} ${line}`);
      console.log(`# trace ${name} written to ${file}`);
    }
    for (const line of waterfall) console.log(`# waterfall ${line}`);
    if (profile) console.log(`# waterfall ${Math.round(firstMapMs)} ms every device drawn`);
    await context.close();
  } finally {
    await browser.close();
    await publisher.endAsync();
    await sensorIngest?.stop();
    await api.stop();
    if (!keep) await test.drop();
  }
}
