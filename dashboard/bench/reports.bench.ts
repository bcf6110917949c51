// `npm run bench -- reports [--reports 1000] [--concurrency 16] [--rate 20] [--seconds 10] [--profile DIR]`
// (--profile: a V8 CPU profile of the api process into DIR; read it with ops/bench/cpu-profile-summary.ts)
// Quick try: `npm run bench -- reports --reports 200 --seconds 4`.
//
// Residents' reports, end to end, beside the machine's own limit, in one run:
// - the real api role in its own process behind a trusted proxy (each report from its own address and
//   device, as from a crowd of residents), a district covering the bench's city, an operator's socket.io client in the staff room;
// - every report is a multipart POST /api/public/reports with one 1600 px JPEG photo (~250 kB) as the report page
//   sends it (shrunk by the phone's canvas, no EXIF), a random category and a random place in the city;
// - `reports.accepted_per_s`: `--reports` reports, `--concurrency` in flight at a time, as fast as the
//   server takes them (201s per second of wall time);
// - `reports.to_operator_screen_p95_ms`: `--rate` reports a second for `--seconds` → the operator's
//   socket receives the `incident:changed` that counts the report (the incident it opened or joined);
// - the same two figures against a bare fastify + multipart + socket.io server that only reads the
//   upload and emits (bare-upload-server.ts), and the ratios;
// - `reports.cpu_ms_per_report`: CPU time per accepted report during the throughput run, of the api
//   process, of the PostgreSQL backends serving its database, of this process (the residents' phones),
//   and of the bare server: on a shared machine the rate moves with the neighbours' load, CPU per report much less.
// Needs PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres);
// creates and drops a scratch database.
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { io, type Socket } from 'socket.io-client';
import { openSession, SESSION_COOKIE } from '@cityops/core/auth/sessions';
import { createUser } from '@cityops/core/auth/users';
import { migrate } from '@cityops/core/database/migrate';
import { createDatabase, type Database } from '@cityops/core/database/pool';
import { REPORT_CATEGORIES } from '@cityops/contract/citizen-reports';
import type { IncidentView } from '@cityops/contract/incidents';
import { paced } from './paced.ts';
import { processCpuMs, quantile, startServer } from './child-server.ts';
import { createScratchDatabase, databaseUrl, option } from './bench-options.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const now = () => performance.timeOrigin + performance.now();
const ACCEPTED_GOAL_PER_S = 200;
const SCREEN_GOAL_MS = 2000;
const DRAIN_MS = 10_000;
/**
 * The api's once-a-day work (the leaders' PDF reports, the open data files) would run at its start,
 * inside the measured minute: off, so the figures are of the reports alone.
 */
const QUIET_API = ['LEADER_REPORTS_SCHEDULE=false', 'OPEN_DATA_DAILY_FILES=false'];
/** The bench's city: 22 × 22 km, one district. */
const CITY = { south: 10.7, west: 106.6, north: 10.9, east: 106.8 };

/**
 * A phone's photo as the report page sends it: a street scene, 1600 px wide, JPEG quality 0.82, no EXIF.
 * The sample video's frame is smoother than a 12-megapixel sensor's picture; grain brings it to the
 * ~250 kB a phone's shrunk photo weighs.
 */
async function phonePhoto(): Promise<Buffer> {
  const assets = process.env.ASSET_MIRROR_DIR ?? path.resolve(HERE, '..', '..', '..', 'shared', 'assets');
  const video = path.join(assets, 'video', 'traffic.mp4');
  if (existsSync(video)) {
    const { stdout } = await promisify(execFile)('ffmpeg', ['-v', 'error', '-ss', '3', '-i', video, '-frames:v', '1', '-vf', 'scale=1600:-2,noise=alls=14:allf=t', '-f', 'image2pipe', '-c:v', 'png', '-'], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    return sharp(stdout).jpeg({ quality: 82 }).toBuffer();
  }
  // Without the sample video: a textured picture of the same size compresses about as a street does.
  return sharp({ create: { width: 1600, height: 900, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).blur(1.2).jpeg({ quality: 82 }).toBuffer();
}

/**
 * Report n comes from resident n: their own network address (through the trusted proxy, as behind a
 * city's load balancer) and their own device id, so the per-address and per-device limits count as
 * they would for a crowd rather than refusing one machine that sends everything.
 */
const residentHeaders = (n: number) => ({
  'idempotency-key': `bench-report-${n}`,
  'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
  // As the report page names its device: in the form and in this header.
  'x-device-id': `bench-device-${n}`,
});

const BOUNDARY = 'cityops-bench-report-boundary';
/** The photo part's closing line: the same for every report. */
const FORM_END = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

/**
 * Report n's multipart body as the report page sends it (the fields, then the photo), in three chunks:
 * the small per-report head (category, place, description, device id and the photo part's header), the
 * photo's bytes (one buffer shared by every report, never copied) and the closing boundary. Building a
 * FormData with a Blob per report made the phones copy and re-encode 250 kB each time: on 2 cores that
 * cost was the bench's, not the server's, and it capped the bare figure too.
 */
function reportBody(photo: Buffer, n: number): Buffer[] {
  const fields: Array<[string, string]> = [
    ['category', REPORT_CATEGORIES[n % REPORT_CATEGORIES.length]],
    ['lat', String(CITY.south + Math.random() * (CITY.north - CITY.south))],
    ['lon', String(CITY.west + Math.random() * (CITY.east - CITY.west))],
    ['description', String(n)],
    ['deviceId', `bench-device-${n}`],
  ];
  const head =
    fields.map(([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('') +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
  return [Buffer.from(head), photo, FORM_END];
}

/** The residents' phones share keep-alive connections, as a browser reuses its connection to the city's site. */
const phones = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs report n's form to `url`; answers the status and the (short) answer's text. */
function postReport(url: URL, photo: Buffer, n: number, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const body = reportBody(photo, n);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: phones,
        headers: { ...headers, 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(body.reduce((sum, chunk) => sum + chunk.length, 0)) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    for (const chunk of body) request.write(chunk);
    request.end();
  });
}

/** Sends `count` uploads with `concurrency` in flight; answers the accepted count and the wall time. */
async function flood(url: string, photo: Buffer, count: number, concurrency: number, first: number): Promise<{ accepted: number; seconds: number; refused: string[] }> {
  let next = 0;
  let accepted = 0;
  const refused: string[] = [];
  const target = new URL(url);
  const started = now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const n = first + next++;
        const response = await postReport(target, photo, n, residentHeaders(n));
        if (response.status === 201) accepted++;
        else refused.push(`${response.status} ${response.text.slice(0, 120)}`);
      }
    }),
  );
  return { accepted, seconds: (now() - started) / 1000, refused };
}

interface CpuSample {
  api: number;
  /** Per backend pid of the bench's database (the api's pool connections, the operator's session's listener...). */
  backends: Map<number, number>;
  client: NodeJS.CpuUsage;
}

async function cpuNow(db: Database, database: string, apiPid: number): Promise<CpuSample> {
  const { rows } = await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
  return { api: processCpuMs(apiPid), backends: new Map(rows.map((row) => [Number(row.pid), processCpuMs(Number(row.pid))])), client: process.cpuUsage() };
}

/** CPU ms per report between two samples; a backend opened meanwhile counts from 0. */
function cpuSince(before: CpuSample, after: CpuSample, reports: number): { api: number; postgres: number; client: number } {
  let postgres = 0;
  for (const [pid, ms] of after.backends) postgres += ms - (before.backends.get(pid) ?? 0);
  const client = process.cpuUsage(before.client);
  const per = (ms: number) => ms / Math.max(1, reports);
  return { api: per(after.api - before.api), postgres: per(postgres), client: per((client.user + client.system) / 1000) };
}

async function connect(url: string, cookie?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], extraHeaders: cookie ? { cookie } : {}, reconnection: false, forceNew: true });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function settle(isDone: () => boolean): Promise<void> {
  const started = Date.now();
  while (!isDone() && Date.now() - started < DRAIN_MS) await new Promise((resolve) => setTimeout(resolve, 50));
}

export async function run(args: string[]): Promise<void> {
  const reportCount = option(args, 'reports', 1000);
  const concurrency = option(args, 'concurrency', 16);
  const rate = option(args, 'rate', 20);
  const seconds = option(args, 'seconds', 10);
  const name = `cityops_bench_reports_${process.pid}`;
  const admin = await createScratchDatabase(name);
  const db = createDatabase(databaseUrl(name), 4);
  const children: ChildProcess[] = [];
  const sockets: Socket[] = [];
  // The photos go where a real api keeps them, a directory of files (REPORT_MEDIA_DIR), on this machine's disk.
  const mediaDir = mkdtempSync(path.join(tmpdir(), 'cityops-bench-report-media-'));
  try {
    await migrate(db);
    const ring = [[CITY.west, CITY.south], [CITY.east, CITY.south], [CITY.east, CITY.north], [CITY.west, CITY.north], [CITY.west, CITY.south]];
    await db.query(`INSERT INTO districts (id, name, geometry) VALUES ('bench', 'Bench district', $1)`, [JSON.stringify({ type: 'Polygon', coordinates: [ring] })]);
    const operator = await createUser(db, { username: 'bench-operator', password: 'bench-password-not-secret', role: 'operator' });
    const cookie = `${SESSION_COOKIE}=${(await openSession(db, operator.id, '127.0.0.1')).token}`;
    const photo = await phonePhoto();

    const profileAt = args.indexOf('--profile');
    const profile = profileAt >= 0 ? ['--cpu-prof', `--cpu-prof-dir=${args[profileAt + 1]}`] : [];
    const api = await startServer(path.join(HERE, 'bench-api.ts'), [databaseUrl(name), 'TRUST_PROXY=loopback', `REPORT_MEDIA_DIR=${mediaDir}`, ...QUIET_API], profile);
    children.push(api.child);
    // Every incident:changed the operator's screen receives: when, and how many reports it counted.
    const screen = new Map<number, Array<{ at: number; reportCount: number }>>();
    const operatorSocket = await connect(api.url, cookie);
    sockets.push(operatorSocket);
    operatorSocket.on('incident:changed', (incident: IncidentView) => {
      const seen = screen.get(incident.id) ?? [];
      seen.push({ at: now(), reportCount: incident.reportCount });
      screen.set(incident.id, seen);
    });

    // 1. Throughput: as fast as the server takes them.
    const uploadUrl = `${api.url}/api/public/reports`;
    const cpuBefore = await cpuNow(db, name, api.child.pid!);
    const throughput = await flood(uploadUrl, photo, reportCount, concurrency, 0);
    const cpu = cpuSince(cpuBefore, await cpuNow(db, name, api.child.pid!), throughput.accepted);

    // 2. Latency at a steady rate: report n sent → the screen counts it in its incident.
    const sentAt = new Map<number, number>();
    const pending: Promise<unknown>[] = [];
    const latencyCount = Math.round(rate * seconds);
    await paced(rate, seconds, (i) => {
      const n = reportCount + i;
      sentAt.set(n, now());
      pending.push(postReport(new URL(uploadUrl), photo, n, residentHeaders(n)));
    });
    await Promise.all(pending);
    // Which incident each timed report is in, and how many reports that incident held once it was (its rank).
    const placed = await db.query(
      `SELECT description::int AS n, incident_id, rank() OVER (PARTITION BY incident_id ORDER BY id) AS k FROM citizen_reports`,
    );
    const ranked = placed.rows.filter((row) => sentAt.has(Number(row.n))).map((row) => ({ n: Number(row.n), incidentId: Number(row.incident_id), k: Number(row.k) }));
    const shown = (item: { n: number; incidentId: number; k: number }) => screen.get(item.incidentId)?.find((seen) => seen.reportCount >= item.k && seen.at >= sentAt.get(item.n)!);
    await settle(() => ranked.every((item) => shown(item)));
    const screenLatencies = ranked.flatMap((item) => {
      const seen = shown(item);
      return seen ? [seen.at - sentAt.get(item.n)!] : [];
    });
    const stats = await db.query(`SELECT count(*)::int AS reports, count(DISTINCT incident_id)::int AS incidents FROM citizen_reports`);
    const photoKb = Math.round(photo.length / 1024);

    // 3. The machine's limit: the same uploads to a bare multipart + socket.io server.
    const bare = await startServer(path.join(HERE, 'bare-upload-server.ts'), []);
    children.push(bare.child);
    const bareSocket = await connect(bare.url);
    sockets.push(bareSocket);
    const bareSeen = new Map<number, number>();
    bareSocket.on('bare:report', (message: { n: number }) => bareSeen.set(message.n, now()));
    const bareCpuBefore = processCpuMs(bare.child.pid!);
    const bareThroughput = await flood(`${bare.url}/upload`, photo, reportCount, concurrency, 0);
    const bareCpuPerReport = (processCpuMs(bare.child.pid!) - bareCpuBefore) / Math.max(1, bareThroughput.accepted);
    const bareSentAt = new Map<number, number>();
    const barePending: Promise<unknown>[] = [];
    await paced(rate, seconds, (i) => {
      const n = reportCount + i;
      bareSentAt.set(n, now());
      barePending.push(postReport(new URL(`${bare.url}/upload`), photo, n, {}));
    });
    await Promise.all(barePending);
    await settle(() => [...bareSentAt.keys()].every((n) => bareSeen.has(n)));
    const bareLatencies = [...bareSentAt].filter(([n]) => bareSeen.has(n)).map(([n, at]) => bareSeen.get(n)! - at);

    const machine = `${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`;
    const acceptedPerS = throughput.accepted / throughput.seconds;
    const barePerS = bareThroughput.accepted / bareThroughput.seconds;
    const screenP95 = quantile(screenLatencies, 0.95);
    const bareP95 = quantile(bareLatencies, 0.95);
    console.log(
      `reports.accepted_per_s: ${acceptedPerS.toFixed(1)} (${throughput.accepted}/${reportCount} accepted in ${throughput.seconds.toFixed(1)} s, ${throughput.refused.length} refused${throughput.refused.length ? ` (${throughput.refused[0]})` : ''}; ` +
        `each with one ${photoKb} kB 1600 px JPEG photo, ${concurrency} in flight, random category and place; ${stats.rows[0].reports} reports in ${stats.rows[0].incidents} incidents at the end; real api role in its own process; ` +
        `goal ≥ ${ACCEPTED_GOAL_PER_S} ${acceptedPerS >= ACCEPTED_GOAL_PER_S ? 'met' : 'missed'}; ${machine})`,
    );
    console.log(`reports.bare_accepted_per_s: ${barePerS.toFixed(1)} (the same uploads to a bare fastify multipart server that only reads them; ${bareThroughput.accepted}/${reportCount})`);
    console.log(`reports.accepted_ratio: ${(acceptedPerS / barePerS).toFixed(2)} (accepted_per_s ÷ bare_accepted_per_s)`);
    console.log(
      `reports.cpu_ms_per_report: ${(cpu.api + cpu.postgres).toFixed(1)} (api process ${cpu.api.toFixed(1)} + PostgreSQL backends ${cpu.postgres.toFixed(1)}; ` +
        `the sending phones (this process) ${cpu.client.toFixed(1)}; bare server ${bareCpuPerReport.toFixed(1)}; ${cpus().length} cores = ${((cpus().length * 1000) / (cpu.api + cpu.postgres + cpu.client)).toFixed(0)} reports/s if the machine were the bench's alone)`,
    );
    console.log(
      `reports.to_operator_screen_p95_ms: ${screenP95.toFixed(1)} (POST → the operator's socket receives the incident:changed counting the report; p50 ${quantile(screenLatencies, 0.5).toFixed(1)}, max ${Math.max(...screenLatencies).toFixed(1)}; ` +
        `${screenLatencies.length}/${latencyCount} seen; ${rate}/s for ${seconds} s; goal < ${SCREEN_GOAL_MS} ${screenP95 < SCREEN_GOAL_MS ? 'met' : 'missed'})`,
    );
    console.log(`reports.bare_upload_to_socket_p95_ms: ${bareP95.toFixed(1)} (the same uploads to the bare server, which emits to one socket; ${bareLatencies.length}/${latencyCount} seen)`);
    console.log(`reports.screen_ratio: ${(screenP95 / bareP95).toFixed(1)} (to_operator_screen_p95_ms ÷ bare_upload_to_socket_p95_ms)`);
  } finally {
    phones.destroy();
    for (const socket of sockets) socket.close();
    for (const child of children) child.kill('SIGTERM');
    await db.end();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    rmSync(mediaDir, { recursive: true, force: true });
  }
}
