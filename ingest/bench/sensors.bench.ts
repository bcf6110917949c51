// `npm run bench -- sensors [--rate 20000] [--seconds 20] [--sensors 1000] [--find-max] [--no-rules]`
// Sensor ingest end to end on the real broker and the real PostgreSQL: a publisher process sends readings
// at a fixed rate (QoS 1) for a fixed time; one ingest worker in this process (shared subscription, PUBACK
// after commit, COPY + ON CONFLICT, rules and live state on unless --no-rules) stores them. Printed:
//   sensors.stored_per_s   readings committed per second over the run (publish start → last commit)
//   sensors.lag_p50_ms / sensors.lag_p99_ms   publish → committed, from the ts the publisher stamps
//   sensors.lost / sensors.duplicated         readings the broker accepted that are missing / stored twice
// --find-max raises the rate step by step and reports the highest rate sustained: everything stored,
// nothing duplicated, stored as fast as published, p99 lag under 3 s (the worker keeps up, not falls behind).
// The first 3 s of each run are left out of the lag figures (warm-up).
// Needs PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres;
// a scratch database is created and dropped) and an MQTT 5 broker (BENCH_MQTT_URL, default mqtt://127.0.0.1:1883).
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { UniqueMessageIdProvider } from 'mqtt';
import pg from 'pg';
import { sensorReadingTopic } from '@cityops/contract/mqtt-topics';
import { migrate } from '@cityops/core/database/migrate';
import { createDatabase, type Database } from '@cityops/core/database/pool';
import { createLogger } from '@cityops/core/logger';
import { metricsRegistry } from '@cityops/core/metrics';
import type { AlertRaiser } from '@cityops/core/alerts/types';
import { createAlertRaiser } from '@cityops/core/alerts/raise';
import { createLivePublisher } from '@cityops/core/live/publisher';
import { SensorRuleEngine } from '@cityops/analytics/sensor-rules/rule-engine';
import { SensorDirectory } from '@cityops/devices/sensor-directory';
import { SensorIngestWorker } from '../sensors/ingest-worker.ts';

const THIS_FILE = fileURLToPath(import.meta.url);
const adminUrl = () => process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseUrl = (name: string) => Object.assign(new URL(adminUrl()), { pathname: `/${name}` }).toString();
const brokerUrl = () => process.env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  const value = index >= 0 ? Number(args[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} expects a positive number`);
  return value;
}

interface RunResult {
  rate: number;
  /** 1-minute load average at the end of the run: this machine is shared. */
  load: number;
  published: number;
  publishedPerSecond: number;
  stored: number;
  storedPerSecond: number;
  lagP50: number;
  lagP99: number;
  lost: number;
  duplicated: number;
}

const BATCH_SIZE = 5000;
const WARMUP_MS = 3000;
/** A rate is sustained when the worker keeps up: everything stored, storing as fast as offered, p99 lag bounded. */
const MAX_SUSTAINED_LAG_P99_MS = 3000;
const BATCH_MS = 100;

export async function run(args: string[]): Promise<void> {
  const seconds = option(args, 'seconds', 20);
  const sensorCount = option(args, 'sensors', 1000);
  const rules = !args.includes('--no-rules');
  const name = `cityops_bench_sensors_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const db = createDatabase(databaseUrl(name), 12);
  const conditions = (result: RunResult) =>
    `QoS1, 1 worker, ${cpus().length} cores shared (load ${result.load.toFixed(1)}), ${sensorCount} sensors, ${Math.round(result.publishedPerSecond)}/s offered for ${seconds} s, batch ${BATCH_SIZE}/${BATCH_MS} ms, rules ${rules ? 'on' : 'off'}`;
  const print = (result: RunResult) => {
    console.log(`sensors.stored_per_s: ${Math.round(result.storedPerSecond)} (${conditions(result)})`);
    console.log(`sensors.lag_p50_ms: ${Math.round(result.lagP50)} (${conditions(result)})`);
    console.log(`sensors.lag_p99_ms: ${Math.round(result.lagP99)} (${conditions(result)})`);
    console.log(`sensors.lost: ${result.lost} (of ${result.published} accepted by the broker)`);
    console.log(`sensors.duplicated: ${result.duplicated}`);
  };
  try {
    await migrate(db);
    await db.query(
      `INSERT INTO sensors (id, name, kind, unit, level1, level2, level3, hysteresis, expected_interval_seconds)
       SELECT 'bench-' || i, 'Bench gauge ' || i, 'water_level', 'm', 1.5, 1.6, 1.7, 0.03, 3600 FROM generate_series(1, $1) AS i`,
      [sensorCount],
    );
    if (args.includes('--find-max')) {
      let best: RunResult | undefined;
      for (const rate of [5000, 7500, 10_000, 12_500, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000, 60_000]) {
        const result = await runOnce(db, { rate, seconds, sensorCount, rules });
        const sustained =
          result.lost === 0 &&
          result.duplicated === 0 &&
          result.publishedPerSecond >= rate * 0.95 &&
          result.storedPerSecond >= result.publishedPerSecond * 0.95 &&
          result.lagP99 < MAX_SUSTAINED_LAG_P99_MS;
        console.log(
          `# offered ${rate}/s: published ${Math.round(result.publishedPerSecond)}/s, stored ${Math.round(result.storedPerSecond)}/s, lag p50 ${Math.round(result.lagP50)} ms p99 ${Math.round(result.lagP99)} ms, lost ${result.lost}, duplicated ${result.duplicated}, load ${result.load.toFixed(1)} → ${sustained ? 'sustained' : 'not sustained'}`,
        );
        if (!sustained) break;
        best = result;
      }
      if (best) print(best);
      else console.log('sensors.stored_per_s: 0 (not even 5000/s sustained on this machine now)');
    } else {
      print(await runOnce(db, { rate: option(args, 'rate', 20_000), seconds, sensorCount, rules }));
    }
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

/** Commits so far and their total seconds, from the worker's histogram. */
async function commitTotals(): Promise<{ count: number; sum: number }> {
  const values = ((await metricsRegistry.getSingleMetric('cityops_sensor_commit_seconds')?.get())?.values ?? []) as { metricName?: string; value: number }[];
  return {
    count: values.find((value) => value.metricName?.endsWith('_count'))?.value ?? 0,
    sum: values.find((value) => value.metricName?.endsWith('_sum'))?.value ?? 0,
  };
}

async function runOnce(db: Database, options: { rate: number; seconds: number; sensorCount: number; rules: boolean }): Promise<RunResult> {
  const logger = createLogger('warn');
  const tag = randomBytes(3).toString('hex');
  const spoolDirectory = path.join(tmpdir(), `cityops-bench-spool-${tag}`);
  const directory = new SensorDirectory(db, logger);
  await directory.start();
  const lags = new Float64Array(Math.ceil(options.rate * options.seconds * 1.2) + 1000);
  let lagCount = 0;
  let lastCommitAt = 0;
  let storedCount = 0;
  let warmupEndsMs = Infinity;
  const commitsBefore = await commitTotals();
  const spilledBefore = (await metricsRegistry.getSingleMetric('cityops_sensor_spilled_batches_total')?.get())?.values[0]?.value ?? 0;
  await db.query('TRUNCATE sensor_readings, sensor_state, sensor_alert_outbox');
  const live = createLivePublisher(db);
  const alerts: AlertRaiser = createAlertRaiser({ db, live });
  const engine = options.rules ? new SensorRuleEngine({ db, logger, profiles: directory, alerts, live }) : undefined;
  const worker = new SensorIngestWorker({
    db,
    logger,
    sensors: directory,
    broker: { url: brokerUrl(), clientId: `bench-ingest-${tag}`, sessionExpirySeconds: 60, receiveMaximum: 65_535 },
    shareGroup: `bench-${tag}`,
    spoolDirectory,
    batchSize: BATCH_SIZE,
    batchMaxWaitMs: BATCH_MS,
    onStored: (readings) => {
      const now = Date.now();
      lastCommitAt = now;
      storedCount += readings.length;
      // The first WARMUP_MS (connections opening, caches filling) are left out of the lag figures.
      for (const reading of readings) if (lagCount < lags.length && reading.tsMs >= warmupEndsMs) lags[lagCount++] = now - reading.tsMs;
      engine?.enqueue(readings);
    },
  });
  await worker.start();
  try {
    const publisher = spawn(
      process.execPath,
      ['--import', 'tsx', THIS_FILE, '--publish', brokerUrl(), String(options.rate), String(options.seconds), String(options.sensorCount)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    publisher.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    warmupEndsMs = Date.now() + WARMUP_MS;
    const exitCode = await new Promise<number | null>((resolve) => publisher.on('exit', resolve));
    if (exitCode !== 0) throw new Error(`publisher failed (${exitCode}): ${output}`);
    const sent = JSON.parse(output.trim().split('\n').at(-1)!) as { accepted: number; failed: number; startedAt: number; endedAt: number };
    // Drain: wait until the worker has committed what the broker accepted (or makes no progress for 10 s).
    for (let idle = 0, last = -1; storedCount < sent.accepted && idle < 50; idle = storedCount === last ? idle + 1 : 0, last = storedCount) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const counted = (await db.query(`SELECT count(*) AS n, count(*) - count(DISTINCT (sensor_id, seq)) AS d FROM sensor_readings`)).rows[0];
    const stored = Number(counted.n);
    const duplicated = Number(counted.d);
    const commitsAfter = await commitTotals();
    const commitCount = commitsAfter.count - commitsBefore.count;
    const commitSum = commitsAfter.sum - commitsBefore.sum;
    const spilled = ((await metricsRegistry.getSingleMetric('cityops_sensor_spilled_batches_total')?.get())?.values[0]?.value ?? 0) - spilledBefore;
    console.log(
      `# ${commitCount} commits, mean ${((commitSum / Math.max(1, commitCount)) * 1000).toFixed(1)} ms, mean ${Math.round(storedCount / Math.max(1, commitCount))} readings each; ${spilled} batches spilled to the spool`,
    );
    const sorted = Array.from(lags.subarray(0, lagCount)).sort((a, b) => a - b);
    const percentile = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
    return {
      rate: options.rate,
      load: loadavg()[0],
      published: sent.accepted,
      publishedPerSecond: sent.accepted / ((sent.endedAt - sent.startedAt) / 1000),
      stored,
      storedPerSecond: stored / ((lastCommitAt - sent.startedAt) / 1000),
      lagP50: percentile(50),
      lagP99: percentile(99),
      lost: Math.max(0, sent.accepted - stored),
      duplicated,
    };
  } finally {
    await worker.stop();
    await engine?.stop();
    await directory.stop();
    await rm(spoolDirectory, { recursive: true, force: true });
  }
}

/**
 * Child mode: publishes `rate` readings/s for `seconds` over `sensors` sensors (QoS 1, MQTT 3.1.1, so the
 * broker's small default receive maximum for MQTT 5 clients does not throttle the publisher), each stamped
 * with its publish time, then prints how many the broker accepted.
 */
async function publish(url: string, rate: number, seconds: number, sensors: number) {
  const clients = await Promise.all(
    [0, 1].map((i) => mqtt.connectAsync(url, { clientId: `bench-pub-${process.pid}-${i}`, protocolVersion: 4, messageIdProvider: new UniqueMessageIdProvider() })),
  );
  const total = Math.round(rate * seconds);
  const topics = Array.from({ length: sensors }, (_, i) => sensorReadingTopic(`bench-${i + 1}`));
  // (sensor, ts) is the readings' key: a sensor's readings get distinct milliseconds even in a burst.
  const lastTs = new Float64Array(sensors);
  let sent = 0;
  let accepted = 0;
  let failed = 0;
  const startedAt = Date.now();
  await new Promise<void>((resolve) => {
    const done = (error?: Error) => {
      if (error) failed++;
      else accepted++;
      if (accepted + failed === total) resolve();
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((Date.now() - startedAt) * rate) / 1000));
      while (sent < due) {
        const seq = sent++;
        const sensor = seq % sensors;
        const ts = (lastTs[sensor] = Math.max(Date.now(), lastTs[sensor] + 1));
        clients[seq & 1].publish(topics[sensor], `{"ts":${ts},"value":${(seq % 200) / 100},"seq":${seq}}`, { qos: 1 }, done);
      }
      if (sent < total) setTimeout(tick, 2);
    };
    tick();
  });
  const endedAt = Date.now();
  await Promise.all(clients.map((client) => client.endAsync()));
  console.log(JSON.stringify({ accepted, failed, startedAt, endedAt }));
}

if (process.argv.includes('--publish') && process.argv[1] === THIS_FILE) {
  const [url, rate, seconds, sensors] = process.argv.slice(process.argv.indexOf('--publish') + 1);
  publish(url, Number(rate), Number(seconds), Number(sensors)).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
