// `npm run bench -- sensors [--workers 2] [--seconds 20] [--sensor-counts 1000,10000] [--rate 0] [--window N]
//                           [--no-rules] [--no-redelivery] [--cpu-prof | --cpu-prof-dir DIR]`   (window: 20,000 a worker)
// Sensor ingest end to end beside its own transport, in one run, on a private Mosquitto (the production
// configuration on a free loopback port) and the real PostgreSQL. Every part is its own OS process
// (sensor-bench-processes.ts): one publisher (QoS 1, two connections), and N consumers on one MQTT 5 shared
// subscription. The publisher runs for --seconds as fast as the consumers take it: at most --window readings
// ahead of what they have acknowledged (or at a fixed --rate), so the slowest part sets the pace and the
// broker never holds a backlog it could drop. Printed:
//   sensors.broker_only_per_s    the same publisher and broker, N consumers that only acknowledge (no decoding,
//                                no database): readings acknowledged per second, publish start → last ack
//   sensors.stored_per_s         N real ingest workers (PUBACK after commit, COPY, rules unless --no-rules):
//                                readings committed per second, publish start → last commit
//   sensors.efficiency           stored_per_s ÷ broker_only_per_s (how much of the transport's pace storing keeps)
//   sensors.lag_p50_ms / sensors.lag_p99_ms   publish → committed (first 3 s left out); when the run is paced
//                                by --window this is mostly time spent in the window, not a latency at a set rate
//   sensors.lost                 readings the broker acknowledged to the publisher (its own record, by reading
//                                id) that are not in sensor_readings
//   sensors.duplicated           deliveries to a worker of a reading already stored (counted by the workers from
//                                their commits); rows stored twice are printed beside it
//   sensors.redelivered_absorbed a second run kills a worker with SIGKILL right after a commit, before its PUBACKs
//                                leave, and starts it again with its client id: readings delivered to the store
//                                more than once (a delivery log filled by a trigger in the same transactions,
//                                by reading id) and stored once; sensors.redelivery_lost is its loss by id
//                                (that run: 5,000/s, at least 2 workers, so the absent worker's queue fits the broker's)
//   sensors.worker_rss_mb        the workers' peak VmRSS (/proc/<pid>/status, summed) at each sensor count
//   sensors.rss_mb_per_1000_sensors   the slope between the first two sensor counts
// Comment lines (#) say where the CPU went in each run: CPU ms per 1,000 readings of the publisher, the broker,
// the consumers and this run's PostgreSQL backends (/proc/<pid>/stat), and the workers' commits.
// --cpu-prof writes a V8 profile of each ingest worker (node --cpu-prof) and prints the functions with the most
// self time (--cpu-prof-dir DIR keeps the profiles there, for Chrome DevTools). Quick try: --seconds 5 --sensor-counts 1000,5000.
// Needs PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres;
// a scratch database is created and dropped) and the mosquitto binary.
import { fork, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { migrate } from '@cityops/core/database/migrate';
import { createDatabase, type Database } from '@cityops/core/database/pool';
import { SecretBox } from '@cityops/core/secret-box';
import { buildBrokerFiles } from '@cityops/devices/broker-credentials';
import { MosquittoBroker } from '../../ops/faults/mosquitto.ts';
import { freePort, sleep } from '../../ops/faults/processes.ts';
import {
  PROGRESS_MS,
  type Broker,
  type ConsumerCommand,
  type ConsumerMessage,
  type ConsumerSettings,
  type PublisherCommand,
  type PublisherMessage,
  type PublisherSettings,
} from './sensor-bench-processes.ts';

const PROCESSES_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sensor-bench-processes.ts');
const adminUrl = () => process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseUrl = (name: string) => Object.assign(new URL(adminUrl()), { pathname: `/${name}` }).toString();

const BATCH_SIZE = 5000;
const BATCH_MS = 100;
const WARMUP_MS = 3000;
/** USER_HZ of /proc/<pid>/stat: 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
/** The drain after publishing ends gives up when nothing more was stored for this long. */
const DRAIN_IDLE_MS = 15_000;

function option(args: string[], name: string, fallback: number, allowZero = false): number {
  const index = args.indexOf(`--${name}`);
  const value = index >= 0 ? Number(args[index + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) throw new Error(`--${name} expects a positive number`);
  return value;
}

interface Phase {
  consumer: 'ack-only' | 'ingest';
  workers: number;
  sensors: number;
  rate: number;
  seconds: number;
  window: number;
  rules: boolean;
  /** Kill worker 0 after a commit, before its PUBACKs leave, half-way through; start it again. */
  killOneWorker?: boolean;
  cpuProfileDirectory?: string;
}

interface PhaseResult {
  load: number;
  sent: number;
  accepted: number;
  /** Accepted readings per second while publishing. */
  publishedPerSecond: number;
  /** Acknowledged (ack-only) or committed (ingest) per second, publish start → last one. */
  perSecond: number;
  consumed: number;
  lagP50: number;
  lagP99: number;
  /** Consumers' peak VmRSS, summed over the consumers, MB. */
  rssMb: number;
  duplicates: number;
  /** Which seqs the broker acknowledged to the publisher (1 byte per seq). */
  acked: Uint8Array;
  restartMs?: number;
  /** CPU used while publishing and draining, ms, by part (PostgreSQL: the backends of this run's database). */
  cpuMs: { publisher: number; broker: number; consumers: number; database: number };
  commits: number;
  commitSeconds: number;
}

export async function run(args: string[]): Promise<void> {
  const seconds = option(args, 'seconds', 20);
  const workers = option(args, 'workers', 2);
  const rate = option(args, 'rate', 0, true);
  // Per worker, under the worker's spill threshold (half its receive maximum, 32,767): a paced run measures
  // the database path, not the spool.
  const window = option(args, 'window', 20_000 * workers);
  const countsArgument = args.indexOf('--sensor-counts') >= 0 ? args[args.indexOf('--sensor-counts') + 1] : '1000,10000';
  const sensorCounts = countsArgument.split(',').map(Number);
  if (sensorCounts.length < 1 || sensorCounts.some((count) => !Number.isInteger(count) || count <= 0)) throw new Error('--sensor-counts expects counts like 1000,10000');
  const rules = !args.includes('--no-rules');
  const base = { workers, rate, seconds, window, rules };
  const scratch = mkdtempSync(path.join(tmpdir(), 'cityops-bench-sensors-'));
  // As root, Mosquitto drops to its own user, which must traverse this directory to its files.
  chmodSync(scratch, 0o755);
  const name = `cityops_bench_sensors_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const db = createDatabase(databaseUrl(name), 4);
  const service = { username: 'cityops', password: randomBytes(18).toString('base64url') };
  let mosquitto: MosquittoBroker | undefined;
  const pace = (phase: Phase) => (phase.rate ? `${phase.rate}/s offered` : `paced by the consumers (window ${phase.window})`);
  const conditions = (phase: Phase, result: PhaseResult) =>
    `QoS 1, ${phase.workers} worker${phase.workers > 1 ? 's' : ''} (shared subscription), ${cpus().length} cores shared (load ${result.load.toFixed(1)}), ` +
    `${phase.sensors} sensors, ${pace(phase)}, ${phase.seconds} s, ${result.accepted} readings` +
    (phase.consumer === 'ingest' ? `, batch ${BATCH_SIZE}/${BATCH_MS} ms, rules ${phase.rules ? 'on' : 'off'}` : '');
  try {
    await migrate(db);
    const files = await buildBrokerFiles(db, SecretBox.fromConfig(undefined, scratch), service);
    mosquitto = new MosquittoBroker({ directory: path.join(scratch, 'mosquitto'), port: await freePort(), passwd: files.passwd, acl: files.acl, service });
    await mosquitto.start();
    const broker: Broker = { url: mosquitto.url, ...service };
    const runPhase = (phase: Phase) => runOnce(db, { url: databaseUrl(name), name }, broker, mosquitto!.pid, scratch, phase);

    await setSensorCount(db, sensorCounts[0]);
    const brokerOnlyPhase: Phase = { ...base, consumer: 'ack-only', sensors: sensorCounts[0] };
    const brokerOnly = await runPhase(brokerOnlyPhase);
    const storedPhase: Phase = {
      ...base,
      consumer: 'ingest',
      sensors: sensorCounts[0],
      cpuProfileDirectory: args.includes('--cpu-prof-dir')
        ? path.resolve(args[args.indexOf('--cpu-prof-dir') + 1])
        : args.includes('--cpu-prof')
          ? path.join(scratch, 'profiles')
          : undefined,
    };
    const stored = await runPhase(storedPhase);
    const check = await compareById(db, stored.acked);
    printCpu('broker only', brokerOnly);
    printCpu('stored', stored);
    console.log(`sensors.broker_only_per_s: ${Math.round(brokerOnly.perSecond)} (${conditions(brokerOnlyPhase, brokerOnly)}, consumers only acknowledge)`);
    console.log(`sensors.stored_per_s: ${Math.round(stored.perSecond)} (${conditions(storedPhase, stored)})`);
    console.log(`sensors.efficiency: ${(stored.perSecond / brokerOnly.perSecond).toFixed(2)} (stored_per_s ÷ broker_only_per_s, same run)`);
    console.log(`sensors.lag_p50_ms: ${Math.round(stored.lagP50)} (${conditions(storedPhase, stored)})`);
    console.log(`sensors.lag_p99_ms: ${Math.round(stored.lagP99)} (${conditions(storedPhase, stored)})`);
    console.log(`sensors.lost: ${check.lost} (acknowledged to the publisher and not stored, by reading id, of ${check.acked} acknowledged)`);
    console.log(`sensors.duplicated: ${stored.duplicates} (deliveries of already-stored readings, counted by the workers; ${check.storedTwice} rows stored twice)`);
    if (storedPhase.cpuProfileDirectory) printProfile(storedPhase.cpuProfileDirectory);

    if (!args.includes('--no-redelivery')) {
      // A fixed rate well inside what one worker stores keeps the killed worker's queue within what the
      // broker holds for an absent session (max_queued_messages) during the restart.
      const redeliveryPhase: Phase = { ...base, consumer: 'ingest', sensors: sensorCounts[0], rate: 5000, killOneWorker: true, workers: Math.max(2, workers) };
      await db.query(`CREATE UNLOGGED TABLE bench_deliveries (seq bigint)`);
      // BEFORE ROW triggers see every row an INSERT proposes, also those ON CONFLICT then skips; rolled back
      // with their transaction, so a row here is one delivery that reached a commit.
      await db.query(`CREATE FUNCTION bench_log_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN INSERT INTO bench_deliveries VALUES (NEW.seq); RETURN NEW; END $$`);
      await db.query(`CREATE TRIGGER bench_log_delivery BEFORE INSERT ON sensor_readings FOR EACH ROW EXECUTE FUNCTION bench_log_delivery()`);
      const redelivery = await runPhase(redeliveryPhase);
      const redeliveryCheck = await compareById(db, redelivery.acked);
      const absorbed = Number(
        (await db.query(`SELECT count(*) AS n FROM (SELECT seq FROM bench_deliveries GROUP BY seq HAVING count(*) > 1) AS twice`)).rows[0].n,
      );
      const how = `worker SIGKILLed after a commit, before its PUBACKs, restarted in ${((redelivery.restartMs ?? 0) / 1000).toFixed(1)} s; ${conditions(redeliveryPhase, redelivery)}`;
      console.log(`sensors.redelivered_absorbed: ${absorbed} (readings committed more than once and stored once, by reading id; the workers counted ${redelivery.duplicates} deliveries of already-stored readings; ${redeliveryCheck.storedTwice} rows stored twice; ${how})`);
      console.log(`sensors.redelivery_lost: ${redeliveryCheck.lost} (of ${redeliveryCheck.acked} acknowledged to the publisher, by reading id)`);
    }

    console.log(`sensors.worker_rss_mb: ${stored.rssMb.toFixed(1)} (${sensorCounts[0]} sensors, peak VmRSS of ${workers} workers, summed)`);
    if (sensorCounts.length > 1) {
      await setSensorCount(db, sensorCounts[1]);
      const morePhase: Phase = { ...base, consumer: 'ingest', sensors: sensorCounts[1] };
      const more = await runPhase(morePhase);
      console.log(`sensors.worker_rss_mb: ${more.rssMb.toFixed(1)} (${sensorCounts[1]} sensors, peak VmRSS of ${workers} workers, summed; stored ${Math.round(more.perSecond)}/s)`);
      const slope = ((more.rssMb - stored.rssMb) / (sensorCounts[1] - sensorCounts[0])) * 1000;
      console.log(`sensors.rss_mb_per_1000_sensors: ${slope.toFixed(2)} (slope of the workers' RSS between ${sensorCounts[0]} and ${sensorCounts[1]} sensors, same run)`);
    }
  } finally {
    await mosquitto?.stop();
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    await admin.end();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function setSensorCount(db: Database, count: number) {
  await db.query(`DELETE FROM sensors WHERE id LIKE 'bench-%'`);
  await db.query(
    `INSERT INTO sensors (id, name, kind, unit, level1, level2, level3, hysteresis, expected_interval_seconds)
     SELECT 'bench-' || i, 'Bench gauge ' || i, 'water_level', 'm', 1.5, 1.6, 1.7, 0.03, 3600 FROM generate_series(1, $1) AS i`,
    [count],
  );
}

/** Compares what the broker acknowledged to the publisher with what sensor_readings holds, reading by reading. */
async function compareById(db: Database, acked: Uint8Array): Promise<{ acked: number; lost: number; storedTwice: number }> {
  const copies = new Uint8Array(acked.length);
  const client = await db.connect();
  try {
    let rest = '';
    for await (const chunk of client.query(copyTo(`COPY (SELECT seq FROM sensor_readings) TO STDOUT`))) {
      const lines = (rest + (chunk as Buffer).toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) copies[Number(line)]++;
    }
  } finally {
    client.release();
  }
  let ackedCount = 0;
  let lost = 0;
  let storedTwice = 0;
  for (let seq = 0; seq < acked.length; seq++) {
    if (acked[seq]) ackedCount++;
    if (acked[seq] && !copies[seq]) lost++;
    if (copies[seq] > 1) storedTwice += copies[seq] - 1;
  }
  return { acked: ackedCount, lost, storedTwice };
}

/** CPU time (user + system) of a process so far, ms; 0 once it has ended. */
function cpuMs(pid: number | undefined): number {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function rssMb(pid: number | undefined): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0; // the process has just ended
  }
}

/** One consumer process: its latest progress and how to reach it. */
class Consumer {
  progress = { acknowledged: 0, stored: 0, duplicates: 0, lastAt: 0 };
  report?: Extract<ConsumerMessage, { type: 'report' }>;
  peakRssMb = 0;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (message: ConsumerMessage) => {
        if (message.type === 'ready') resolve();
        if (message.type === 'progress') this.progress = message;
        if (message.type === 'report') this.report = message;
      });
      child.once('exit', (code, signal) => reject(new Error(`bench consumer exited before it was ready (${code ?? signal})`)));
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  send(command: ConsumerCommand) {
    if (this.child.connected) this.child.send(command);
  }
}

async function runOnce(
  db: Database,
  database: { url: string; name: string },
  broker: Broker,
  brokerPid: number | undefined,
  scratch: string,
  phase: Phase,
): Promise<PhaseResult> {
  const tag = randomBytes(3).toString('hex');
  if (phase.consumer === 'ingest') await db.query('TRUNCATE sensor_readings, sensor_state, sensor_alert_outbox');
  const lagFromMs = Date.now() + WARMUP_MS;
  const startConsumer = (index: number) => {
    const clientId = `bench-${phase.consumer}-${tag}-${index}`;
    const settings: ConsumerSettings = {
      broker,
      clientId,
      shareGroup: `bench-${tag}`,
      databaseUrl: phase.consumer === 'ingest' ? database.url : undefined,
      rules: phase.rules,
      // Kept across a restart, as on the worker's machine: what it spooled is replayed by the next start.
      spoolDirectory: path.join(scratch, 'spool', clientId),
      batchSize: BATCH_SIZE,
      batchMs: BATCH_MS,
      lagFromMs,
    };
    const execArgv = ['--import', 'tsx'];
    if (phase.cpuProfileDirectory) execArgv.push('--cpu-prof', '--cpu-prof-dir', phase.cpuProfileDirectory);
    return new Consumer(fork(PROCESSES_FILE, [phase.consumer, JSON.stringify(settings)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  };
  const consumers = Array.from({ length: phase.workers }, (_, i) => startConsumer(i));
  const retired: Consumer[] = [];
  let publisher: ChildProcess | undefined;
  const everyConsumer = () => [...retired, ...consumers];
  const total = (field: 'acknowledged' | 'stored' | 'duplicates') => everyConsumer().reduce((sum, consumer) => sum + consumer.progress[field], 0);
  try {
    await Promise.all(consumers.map((consumer) => consumer.ready));
    const publisherSettings: PublisherSettings = {
      broker,
      rate: phase.rate,
      seconds: phase.seconds,
      sensors: phase.sensors,
      window: phase.window,
      ackedFile: path.join(scratch, `acked-${tag}`),
    };
    const backends = async () =>
      (await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name])).rows.map((row) => row.pid);
    const cpuOf = async () => ({
      broker: cpuMs(brokerPid),
      consumers: consumers.reduce((sum, consumer) => sum + cpuMs(consumer.child.pid), 0),
      database: (await backends()).reduce((sum, pid) => sum + cpuMs(pid), 0),
    });
    const cpuBefore = await cpuOf();
    publisher = fork(PROCESSES_FILE, ['publisher', JSON.stringify(publisherSettings)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const done = new Promise<PublisherMessage>((resolve, reject) => {
      publisher!.on('message', (message: PublisherMessage) => resolve(message));
      publisher!.once('exit', (code) => reject(new Error(`publisher exited (${code}) before reporting`)));
    });
    const pacing = setInterval(() => {
      if (publisher!.connected) publisher!.send({ type: 'consumed', count: total('acknowledged') } satisfies PublisherCommand);
      for (const consumer of consumers) consumer.peakRssMb = Math.max(consumer.peakRssMb, rssMb(consumer.child.pid));
    }, PROGRESS_MS);
    let restartMs: number | undefined;
    const killing = phase.killOneWorker
      ? (async () => {
          await sleep((phase.seconds * 1000) / 2);
          const victim = consumers[0];
          victim.send({ type: 'die-after-next-commit' });
          await victim.exited;
          const killedAt = Date.now();
          retired.push(victim);
          consumers[0] = startConsumer(0);
          await consumers[0].ready;
          restartMs = Date.now() - killedAt;
        })()
      : undefined;
    const sent = await done;
    await killing;
    // Drain: until the consumers have taken what the broker accepted, or nothing moves for DRAIN_IDLE_MS.
    // A killed worker's last commits are in no report, so the database is asked as well.
    const taken = async () =>
      phase.killOneWorker ? Number((await db.query('SELECT count(*) AS n FROM sensor_readings')).rows[0].n) : total(phase.consumer === 'ingest' ? 'stored' : 'acknowledged');
    for (let idleSince = Date.now(), last = -1; Date.now() - idleSince < DRAIN_IDLE_MS; ) {
      const now = await taken();
      if (now >= sent.accepted) break;
      if (now !== last) idleSince = Date.now();
      last = now;
      await sleep(phase.killOneWorker ? 1000 : 200);
    }
    clearInterval(pacing);
    // Before the consumers stop (their connections close). A killed worker's CPU is not counted.
    const cpuAfter = await cpuOf();
    for (const consumer of consumers) consumer.send({ type: 'stop' });
    await Promise.all(consumers.map((consumer) => consumer.exited));
    const lags = everyConsumer()
      .flatMap((consumer) => consumer.report?.lagSamples ?? [])
      .sort((a, b) => a - b);
    const percentile = (p: number) => (lags.length ? lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))] : NaN);
    const consumed = total(phase.consumer === 'ingest' ? 'stored' : 'acknowledged');
    const lastAt = Math.max(...everyConsumer().map((consumer) => consumer.progress.lastAt));
    return {
      load: loadavg()[0],
      sent: sent.sent,
      accepted: sent.accepted,
      publishedPerSecond: sent.accepted / ((sent.endedAt - sent.startedAt) / 1000),
      perSecond: consumed / ((lastAt - sent.startedAt) / 1000),
      consumed,
      lagP50: percentile(50),
      lagP99: percentile(99),
      rssMb: consumers.reduce((sum, consumer) => sum + consumer.peakRssMb, 0),
      duplicates: total('duplicates'),
      acked: new Uint8Array(readFileSync(publisherSettings.ackedFile)),
      restartMs,
      cpuMs: {
        publisher: sent.cpuMs,
        broker: cpuAfter.broker - cpuBefore.broker,
        consumers: cpuAfter.consumers - cpuBefore.consumers,
        database: cpuAfter.database - cpuBefore.database,
      },
      commits: everyConsumer().reduce((sum, consumer) => sum + (consumer.report?.commits ?? 0), 0),
      commitSeconds: everyConsumer().reduce((sum, consumer) => sum + (consumer.report?.commitSeconds ?? 0), 0),
    };
  } finally {
    if (publisher && publisher.exitCode === null && publisher.signalCode === null) publisher.kill('SIGKILL');
    for (const consumer of everyConsumer()) if (consumer.child.exitCode === null && consumer.child.signalCode === null) consumer.child.kill('SIGKILL');
  }
}

/** Where the CPU went in a run: each part's CPU time per 1,000 readings, and the commits' mean time. */
function printCpu(label: string, result: PhaseResult) {
  const per1000 = (ms: number) => ((ms / Math.max(1, result.consumed)) * 1000).toFixed(1);
  const { publisher, broker, consumers, database } = result.cpuMs;
  const commits = result.commits ? `; ${result.commits} commits, mean ${((result.commitSeconds / result.commits) * 1000).toFixed(1)} ms, ${Math.round(result.consumed / result.commits)} readings each` : '';
  console.log(
    `# ${label}: CPU ms per 1,000 readings — publisher ${per1000(publisher)}, broker ${per1000(broker)}, consumers ${per1000(consumers)}, PostgreSQL backends ${per1000(database)}${commits}`,
  );
}

/** The functions with the most self time over the workers' V8 profiles. */
function printProfile(directory: string) {
  interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }
  const selfMs = new Map<string, number>();
  let totalMs = 0;
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, i) => {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
      const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^.*\/work\/[^/]+\/[^/]+\//, '')}:${lineNumber + 1}` : '';
      const key = `${functionName || '(anonymous)'} ${where}`.trim();
      const ms = profile.timeDeltas[i] / 1000;
      selfMs.set(key, (selfMs.get(key) ?? 0) + ms);
      totalMs += ms;
    });
  }
  const idleMs = selfMs.get('(idle)') ?? 0;
  selfMs.delete('(idle)');
  const busyMs = totalMs - idleMs;
  console.log(`# ingest workers' CPU profile: ${(totalMs / 1000).toFixed(1)} s sampled (start to exit), idle ${((idleMs / totalMs) * 100).toFixed(0)} %; most self time, % of busy:`);
  for (const [key, ms] of [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`#   ${((ms / busyMs) * 100).toFixed(1).padStart(5)} %  ${key}`);
  }
}
