// `npm run bench -- alerts [--rate 100] [--seconds 10] [--clients 200]`
// Trigger-to-client latency of live alerts: an API process (a child, as in production) with N
// socket.io clients connected as operators; this process raises alerts at a steady rate, as a
// worker would, and every client measures when each alert reaches it. Then the highest rate the
// raise path sustains with the same clients connected.
// Needs PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres);
// creates and drops a scratch database.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { WebSocket } from 'ws';
import { io, type Socket } from 'socket.io-client';
import { createAlertRaiser } from '@cityops/core/alerts/raise';
import type { AlertEventMessage } from '@cityops/contract/alerts';
import { createUser } from '@cityops/core/auth/users';
import { loadConfig } from '@cityops/core/config';
import { detectCapabilities } from '@cityops/core/database/capabilities';
import { migrate } from '@cityops/core/database/migrate';
import { createDatabase, type Database } from '@cityops/core/database/pool';
import { createLogger } from '@cityops/core/logger';
import { connectMqtt } from '@cityops/core/mqtt/connect';
import { SecretBox } from '@cityops/core/secret-box';

const PASSWORD = 'bench-password-not-secret';
const THIS_FILE = fileURLToPath(import.meta.url);
const adminUrl = () => process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseUrl = (name: string) => Object.assign(new URL(adminUrl()), { pathname: `/${name}` }).toString();
const now = () => performance.timeOrigin + performance.now();

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  const value = index >= 0 ? Number(args[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} expects a positive number`);
  return value;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export async function run(args: string[]): Promise<void> {
  const rate = option(args, 'rate', 100);
  const seconds = option(args, 'seconds', 10);
  const clientCount = option(args, 'clients', 200);
  // 'wire' clients speak the socket.io protocol over a plain WebSocket and only look for what they
  // measure, so the figure is the server's, not the cost of 200 socket.io-client stacks sharing
  // this process's one core; `--client socket.io` uses the real client library instead.
  const clientKind = args.includes('--client') ? args[args.indexOf('--client') + 1] : 'wire';
  if (clientKind !== 'wire' && clientKind !== 'socket.io') throw new Error('--client expects wire or socket.io');
  const name = `cityops_bench_alerts_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const db = createDatabase(databaseUrl(name), 12);
  let server: ChildProcess | undefined;
  let producer: ChildProcess | undefined;
  const sockets: Socket[] = [];
  const wires: WebSocket[] = [];
  try {
    await migrate(db);
    await createUser(db, { username: 'bench-operator', password: PASSWORD, role: 'operator' });
    await db.query(`INSERT INTO cameras (id, name, rtsp_url, lat, lon) VALUES ('bench-cam', 'Bench camera', 'rtsp://127.0.0.1/bench', 10.77, 106.7)`);

    server = spawn(process.execPath, ['--import', 'tsx', THIS_FILE, '--serve', databaseUrl(name)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(server.stdout!, 'data')) as [Buffer];
    const baseUrl = `http://127.0.0.1:${/port (\d+)/.exec(line.toString())![1]}`;
    const login = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench-operator', password: PASSWORD }) });
    const cookie = login.headers.getSetCookie()[0].split(';')[0];

    // Each alert's zone carries its trigger time (`<phase>-<n>-<ms since epoch>`), set by the producer
    // just before raise(); every client records when the alert reaches it.
    const latencies: number[] = [];
    let burstDeliveries = 0;
    const received = (zoneId: string) => {
      const [phase, , at] = zoneId.split('-');
      if (phase === 'steady') latencies.push(now() - Number(at));
      else burstDeliveries++;
    };
    for (let i = 0; i < clientCount; i++) {
      if (clientKind === 'socket.io') {
        const socket = io(baseUrl, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true });
        socket.on('alert:event', (event: AlertEventMessage) => event.type === 'raised' && received(event.alert.source.zoneId));
        sockets.push(socket);
        await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
      } else {
        wires.push(await connectWireClient(baseUrl, cookie, received));
      }
    }

    const apiCpuBefore = processCpuMs(server.pid!);
    const benchCpuBefore = process.cpuUsage();
    // The producer is another process, as camera and sensor workers are.
    producer = spawn(process.execPath, ['--import', 'tsx', THIS_FILE, '--produce', databaseUrl(name), String(rate), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    producer.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await once(producer, 'exit');
    const result = JSON.parse(output.trim().split('\n').pop()!) as { steadyAlerts: number; steadySeconds: number; steadyCpuMs: number; burstAlerts: number; burstSeconds: number };
    const expected = result.steadyAlerts * clientCount;
    const apiCpuMs = processCpuMs(server.pid!) - apiCpuBefore;
    const clientsCpu = process.cpuUsage(benchCpuBefore);
    const deadline = Date.now() + 10_000;
    while (latencies.length + burstDeliveries < (result.steadyAlerts + result.burstAlerts) * clientCount && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const conditions = `${clientCount} ${clientKind} clients, ${rate} alerts/s`;
    // The machine is shared: the load average says how much of it the benchmark had.
    const machine = `${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`;
    console.log(`alerts.latency_p50_ms: ${percentile(sorted, 50).toFixed(1)} (${conditions})`);
    console.log(`alerts.latency_p99_ms: ${percentile(sorted, 99).toFixed(1)} (${conditions})`);
    console.log(`alerts.latency_max_ms: ${sorted[sorted.length - 1].toFixed(1)} (${conditions})`);
    console.log(`alerts.delivered: ${latencies.length}/${expected} (${conditions}, ${result.steadyAlerts} alerts raised in ${result.steadySeconds.toFixed(1)} s, ${machine})`);
    const allAlerts = result.steadyAlerts + result.burstAlerts;
    console.log(`alerts.producer_cpu_ms_per_alert: ${(result.steadyCpuMs / result.steadyAlerts).toFixed(2)} (raise in the worker process, steady phase)`);
    console.log(`alerts.api_cpu_ms_per_alert: ${(apiCpuMs / allAlerts).toFixed(2)} (API process, ${clientCount} clients, both phases)`);
    console.log(`alerts.clients_cpu_ms_per_alert: ${((clientsCpu.user + clientsCpu.system) / 1000 / allAlerts).toFixed(2)} (the ${clientCount} ${clientKind} clients in this process)`);
    const perSecond = result.burstAlerts / result.burstSeconds;
    console.log(`alerts.per_s: ${Math.round(perSecond)} (${clientCount} ${clientKind} clients, 8 concurrent producers in one worker process, each a new alert committed and published, ${machine})`);
    console.log(`alerts.burst_delivered: ${burstDeliveries}/${result.burstAlerts * clientCount} (${clientCount} clients)`);
  } finally {
    for (const socket of sockets) socket.close();
    for (const wire of wires) wire.close();
    if (producer && producer.exitCode === null) producer.kill('SIGTERM');
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

/** CPU time (user + system) a process has used, from /proc (Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * A socket.io client reduced to the wire (Engine.IO 4 over WebSocket): connects to the default
 * namespace, answers pings, and reports the zone of each raised alert without parsing the rest.
 */
async function connectWireClient(baseUrl: string, cookie: string, onRaised: (zoneId: string) => void): Promise<WebSocket> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers: { cookie } });
  // Each benchmark alert is raised once and changed no more: its zone identifies the raise.
  const raised = /^42\["alert:event",.*?"zoneId": ?"([^"]+)"/;
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('0')) socket.send('40');
      else if (text.startsWith('40')) resolve();
      else if (text.startsWith('44')) reject(new Error(`refused: ${text}`));
      else if (text === '2') socket.send('3');
      else {
        const match = raised.exec(text);
        if (match) onRaised(match[1]);
      }
    });
  });
  return socket;
}

/** The worker process of the benchmark: steady triggers at `rate`, then as fast as 8 producers go. */
async function produce(url: string, rate: number, seconds: number): Promise<void> {
  const db = createDatabase(url, 10);
  const raiser = createAlertRaiser({ db });
  await db.query('SELECT 1');
  const trigger = (phase: string, n: number) =>
    raiser.raise({ sourceType: 'camera', sourceId: 'bench-cam', kind: 'crowd', zoneId: `${phase}-${n}-${now()}`, severity: 'minor', title: { vi: 'Đám đông', en: 'Crowd' } });

  // Steady: one trigger every 1000/rate ms, each a new alert, not waiting for the previous one.
  const steadyAlerts = Math.round(rate * seconds);
  const pending: Promise<unknown>[] = [];
  const start = now();
  const cpuAtStart = process.cpuUsage();
  const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system - cpuAtStart.user - cpuAtStart.system) / 1000;
  for (let n = 0; n < steadyAlerts; n++) {
    const wait = start + (n * 1000) / rate - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(trigger('steady', n));
  }
  await Promise.all(pending);
  const steadySeconds = (now() - start) / 1000;
  const steadyCpuMs = cpuMs(process.cpuUsage());
  await new Promise((resolve) => setTimeout(resolve, 2000)); // let deliveries drain before the burst

  const burstStart = now();
  let burstAlerts = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (now() - burstStart < Math.min(5, seconds) * 1000) await trigger('burst', burstAlerts++);
    }),
  );
  const burstSeconds = (now() - burstStart) / 1000;
  await db.end();
  process.stdout.write(`${JSON.stringify({ steadyAlerts, steadySeconds, steadyCpuMs, burstAlerts, burstSeconds })}\n`);
}

/** The API process of the benchmark: the real api role on an ephemeral port. */
async function serve(url: string): Promise<void> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: url, SECRET_KEY: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn', SIMULATE: 'false' }, []);
  const db: Database = createDatabase(url, 10);
  const { ApiRole } = await import('../server/role.ts');
  const { featureRoutes } = await import('../../apps/routes.ts');
  const role = new ApiRole({
    config,
    db,
    caps: await detectCapabilities(db),
    logger: createLogger(config.LOG_LEVEL),
    secretBox: SecretBox.fromConfig(config.SECRET_KEY, config.dataDir),
    connectMqtt: (clientId, options) => connectMqtt(config, clientId, options),
  }, featureRoutes);
  await role.start();
  process.stdout.write(`listening on port ${role.port}\n`);
  process.once('SIGTERM', () => void role.stop().then(() => db.end()).then(() => process.exit(0)));
}

const runDirectly = process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (runDirectly && process.argv[2] === '--serve') void serve(process.argv[3]);
if (runDirectly && process.argv[2] === '--produce') void produce(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
