// `npm run bench -- alerts [--clients 1000] [--seconds 5] [--rate 10] [--client-processes N] [--profile]`
// Quick try: `npm run bench -- alerts --clients 200 --seconds 2`.
//
// Alert fan-out, end to end and beside the machine's own limit, in one run:
// - the API (the real api role) runs in its own process; `--clients` real socket.io clients, each with
//   its own session (staff roles in turn), live in `--client-processes` child processes (default one
//   per 125 clients, at most 8: one process could not parse what 1,000 clients receive);
// - a producer process raises alerts through the real raise path (commit → PostgreSQL NOTIFY →
//   socket.io postgres adapter → rooms), stepping its rate up by 30 % from `--rate` alerts/s, each step
//   `--seconds` long; every alert is a new one. A step passes when every client got every alert
//   (counted per distinct (client, alert): copies are duplicates, printed apart) and p99 latency from
//   the raise call to receipt stays under 250 ms; a failed step is tried once more (the machine is
//   shared), and the climb ends at the second failure. `alerts.fanout_deliveries_per_s` is the
//   highest passing step, measured from its first raise to its last receipt. Each step is printed on
//   stderr with where its latency went: raise() p99 in the producer, and NOTIFY p99 at a plain LISTEN
//   beside the API's (raise call → notification: the database's share; the rest is the fan-out);
// - then the same client processes connect to a bare socket.io server in another process that
//   broadcasts the same alert message, stepped the same way from the API's best rate:
//   `alerts.bare_socketio_deliveries_per_s`, and `alerts.fanout_efficiency` the ratio of the two;
// - `alerts.per_s`: how fast 8 concurrent producers raise alerts (the raise path's own limit, which
//   bounds the fan-out at `clients` deliveries per alert).
// `--profile` runs the API and the bare server with `node --cpu-prof` and prints their top functions by self time.
// Needs PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres);
// creates and drops a scratch database.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { createAlertRaiser } from '@cityops/core/alerts/raise';
import { EVENT_MESSAGE_COLUMNS, eventMessageFromRow } from '@cityops/core/alerts/changes';
import { LIVE_CHANNEL } from '@cityops/core/live/publisher';
import type { AlertEventMessage } from '@cityops/contract/alerts';
import { CAN_VIEW } from '@cityops/contract/roles';
import { openSession, SESSION_COOKIE } from '@cityops/core/auth/sessions';
import { createUser } from '@cityops/core/auth/users';
import { migrate } from '@cityops/core/database/migrate';
import { createDatabase } from '@cityops/core/database/pool';
import { paced } from './paced.ts';
import { createScratchDatabase, databaseUrl, option } from './bench-options.ts';
import { HISTOGRAM_BUCKET_MS, type FanoutCommand, type FanoutReport } from './fanout-clients.ts';
import type { BareServerCommand } from './bare-socketio-server.ts';

const PASSWORD = 'bench-password-not-secret';
const THIS_FILE = fileURLToPath(import.meta.url);
const HERE = path.dirname(THIS_FILE);
const now = () => performance.timeOrigin + performance.now();
/** A live alert later than this is too late for a command room (issue #13). */
const LATENCY_P99_LIMIT_MS = 250;
const RATE_STEP = 1.3;
/** How long to wait after a step's last raise for late deliveries before calling them missing. */
const DRAIN_MS = 5000;

/** Sends a command to a child process and resolves with its next message (each command gets one answer). */
function ask<T>(child: ChildProcess, command: unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child process exited (${code}) before answering`));
    child.once('exit', onExit);
    child.once('message', (message: { type: string; message?: string }) => {
      child.off('exit', onExit);
      if (message.type === 'error') reject(new Error(message.message));
      else resolve(message as T);
    });
    if (command !== undefined) child.send(command as object, (error) => error && reject(error));
  });
}

const spawnChild = (file: string, args: string[] = []) =>
  spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

/** CPU time (user + system) a process has used, from /proc (Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface StepResult {
  rate: number;
  alerts: number;
  delivered: number;
  expected: number;
  duplicates: number;
  clientsMissing: number;
  disconnects: number;
  deliveriesPerSecond: number;
  /** How long the producer's raise() took (call to commit and read-back), when a producer raised. */
  raiseP99Ms?: number;
  /** Raise call → its NOTIFY at a plain LISTEN beside the API's: the database's share of the latency. */
  notifyP99Ms?: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuMsPer1000: number;
  clientsCpuMsPer1000: number;
  passed: boolean;
}

/** The latency at percentile p of the merged histograms (and the receipts later than the histogram holds). */
function percentileMs(reports: FanoutReport[], p: number): number {
  const histogram = reports[0].histogram.map((_, bucket) => reports.reduce((sum, report) => sum + report.histogram[bucket], 0));
  const slow = reports.flatMap((report) => report.slowLatenciesMs).sort((a, b) => a - b);
  const total = histogram.reduce((sum, count) => sum + count, 0) + slow.length;
  if (total === 0) return Number.NaN;
  const rank = Math.min(total - 1, Math.floor((p / 100) * total));
  let seen = 0;
  for (let bucket = 0; bucket < histogram.length; bucket++) {
    seen += histogram[bucket];
    if (seen > rank) return (bucket + 1) * HISTOGRAM_BUCKET_MS;
  }
  return slow[rank - seen];
}

/**
 * One step: `emit` makes the server side send `count` alerts labelled `step` (at a rate), resolving
 * when the last is sent; then the clients are asked until every one has every alert or DRAIN_MS passed.
 */
async function measureStep(
  clients: ChildProcess[],
  clientCount: number,
  server: ChildProcess,
  step: string,
  rate: number,
  emit: () => Promise<{ count: number; startedAt: number; raiseP99Ms?: number }>,
  notifications?: NotificationWatch,
): Promise<StepResult> {
  const cpuOf = (children: ChildProcess[]) => children.reduce((sum, child) => sum + processCpuMs(child.pid!), 0);
  const serverCpuBefore = processCpuMs(server.pid!);
  const clientsCpuBefore = cpuOf(clients);
  const { count, startedAt, raiseP99Ms } = await emit();
  const expected = count * clientCount;
  const deadline = Date.now() + DRAIN_MS;
  let reports: FanoutReport[];
  for (;;) {
    const final = Date.now() >= deadline;
    reports = await Promise.all(clients.map((child) => ask<FanoutReport>(child, { type: 'report', step, expected: count, final } satisfies FanoutCommand)));
    if (final) break;
    if (reports.reduce((sum, report) => sum + report.delivered, 0) >= expected) {
      reports = await Promise.all(clients.map((child) => ask<FanoutReport>(child, { type: 'report', step, expected: count, final: true } satisfies FanoutCommand)));
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const delivered = reports.reduce((sum, report) => sum + report.delivered, 0);
  const lastReceiptAt = Math.max(...reports.map((report) => report.lastReceiptAt));
  const p99Ms = percentileMs(reports, 99);
  const clientsMissing = reports.reduce((sum, report) => sum + report.clientsMissing, 0);
  return {
    rate,
    alerts: count,
    delivered,
    expected,
    duplicates: reports.reduce((sum, report) => sum + report.duplicates, 0),
    clientsMissing,
    disconnects: reports.reduce((sum, report) => sum + report.disconnects, 0),
    raiseP99Ms,
    notifyP99Ms: notifications?.p99Ms(step),
    deliveriesPerSecond: delivered / ((lastReceiptAt - startedAt) / 1000),
    p50Ms: percentileMs(reports, 50),
    p99Ms,
    serverCpuMsPer1000: ((processCpuMs(server.pid!) - serverCpuBefore) / Math.max(1, delivered)) * 1000,
    clientsCpuMsPer1000: ((cpuOf(clients) - clientsCpuBefore) / Math.max(1, delivered)) * 1000,
    passed: clientsMissing === 0 && delivered === expected && p99Ms < LATENCY_P99_LIMIT_MS,
  };
}

/**
 * Steps the rate up by RATE_STEP from `startRate` until a step fails twice in a row (the machine is
 * shared: one slow moment of another process should not end the climb); returns every step measured.
 */
async function stepUp(label: string, startRate: number, measure: (step: string, rate: number) => Promise<StepResult>): Promise<StepResult[]> {
  const results: StepResult[] = [];
  let index = 0;
  for (let rate = startRate; ; rate = Math.ceil(rate * RATE_STEP)) {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const result = await measure(`${label}${index++}`, rate);
      results.push(result);
      process.stderr.write(
        `[alerts] ${label} ${rate} alerts/s: ${Math.round(result.deliveriesPerSecond)} deliveries/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ` +
          `${result.raiseP99Ms === undefined ? '' : `raise() p99 ${result.raiseP99Ms.toFixed(1)} ms, NOTIFY p99 ${result.notifyP99Ms?.toFixed(1)} ms, `}delivered ${result.delivered}/${result.expected}, ` +
          `duplicates ${result.duplicates}, disconnected ${result.disconnects}, server ${result.serverCpuMsPer1000.toFixed(0)} / clients ${result.clientsCpuMsPer1000.toFixed(0)} cpu ms per 1000, load ${loadavg()[0].toFixed(1)} → ${result.passed ? 'pass' : 'FAIL'}\n`,
      );
      if (result.passed) break;
      if (attempt === 2) return results;
    }
  }
}

interface NotificationWatch {
  /** p99 of raise call → NOTIFY received, for the alerts of `step` (forgotten once asked). */
  p99Ms(step: string): number | undefined;
  close(): Promise<void>;
}

/**
 * Tells the database's share of the latency from the API's: a plain LISTEN on the live channel, in
 * this process, receives each alert's NOTIFY when the API's adapter does.
 */
async function watchNotifications(url: string): Promise<NotificationWatch> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const latencies = new Map<string, number[]>();
  const zone = /"zoneId"\s*:\s*"([^"-]+)-\d+-([\d.]+)"/;
  client.on('notification', (notification) => {
    const at = now();
    const match = zone.exec(notification.payload ?? '');
    if (!match) return;
    if (!latencies.has(match[1])) latencies.set(match[1], []);
    latencies.get(match[1])!.push(at - Number(match[2]));
  });
  await client.query(`LISTEN "${LIVE_CHANNEL}"`);
  return {
    p99Ms(step) {
      const sorted = (latencies.get(step) ?? []).sort((a, b) => a - b);
      latencies.delete(step);
      return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] : undefined;
    },
    close: () => client.end(),
  };
}

const best = (results: StepResult[]) => results.filter((result) => result.passed).pop();

export async function run(args: string[]): Promise<void> {
  const clientCount = option(args, 'clients', 1000);
  const seconds = option(args, 'seconds', 5);
  const startRate = option(args, 'rate', 10);
  const processCount = Math.min(clientCount, option(args, 'client-processes', Math.min(8, Math.ceil(clientCount / 125))));
  const profile = args.includes('--profile');
  const name = `cityops_bench_alerts_${process.pid}`;
  const admin = await createScratchDatabase(name);
  const db = createDatabase(databaseUrl(name), 4);
  const children: ChildProcess[] = [];
  let notifications: NotificationWatch | undefined;
  const profileDir = profile ? mkdtempSync(path.join(tmpdir(), 'cityops-alerts-profile-')) : undefined;
  const profileOptions = (server: string) => (profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, server)}`] : []);
  try {
    await migrate(db);
    // Command-room users of every staff role; each client gets its own session, the row a login
    // opens (1,000 logins would spend minutes of CPU in scrypt, which is not what this measures).
    const users = await Promise.all(CAN_VIEW.map((role) => createUser(db, { username: `bench-${role}`, password: PASSWORD, role })));
    const cookies: string[] = [];
    for (let i = 0; i < clientCount; i++) {
      const session = await openSession(db, users[i % users.length].id, '127.0.0.1');
      cookies.push(`${SESSION_COOKIE}=${session.token}`);
    }
    await db.query(`INSERT INTO cameras (id, name, rtsp_url, lat, lon) VALUES ('bench-cam', 'Bench camera', 'rtsp://127.0.0.1/bench', 10.77, 106.7)`);

    const api = spawn(process.execPath, [...profileOptions('api'), '--import', 'tsx', path.join(HERE, 'bench-api.ts'), databaseUrl(name)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    children.push(api);
    const [line] = (await once(api.stdout!, 'data')) as [Buffer];
    // The rest of its output (warnings) is passed on, so the pipe never fills and blocks the API.
    api.stdout!.pipe(process.stderr);
    const apiUrl = `http://127.0.0.1:${/port (\d+)/.exec(line.toString())![1]}`;

    const clients = Array.from({ length: processCount }, () => spawnChild(path.join(HERE, 'fanout-clients.ts')));
    children.push(...clients);
    const share = (index: number) => cookies.filter((_, i) => i % processCount === index);
    await Promise.all(clients.map((child, index) => ask(child, { type: 'connect', url: apiUrl, cookies: share(index) } satisfies FanoutCommand)));

    notifications = await watchNotifications(databaseUrl(name));
    const producer = spawnChild(THIS_FILE, ['--produce', databaseUrl(name)]);
    children.push(producer);
    const conditions = `${clientCount} socket.io clients in ${processCount} processes, ${seconds} s steps`;
    const fanout = await stepUp('alerts', startRate, (step, rate) =>
      measureStep(clients, clientCount, api, step, rate, () => ask(producer, { type: 'steady', step, rate, seconds } satisfies ProducerCommand), notifications),
    );
    let burstSeconds = 0;
    const burst = await measureStep(clients, clientCount, api, 'burst', 0, async () => {
      const answer = await ask<{ count: number; startedAt: number; seconds: number }>(producer, { type: 'burst', step: 'burst', rate: 0, seconds: Math.min(5, seconds) } satisfies ProducerCommand);
      burstSeconds = answer.seconds;
      return answer;
    });
    const machine = `${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`;

    // The same clients, now on a bare socket.io server sending the same message.
    const sample = await db.query(`SELECT ${EVENT_MESSAGE_COLUMNS} FROM alert_events ORDER BY position DESC LIMIT 1`);
    const message: AlertEventMessage = eventMessageFromRow(sample.rows[0]);
    await Promise.all(clients.map((child) => ask(child, { type: 'close' } satisfies FanoutCommand)));
    api.kill('SIGTERM');
    await once(api, 'exit');
    const bare = spawn(process.execPath, [...profileOptions('bare'), '--import', 'tsx', path.join(HERE, 'bare-socketio-server.ts')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(bare);
    const { port } = await ask<{ port: number }>(bare, undefined);
    await Promise.all(clients.map((child, index) => ask(child, { type: 'connect', url: `http://127.0.0.1:${port}`, cookies: share(index) } satisfies FanoutCommand)));
    const bareStart = best(fanout)?.rate ?? startRate;
    const bareSteps = await stepUp('bare', bareStart, (step, rate) =>
      measureStep(clients, clientCount, bare, step, rate, () => ask(bare, { type: 'broadcast', step, rate, seconds, message } satisfies BareServerCommand)),
    );

    const printStep = (name: string, result: StepResult | undefined, what: string) =>
      console.log(
        result
          ? `${name}: ${Math.round(result.deliveriesPerSecond)} (${what}, ${conditions}, ${result.rate} alerts/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${result.delivered}/${result.expected} delivered, ${machine})`
          : `${name}: none (no step kept p99 under ${LATENCY_P99_LIMIT_MS} ms with every alert delivered, from ${startRate} alerts/s, ${conditions}, ${machine})`,
      );
    const fanoutBest = best(fanout);
    const bareBest = best(bareSteps);
    const fanoutFailed = fanout[fanout.length - 1];
    printStep('alerts.fanout_deliveries_per_s', fanoutBest, 'API process, alerts raised by a producer process');
    if (fanoutBest) {
      console.log(`alerts.fanout_latency_p50_ms: ${fanoutBest.p50Ms.toFixed(1)} (raise call to receipt, ${fanoutBest.rate} alerts/s, ${conditions})`);
      console.log(`alerts.fanout_latency_p99_ms: ${fanoutBest.p99Ms.toFixed(1)} (raise call to receipt, ${fanoutBest.rate} alerts/s, ${conditions})`);
      console.log(`alerts.notify_latency_p99_ms: ${fanoutBest.notifyP99Ms?.toFixed(1)} (raise call to its NOTIFY at a plain LISTEN: the database's share, ${fanoutBest.rate} alerts/s)`);
      console.log(`alerts.api_cpu_ms_per_1000_deliveries: ${fanoutBest.serverCpuMsPer1000.toFixed(1)} (API process, ${fanoutBest.rate} alerts/s; clients ${fanoutBest.clientsCpuMsPer1000.toFixed(1)})`);
    }
    console.log(
      `alerts.fanout_first_failed_step: ${fanoutFailed.rate} alerts/s (${Math.round(fanoutFailed.deliveriesPerSecond)} deliveries/s, p99 ${fanoutFailed.p99Ms.toFixed(1)} ms, NOTIFY p99 ${fanoutFailed.notifyP99Ms?.toFixed(1)} ms, ` +
        `${fanoutFailed.delivered}/${fanoutFailed.expected} delivered, ${fanoutFailed.clientsMissing} clients missing some)`,
    );
    const duplicates = [...fanout, burst, ...bareSteps].reduce((sum, result) => sum + result.duplicates, 0);
    console.log(`alerts.duplicates: ${duplicates} (copies of an alert a client already had, every step of both servers and the burst)`);
    printStep('alerts.bare_socketio_deliveries_per_s', bareBest, 'bare socket.io server process, same message, same clients');
    if (bareBest) console.log(`alerts.bare_socketio_cpu_ms_per_1000_deliveries: ${bareBest.serverCpuMsPer1000.toFixed(1)} (bare server process, ${bareBest.rate} alerts/s; clients ${bareBest.clientsCpuMsPer1000.toFixed(1)})`);
    const efficiency = fanoutBest && bareBest ? (fanoutBest.deliveriesPerSecond / bareBest.deliveriesPerSecond).toFixed(2) : 'none';
    console.log(`alerts.fanout_efficiency: ${efficiency} (alerts.fanout_deliveries_per_s ÷ alerts.bare_socketio_deliveries_per_s, both measured above)`);
    console.log(
      `alerts.per_s: ${Math.round(burst.alerts / burstSeconds)} (8 concurrent producers in one worker process, each a new alert committed; ` +
        `${burst.delivered}/${burst.expected} delivered to ${clientCount} clients, p99 ${burst.p99Ms.toFixed(0)} ms, ${machine})`,
    );
    if (profileDir) {
      // The bare server writes its profile at exit; the API's is already written.
      await Promise.all(clients.map((child) => ask(child, { type: 'close' } satisfies FanoutCommand)));
      bare.kill('SIGTERM');
      await once(bare, 'exit');
      printProfile(path.join(profileDir, 'api'), 'API process');
      printProfile(path.join(profileDir, 'bare'), 'bare socket.io server process');
    }
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    await notifications?.close();
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * A server's top functions by self time, from the profiles `node --cpu-prof` wrote at its exit: one
 * per thread (tsx loads modules in a worker thread); the main thread's is the largest.
 */
function printProfile(directory: string, server: string) {
  const files = existsSync(directory) ? readdirSync(directory).map((file) => path.join(directory, file)) : [];
  const file = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!file) return console.log(`# no CPU profile was written for the ${server}`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfMs = new Map<string, number>();
  let busyMs = 0;
  let idleMs = 0;
  profile.samples.forEach((id, index) => {
    const frame = nodes.get(id)!;
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    const where = frame.url ? `${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(?=[a-z]+\/)/, '')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    busyMs += ms;
    selfMs.set(key, (selfMs.get(key) ?? 0) + ms);
  });
  console.log(`# ${server} CPU profile, whole run: ${(busyMs / 1000).toFixed(1)} s busy, ${(idleMs / 1000).toFixed(1)} s idle; top functions by self time (% of busy):`);
  for (const [key, ms] of [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`#   ${((ms / busyMs) * 100).toFixed(1).padStart(5)} %  ${key}`);
}

type ProducerCommand = { type: 'steady' | 'burst'; step: string; rate: number; seconds: number };

/**
 * The worker process of the benchmark, driven over IPC: `steady` raises `rate` new alerts per second
 * for `seconds` (each on schedule, not waiting for the previous one) and answers when all are
 * committed; `burst` raises as fast as 8 concurrent producers go.
 */
function produce(url: string): void {
  const db = createDatabase(url, 10);
  const raiser = createAlertRaiser({ db });
  const trigger = (step: string, n: number) =>
    raiser.raise({ sourceType: 'camera', sourceId: 'bench-cam', kind: 'crowd', zoneId: `${step}-${n}-${now()}`, severity: 'minor', title: { vi: 'Đám đông', en: 'Crowd' } });
  process.on('message', (command: ProducerCommand) => {
    void (async () => {
      if (command.type === 'steady') {
        const pending: Promise<unknown>[] = [];
        const durationsMs: number[] = [];
        const result = await paced(command.rate, command.seconds, (n) => {
          const calledAt = now();
          pending.push(trigger(command.step, n).then(() => durationsMs.push(now() - calledAt)));
        });
        await Promise.all(pending);
        durationsMs.sort((a, b) => a - b);
        process.send!({ type: 'done', ...result, raiseP99Ms: durationsMs[Math.min(durationsMs.length - 1, Math.floor(durationsMs.length * 0.99))] });
      } else {
        const startedAt = now();
        let count = 0;
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            while (now() - startedAt < command.seconds * 1000) await trigger(command.step, count++);
          }),
        );
        process.send!({ type: 'done', count, startedAt, seconds: (now() - startedAt) / 1000 });
      }
    })().catch((error: Error) => process.send!({ type: 'error', message: error.message }));
  });
  process.on('disconnect', () => void db.end().then(() => process.exit(0)));
}

const runDirectly = process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (runDirectly && process.argv[2] === '--produce') produce(process.argv[3]);
