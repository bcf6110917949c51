// The processes of the sensors bench (sensors.bench.ts starts each as `node --import tsx <this file> <role> <json>`
// with an IPC channel):
//   publisher    readings at QoS 1 over MQTT 3.1.1, each stamped with its publish time and a run-wide seq (the
//                reading's id); records which seqs the broker acknowledged (PUBACK) in a file, one byte a seq
//   ingest       the real SensorIngestWorker (+ the sensor rules unless disabled) on a shared subscription
//   ack-only     the same subscriber and subscription, acknowledging each message at once: no decoding, no database
// Consumers report how many messages they have acknowledged every PROGRESS_MS; the bench forwards the total to
// the publisher, which stays at most `window` readings ahead of it, so a run is paced by the slowest part and
// the broker never holds a backlog it could drop.
import { writeFileSync } from 'node:fs';
import mqtt, { UniqueMessageIdProvider } from 'mqtt';
import { SENSOR_TOPIC_FILTER, sensorReadingTopic, sharedSubscription } from '@cityops/contract/mqtt-topics';
import { createAlertRaiser } from '@cityops/core/alerts/raise';
import { createDatabase } from '@cityops/core/database/pool';
import { createLivePublisher } from '@cityops/core/live/publisher';
import { createLogger } from '@cityops/core/logger';
import { metricsRegistry } from '@cityops/core/metrics';
import { SensorRuleEngine } from '@cityops/analytics/sensor-rules/rule-engine';
import { SensorDirectory } from '@cityops/devices/sensor-directory';
import { AcknowledgingSubscriber } from '../sensors/acknowledging-subscriber.ts';
import { SensorIngestWorker } from '../sensors/ingest-worker.ts';

export const PROGRESS_MS = 100;

export interface Broker {
  url: string;
  username: string;
  password: string;
}

export interface PublisherSettings {
  broker: Broker;
  /** Readings per second, or 0 for as fast as the window allows. */
  rate: number;
  seconds: number;
  sensors: number;
  /** At most this many readings published and not yet acknowledged by the consumers. */
  window: number;
  /** Where the acknowledged seqs are written (one byte per seq: 1 = PUBACK received). */
  ackedFile: string;
}

export interface ConsumerSettings {
  broker: Broker;
  clientId: string;
  shareGroup: string;
  databaseUrl?: string;
  rules?: boolean;
  spoolDirectory?: string;
  batchSize?: number;
  batchMs?: number;
  /** Lags of readings published before this instant are left out (warm-up). */
  lagFromMs?: number;
}

/** Consumer → bench. */
export type ConsumerMessage =
  | { type: 'ready' }
  /** `lastAt`: when the last message was acknowledged (ack-only) or the last reading committed (ingest). */
  | { type: 'progress'; acknowledged: number; stored: number; duplicates: number; lastAt: number }
  | { type: 'report'; lagSamples: number[]; duplicates: number; commits: number; commitSeconds: number };
/** Bench → consumer. */
export type ConsumerCommand = { type: 'die-after-next-commit' } | { type: 'stop' };
/** Publisher → bench. */
export type PublisherMessage = { type: 'done'; sent: number; accepted: number; failed: number; startedAt: number; endedAt: number; cpuMs: number };
/** Bench → publisher. */
export type PublisherCommand = { type: 'consumed'; count: number };

/** One lag sample every LAG_SAMPLE_EVERY stored readings keeps the report small at any rate. */
const LAG_SAMPLE_EVERY = 7;

const send = (message: ConsumerMessage | PublisherMessage) => process.send!(message);
/** Sends the last message, then exits (which also writes a --cpu-prof profile). */
const finish = (message: ConsumerMessage | PublisherMessage) => process.send!(message, () => process.exit(0));

async function publisher(settings: PublisherSettings) {
  const connect = (i: number) =>
    mqtt.connectAsync(settings.broker.url, {
      username: settings.broker.username,
      password: settings.broker.password,
      clientId: `bench-pub-${process.pid}-${i}`,
      // MQTT 3.1.1, so the broker's small default receive maximum for MQTT 5 clients does not throttle it.
      protocolVersion: 4,
      messageIdProvider: new UniqueMessageIdProvider(),
    });
  const clients = await Promise.all([0, 1].map(connect));
  const cpuBefore = process.cpuUsage();
  let consumed = 0;
  process.on('message', (command: PublisherCommand) => {
    if (command.type === 'consumed') consumed = command.count;
  });
  const topics = Array.from({ length: settings.sensors }, (_, i) => sensorReadingTopic(`bench-${i + 1}`));
  // (sensor, ts) is the readings' key: a sensor's readings get distinct milliseconds even in a burst.
  const lastTs = new Float64Array(settings.sensors);
  // Room for the fastest rate this machine could reach; grown if ever needed.
  let acked = new Uint8Array(1 << 20);
  let sent = 0;
  let accepted = 0;
  let failed = 0;
  const startedAt = Date.now();
  const endAt = startedAt + settings.seconds * 1000;
  // mqtt.js queues whatever it cannot send; bounding what awaits the broker's PUBACK keeps that queue short.
  const maxAwaitingBroker = 2000;
  await new Promise<void>((resolve) => {
    let finished = false;
    const settle = () => {
      if (finished && accepted + failed === sent) resolve();
    };
    const tick = () => {
      const now = Date.now();
      if (now >= endAt) {
        finished = true;
        return settle();
      }
      const due = settings.rate ? Math.floor(((now - startedAt) * settings.rate) / 1000) : Infinity;
      const limit = Math.min(due, consumed + settings.window, accepted + failed + maxAwaitingBroker);
      while (sent < limit) {
        const seq = sent++;
        if (seq >= acked.length) {
          const grown = new Uint8Array(acked.length * 2);
          grown.set(acked);
          acked = grown;
        }
        const sensor = seq % settings.sensors;
        const ts = (lastTs[sensor] = Math.max(now, lastTs[sensor] + 1));
        clients[seq & 1].publish(topics[sensor], `{"ts":${ts},"value":${(seq % 200) / 100},"seq":${seq}}`, { qos: 1 }, (error) => {
          if (error) failed++;
          else {
            accepted++;
            acked[seq] = 1;
          }
          settle();
        });
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  const endedAt = Date.now();
  writeFileSync(settings.ackedFile, acked.subarray(0, sent));
  await Promise.all(clients.map((client) => client.endAsync()));
  const cpu = process.cpuUsage(cpuBefore);
  finish({ type: 'done', sent, accepted, failed, startedAt, endedAt, cpuMs: (cpu.user + cpu.system) / 1000 });
}

/** Sends progress every PROGRESS_MS until the returned function is called. */
function reportProgress(progress: () => { acknowledged: number; stored: number; duplicates: number; lastAt: number }) {
  const timer = setInterval(() => send({ type: 'progress', ...progress() }), PROGRESS_MS);
  return () => clearInterval(timer);
}

async function ackOnly(settings: ConsumerSettings) {
  let acknowledged = 0;
  let lastAt = 0;
  const subscriber = new AcknowledgingSubscriber({
    url: settings.broker.url,
    clientId: settings.clientId,
    username: settings.broker.username,
    password: settings.broker.password,
    protocolVersion: 5,
    subscription: { subscribe: sharedSubscription(settings.shareGroup, SENSOR_TOPIC_FILTER) },
    sessionExpirySeconds: 60,
    receiveMaximum: 65_535,
    logger: createLogger('warn'),
    onMessage: (message) => {
      message.ack();
      acknowledged++;
      lastAt = Date.now();
    },
  });
  await subscriber.start();
  const stopReporting = reportProgress(() => ({ acknowledged, stored: 0, duplicates: 0, lastAt }));
  send({ type: 'ready' });
  process.on('message', (command: ConsumerCommand) => {
    if (command.type !== 'stop') return;
    stopReporting();
    void subscriber.stop({ endSession: true }).then(() => {
      send({ type: 'progress', acknowledged, stored: 0, duplicates: 0, lastAt });
      finish({ type: 'report', lagSamples: [], duplicates: 0, commits: 0, commitSeconds: 0 });
    });
  });
}

async function ingest(settings: ConsumerSettings) {
  const logger = createLogger('warn');
  const db = createDatabase(settings.databaseUrl!, 4);
  const directory = new SensorDirectory(db, logger);
  await directory.start();
  const live = createLivePublisher(db);
  const engine = settings.rules ? new SensorRuleEngine({ db, logger, profiles: directory, alerts: createAlertRaiser({ db, live }), live }) : undefined;
  let acknowledged = 0;
  let stored = 0;
  let lastAt = 0;
  let dieAfterNextCommit = false;
  const lagSamples: number[] = [];
  const worker = new SensorIngestWorker({
    db,
    logger,
    sensors: directory,
    broker: { url: settings.broker.url, username: settings.broker.username, password: settings.broker.password, clientId: settings.clientId, sessionExpirySeconds: 300, receiveMaximum: 65_535 },
    shareGroup: settings.shareGroup,
    spoolDirectory: settings.spoolDirectory!,
    batchSize: settings.batchSize!,
    batchMaxWaitMs: settings.batchMs!,
    onStored: (readings) => {
      // The worker calls this after it has handed the batch's PUBACKs to the socket, which writes them in
      // a microtask: dying here is a crash after the commit and before the broker heard of it, the moment
      // that makes the broker redeliver readings already stored.
      if (dieAfterNextCommit) process.kill(process.pid, 'SIGKILL');
      const now = Date.now();
      lastAt = now;
      acknowledged += readings.length;
      stored += readings.length;
      for (let i = 0; i < readings.length; i += LAG_SAMPLE_EVERY) {
        if (readings[i].tsMs >= settings.lagFromMs!) lagSamples.push(now - readings[i].tsMs);
      }
      engine?.enqueue(readings);
    },
  });
  // Readings already stored (a redelivery) are acknowledged without reaching onStored: counted from the worker's metric.
  const duplicates = async () => (await metricsRegistry.getSingleMetric('cityops_sensor_readings_duplicate_total')?.get())?.values[0]?.value ?? 0;
  let duplicateCount = 0;
  await worker.start();
  const stopReporting = reportProgress(() => {
    void duplicates().then((count) => (duplicateCount = count));
    return { acknowledged: acknowledged + duplicateCount, stored, duplicates: duplicateCount, lastAt };
  });
  send({ type: 'ready' });
  process.on('message', (command: ConsumerCommand) => {
    if (command.type === 'die-after-next-commit') dieAfterNextCommit = true;
    if (command.type !== 'stop') return;
    stopReporting();
    void (async () => {
      await worker.stop();
      await engine?.stop();
      await directory.stop();
      await db.end();
      duplicateCount = await duplicates();
      send({ type: 'progress', acknowledged: acknowledged + duplicateCount, stored, duplicates: duplicateCount, lastAt });
      const commitValues = ((await metricsRegistry.getSingleMetric('cityops_sensor_commit_seconds')?.get())?.values ?? []) as { metricName?: string; value: number }[];
      const commits = commitValues.find((value) => value.metricName?.endsWith('_count'))?.value ?? 0;
      const commitSeconds = commitValues.find((value) => value.metricName?.endsWith('_sum'))?.value ?? 0;
      finish({ type: 'report', lagSamples, duplicates: duplicateCount, commits, commitSeconds });
    })();
  });
}

const [role, json] = process.argv.slice(2);
const roles: Record<string, (settings: never) => Promise<void>> = { publisher, 'ack-only': ackOnly, ingest };
if (process.send && roles[role]) {
  roles[role](JSON.parse(json) as never).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
