// `npm run bench -- slots [--cameras 1000] [--slots 50] [--hours 6] [--period-minutes 30] [--seconds 90] [--fps 1] [--events 30]`
// Analysis slots at city scale: 1,000 registered cameras, 50 slots.
//  1. Simulated hours (leader on the real PostgreSQL, simulated clock): busy cameras whose motion comes
//     and goes, alerts injected at random, a tide alarm near a few cameras for an hour, streams that
//     drop out. Prints the fraction of cameras analysed within N minutes all along, and slot churn.
//  2. Cheap tier: the real slot hook (motion + reports) for every camera on real video frames; CPU of
//     this process per 100 cameras. Then ffmpeg decoding an H.264 stream to 416x416 frames, the part
//     camera-ingest pays per watched camera, fully and keyframes only.
//  3. Real time: the analytics role (leader + worker with the real YOLOX model, a child process, as in
//     production) with 50 slots; this process is camera ingest for 1,000 cameras (the real hook on
//     real video frames); events (alerts) are raised on watched cameras; time from each event to its
//     camera's first analysed frame, p50/p99.
// Needs PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
// and an MQTT broker (MQTT_URL or TEST_MQTT_URL, default mqtt://127.0.0.1:1883); creates and drops a scratch database.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createAlertRaiser } from '@cityops/core/alerts/raise';
import { loadConfig } from '@cityops/core/config';
import { detectCapabilities } from '@cityops/core/database/capabilities';
import { migrate } from '@cityops/core/database/migrate';
import { createDatabase, type Database } from '@cityops/core/database/pool';
import { createLivePublisher } from '@cityops/core/live/publisher';
import { createLogger } from '@cityops/core/logger';
import { connectMqtt } from '@cityops/core/mqtt/connect';
import type { RoleContext } from '@cityops/core/role-context';
import { SecretBox } from '@cityops/core/secret-box';
import { SlotFrameHook } from '../slots/ingest-hook.ts';
import { SlotLeader } from '../slots/leader.ts';
import { decodeVideoFile, type DecodedFrame } from '../video/decode-file.ts';

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(THIS_FILE), '..', '..');
const adminUrl = () => process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseUrl = (name: string) => Object.assign(new URL(adminUrl()), { pathname: `/${name}` }).toString();
const mqttUrl = () => process.env.MQTT_URL ?? process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const assetDir = () => process.env.ASSET_MIRROR_DIR ?? path.resolve(ROOT, '..', 'shared', 'assets');
const logger = createLogger(process.env.BENCH_LOG_LEVEL ?? 'silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  const value = index >= 0 ? Number(args[index + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} expects a number ≥ 0`);
  return value;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Deterministic pseudo-random numbers (mulberry32): the same run each time. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Camera {
  id: string;
  lat: number;
  lon: number;
}

/** Cameras spread over Hồ Chí Minh City (about 30 x 30 km), 1 km apart or so. */
function cityCameras(count: number): Camera[] {
  const side = Math.ceil(Math.sqrt(count));
  return Array.from({ length: count }, (_, i) => ({
    id: `bench-cam-${String(i).padStart(4, '0')}`,
    lat: 10.65 + Math.floor(i / side) * (0.3 / side),
    lon: 106.55 + (i % side) * (0.3 / side),
  }));
}

async function registerCameras(db: Database, cameras: Camera[]): Promise<void> {
  await db.query(
    `INSERT INTO cameras (id, name, rtsp_url, lat, lon, detect_fps)
     SELECT id, 'Bench ' || id, 'rtsp://127.0.0.1:1/' || id, lat, lon, 1 FROM unnest($1::text[], $2::float8[], $3::float8[]) AS c(id, lat, lon)`,
    [cameras.map((c) => c.id), cameras.map((c) => c.lat), cameras.map((c) => c.lon)],
  );
}

async function loadFrames(): Promise<DecodedFrame[]> {
  const frames: DecodedFrame[] = [];
  for (const file of ['traffic.mp4', 'people.mp4']) {
    for await (const frame of decodeVideoFile(path.join(assetDir(), 'video', file), { fps: 2, width: 416, height: 416, padValue: 114 })) {
      frames.push({ ...frame, data: Uint8Array.from(frame.data) });
    }
  }
  return frames;
}

// ---------------------------------------------------------------------------------------------------
// 1. Simulated hours.

async function simulatedRun(db: Database, cameras: Camera[], slots: number, hours: number, periodMinutes: number): Promise<void> {
  const tickMs = 5000;
  const rand = random(7);
  const ids = cameras.map((c) => c.id);
  const busy = ids.filter((_, i) => i % 4 === 0);
  await db.query(
    `INSERT INTO camera_activity (camera_id, motion_score, stream_online, last_frame_at, reported_by)
     SELECT id, 0.5, true, 'infinity', 'bench' FROM unnest($1::text[]) AS a(id)`,
    [ids],
  );
  const start = Date.parse('2026-07-01T00:00:00Z');
  let now = start;
  const leader = new SlotLeader({
    db,
    logger,
    id: 'bench-simulated',
    clock: () => now,
    settings: {
      slotCount: slots,
      intervalMs: tickMs,
      leaseMs: 15_000,
      scheduler: { minHoldMs: 60_000, roundRobinPeriodMs: periodMinutes * 60_000 },
      signals: { sensorRadiusM: 1000, sensorMinLevel: 2, recentEventMs: 10 * 60_000, streamStaleMs: 20_000, timeZone: 'Asia/Ho_Chi_Minh' },
    },
  });
  const raiser = createAlertRaiser({ db, live: createLivePublisher(db) });
  const lastServed = new Map<string, number>();
  const maxWait = new Map<string, number>();
  const openEvents: { cameraId: string; until: number }[] = [];
  let releases = 0;
  let shortHolds = 0;
  let events = 0;
  const tideCameras = ids.slice(0, 8);
  await db.query(`INSERT INTO sensors (id, name, kind, unit, lat, lon, level1, level2, level3) VALUES ('bench-tide', 'Bench tide', 'tide_level', 'm', $1, $2, 1.5, 1.6, 1.7)`, [
    cameras[3].lat,
    cameras[3].lon,
  ]);
  let roundMs = 0;
  for (; now <= start + hours * 3600_000; now += tickMs) {
    const elapsed = now - start;
    if (elapsed % 60_000 === 0) {
      // Busy cameras: traffic that swells and ebbs over ~40 minutes, with noise, phase per camera.
      await db.query(`UPDATE camera_activity a SET motion_score = m.score FROM unnest($1::text[], $2::real[]) AS m(id, score) WHERE a.camera_id = m.id`, [
        busy,
        busy.map((_, i) => Math.max(0, 3 + 5 * Math.sin(elapsed / 400_000 + i) + (rand() - 0.5) * 3)),
      ]);
      // A few streams drop out for a minute.
      const down = ids.filter((_, i) => i % 97 === 5 && Math.floor(elapsed / 60_000) % 45 === 7);
      await db.query(`UPDATE camera_activity SET stream_online = NOT (camera_id = ANY($1::text[]))`, [down]);
      // The tide gauge reaches level II in the second hour.
      const level = elapsed >= 3600_000 && elapsed < 7200_000 ? 2 : 0;
      await db.query(
        `INSERT INTO sensor_state (sensor_id, status, level) VALUES ('bench-tide', $1, $2) ON CONFLICT (sensor_id) DO UPDATE SET status = $1, level = $2`,
        [level ? 'level2' : 'ok', level],
      );
    }
    // About one incident every 3 minutes somewhere in the city, lasting 10 minutes.
    if (rand() < tickMs / 180_000) {
      const cameraId = ids[Math.floor(rand() * ids.length)];
      await raiser.raise({ sourceType: 'camera', sourceId: cameraId, kind: 'congestion', severity: 'minor', title: { vi: 'Ùn tắc', en: 'Congestion' }, observedAt: new Date(now) });
      openEvents.push({ cameraId, until: now + 600_000 });
      events++;
    }
    for (const event of openEvents.filter((e) => e.until <= now)) {
      await raiser.clear({ sourceType: 'camera', sourceId: event.cameraId, kind: 'congestion' });
      openEvents.splice(openEvents.indexOf(event), 1);
    }
    const roundStarted = performance.now();
    const round = await leader.runRound();
    roundMs += performance.now() - roundStarted;
    for (const released of round.plan!.released) {
      releases++;
      if (released.heldMs < 60_000 && released.reason !== 'stream_down' && released.reason !== 'displaced') shortHolds++;
    }
    for (const assignment of round.plan!.assignments) lastServed.set(assignment.cameraId, now);
    for (const id of ids) {
      const wait = now - (lastServed.get(id) ?? start);
      if (wait > (maxWait.get(id) ?? 0)) maxWait.set(id, wait);
    }
  }
  await leader.stop();
  const rounds = Math.round((hours * 3600_000) / tickMs);
  const within = ids.filter((id) => (maxWait.get(id) ?? Infinity) <= periodMinutes * 60_000).length;
  const worst = Math.max(...maxWait.values()) / 60_000;
  const conditions = `${cameras.length} cameras, ${slots} slots, ${hours} simulated h, tick 5 s, min hold 60 s, ${busy.length} busy cameras, ${events} incidents, 1 tide alarm near ${tideCameras.length}`;
  console.log(`slots.analysed_within_n_min_fraction: ${(within / ids.length).toFixed(4)} (N = ${periodMinutes} min, every wait measured all run; ${conditions})`);
  console.log(`slots.longest_wait_min: ${worst.toFixed(1)} (${conditions})`);
  console.log(`slots.changes_per_slot_per_min: ${(releases / (hours * 60) / slots).toFixed(2)} (released slots; ${shortHolds} released before 60 s other than by a dying stream or an urgent camera)`);
  console.log(`slots.scheduler_round_ms: ${(roundMs / rounds).toFixed(1)} (leader round on PostgreSQL: read signals of ${cameras.length} cameras, plan, write in one transaction; mean of ${rounds} rounds)`);
  await db.query(`DELETE FROM analysis_slots; DELETE FROM analysis_camera_state; DELETE FROM analysis_scheduler_state; DELETE FROM alerts; DELETE FROM sensor_state; DELETE FROM camera_activity`);
}

// ---------------------------------------------------------------------------------------------------
// 2. Cheap tier.

/** Feeds every camera `fps` frames per second (spread over 50 ms ticks) until stopped. */
function feedCameras(hook: SlotFrameHook, cameras: Camera[], frames: DecodedFrame[], fps: number): { stop(): void; fed: () => number } {
  let fed = 0;
  let cursor = 0;
  const tickMs = 50;
  const perTick = (cameras.length * fps * tickMs) / 1000;
  let carry = 0;
  const positions = cameras.map((_, i) => (i * 7) % frames.length);
  const timer = setInterval(() => {
    carry += perTick;
    const now = Date.now();
    for (; carry >= 1; carry--) {
      const index = cursor++ % cameras.length;
      const frame = frames[positions[index]++ % frames.length];
      hook.onFrame(cameras[index].id, frame.data, frame.width, frame.height, now, frame.letterboxedFrom);
      fed++;
    }
  }, tickMs);
  return { stop: () => clearInterval(timer), fed: () => fed };
}

async function cheapTier(db: Database, cameras: Camera[], frames: DecodedFrame[], fps: number): Promise<void> {
  const hook = new SlotFrameHook({ db, logger, reporter: 'bench-cheap', reportIntervalMs: 5000 });
  await hook.start();
  const seconds = 20;
  const feeder = feedCameras(hook, cameras, frames, fps);
  await sleep(3000); // warm-up
  const cpu = process.cpuUsage();
  const fedBefore = feeder.fed();
  const started = performance.now();
  await sleep(seconds * 1000);
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - started;
  const fed = feeder.fed() - fedBefore;
  feeder.stop();
  await hook.stop();
  const pct = ((used.user + used.system) / 1000 / wallMs) * 100;
  console.log(
    `slots.cheap_tier_cpu_pct_per_100_cameras: ${((pct * 100) / cameras.length).toFixed(2)} (slot hook: motion score + PostgreSQL report every 5 s; ${cameras.length} cameras at ${fps} fps = ${Math.round((fed * 1000) / wallMs)} frames/s of 416x416 bgr24; decoding is camera ingest's, next lines)`,
  );
}

function cpuTicks(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks
  } catch {
    return undefined;
  }
}

/** traffic.mp4 re-encoded as a typical city camera sends it: 640x360, 15 fps, a keyframe every second, no B-frames. */
async function cameraLikeSource(dir: string): Promise<string> {
  const file = path.join(dir, 'camera-like.mp4');
  const child = spawn('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-i', path.join(assetDir(), 'video', 'traffic.mp4'),
    '-an', '-vf', 'fps=15', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '0', '-g', '15', '-keyint_min', '15', '-sc_threshold', '0',
    '-pix_fmt', 'yuv420p', '-y', file,
  ], { stdio: 'ignore' });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`ffmpeg could not prepare the camera-like source (exit ${code})`);
  return file;
}

/** CPU of `count` ffmpeg processes decoding `file` in real time to 416x416 bgr24 at 2 fps, per process. */
async function decodeCpu(file: string, count: number, keyframesOnly: boolean): Promise<number> {
  const seconds = 15;
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-threads', '1',
    ...(keyframesOnly ? ['-skip_frame', 'nokey'] : []),
    '-re', '-stream_loop', '-1', '-i', file, '-t', String(seconds + 3),
    '-an', '-vf', 'fps=2,scale=416:416:force_original_aspect_ratio=decrease,format=bgr24,pad=416:416:(ow-iw)/2:(oh-ih)/2:color=0x727272',
    '-f', 'rawvideo', '-y', '/dev/null',
  ];
  const children: ChildProcess[] = Array.from({ length: count }, () => spawn('ffmpeg', args, { stdio: 'ignore' }));
  await sleep(2000);
  const before = children.map((child) => cpuTicks(child.pid!) ?? 0);
  const started = performance.now();
  await sleep(seconds * 1000 - 2000);
  const after = children.map((child) => cpuTicks(child.pid!) ?? 0);
  const wallMs = performance.now() - started;
  for (const child of children) child.kill('SIGKILL');
  const ticks = after.reduce((sum, value, i) => sum + value - before[i], 0);
  const clockTicksPerSecond = 100;
  return ((ticks / clockTicksPerSecond) * 1000 * 100) / wallMs / count;
}

// ---------------------------------------------------------------------------------------------------
// 3. Real time: event to first analysed frame.

async function realTime(db: Database, url: string, cameras: Camera[], frames: DecodedFrame[], slots: number, seconds: number, fps: number, eventCount: number): Promise<void> {
  const ids = cameras.map((c) => c.id);
  const mqtt = await connectMqtt({ MQTT_URL: mqttUrl() }, `bench-slots-ingest-${randomBytes(3).toString('hex')}`);
  const hook = new SlotFrameHook({ db, logger, reporter: 'bench-ingest', mqtt, reportIntervalMs: 5000 });
  await hook.start();
  const feeder = feedCameras(hook, cameras, frames, fps);
  await sleep(6000); // every camera reported alive once

  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-slots-'));
  const child = spawn(process.execPath, ['--import', 'tsx', THIS_FILE, '--analytics-child'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: url,
      MQTT_URL: mqttUrl(),
      DATA_DIR: dataDir,
      ASSET_MIRROR_DIR: assetDir(),
      SLOT_COUNT: String(slots),
      ANALYTICS_CAPACITY: String(slots),
      ANALYTICS_WORKER_ID: 'bench-analytics',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      SIMULATE: 'false',
    },
  });
  try {
    // The worker is up when it holds every slot.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const held = await db.query(
        `SELECT count(*)::int AS n FROM analysis_slots s JOIN analysis_progress p USING (camera_id)
          WHERE s.worker_id IS NOT NULL AND p.worker_id = s.worker_id AND p.first_frame_at IS NOT NULL`,
      );
      if (held.rows[0].n >= Math.min(slots, ids.length)) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the analytics child did not take its slots within 2 minutes');
      await sleep(500);
    }
    const raiser = createAlertRaiser({ db, live: createLivePublisher(db) });
    const rand = random(11);
    const injected: { cameraId: string; alertId: number }[] = [];
    const spacingMs = (seconds * 1000) / eventCount;
    for (let i = 0; i < eventCount; i++) {
      const holding = new Set((await db.query<{ camera_id: string }>('SELECT camera_id FROM analysis_slots')).rows.map((row) => row.camera_id));
      const used = new Set(injected.map((event) => event.cameraId));
      let cameraId: string;
      do cameraId = ids[Math.floor(rand() * ids.length)];
      while (holding.has(cameraId) || used.has(cameraId));
      const raised = await raiser.raise({ sourceType: 'camera', sourceId: cameraId, kind: 'crowd', severity: 'major', title: { vi: 'Đám đông', en: 'Crowd' } });
      injected.push({ cameraId, alertId: raised.alertId });
      await sleep(spacingMs);
    }
    await sleep(5000);
    const result = await db.query<{ camera_id: string; to_slot_ms: number | null; to_claim_ms: number | null; to_frame_ms: number | null }>(
      `SELECT a.source_id AS camera_id,
              (extract(epoch FROM s.assigned_at - a.first_seen_at) * 1000)::float8 AS to_slot_ms,
              (extract(epoch FROM p.claimed_at - a.first_seen_at) * 1000)::float8 AS to_claim_ms,
              (extract(epoch FROM p.first_frame_at - a.first_seen_at) * 1000)::float8 AS to_frame_ms
         FROM alerts a LEFT JOIN analysis_slots s ON s.camera_id = a.source_id
         LEFT JOIN analysis_progress p ON p.camera_id = a.source_id AND p.worker_id = s.worker_id
        WHERE a.id = ANY($1::bigint[])`,
      [injected.map((event) => event.alertId)],
    );
    const toFrame = result.rows.map((row) => row.to_frame_ms).filter((ms): ms is number => ms !== null).sort((a, b) => a - b);
    const toSlot = result.rows.map((row) => row.to_slot_ms).filter((ms): ms is number => ms !== null).sort((a, b) => a - b);
    const missed = result.rows.length - toFrame.length;
    const conditions = `${eventCount} alerts on watched cameras over ${seconds} s; ${cameras.length} cameras at ${fps} fps, ${slots} slots, 1 analytics worker (yolox-nano 416, 1 session) + leader in a child, ${cpus().length} cores; ${missed} never analysed`;
    console.log(`slots.event_to_first_frame_p50_ms: ${Math.round(percentile(toFrame, 50))} (${conditions})`);
    console.log(`slots.event_to_first_frame_p99_ms: ${Math.round(percentile(toFrame, 99))} (${conditions})`);
    const toClaim = result.rows.map((row) => row.to_claim_ms).filter((ms): ms is number => ms !== null).sort((a, b) => a - b);
    console.log(`slots.event_to_slot_p50_ms: ${Math.round(percentile(toSlot, 50))} (alert committed → slot row written; same run)`);
    console.log(`slots.event_to_worker_claim_p50_ms: ${Math.round(percentile(toClaim, 50))} (alert committed → the worker leased the slot; same run)`);
    console.log(`slots.load_average_1min: ${loadavg()[0].toFixed(1)} (this machine, at the end of the run: other work shares the ${cpus().length} cores)`);
    const frames = await db.query(`SELECT coalesce(sum(frames_analysed), 0)::int AS n, count(*)::int AS slots FROM analysis_progress`);
    console.log(`slots.analysed_frames_per_s: ${(frames.rows[0].n / seconds).toFixed(1)} (all ${frames.rows[0].slots} slots, approximate: frames counted since each slot's claim)`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    feeder.stop();
    await hook.stop();
    await mqtt.endAsync();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------

export async function run(args: string[]): Promise<void> {
  const cameraCount = option(args, 'cameras', 1000);
  const slots = option(args, 'slots', 50);
  const hours = option(args, 'hours', 6);
  const periodMinutes = option(args, 'period-minutes', 30);
  const seconds = option(args, 'seconds', 90);
  const fps = option(args, 'fps', 1);
  const events = option(args, 'events', 30);
  if (!existsSync(path.join(assetDir(), 'video', 'traffic.mp4'))) throw new Error(`the slots bench needs the shared videos in ${assetDir()}/video (ASSET_MIRROR_DIR)`);

  const name = `cityops_bench_slots_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = databaseUrl(name);
  const db = createDatabase(url, 8);
  try {
    await migrate(db);
    const cameras = cityCameras(cameraCount);
    await registerCameras(db, cameras);
    const frames = await loadFrames();
    if (hours > 0) await simulatedRun(db, cameras, slots, hours, periodMinutes);
    await cheapTier(db, cameras, frames, fps);
    const scratch = mkdtempSync(path.join(tmpdir(), 'bench-slots-source-'));
    const source = await cameraLikeSource(scratch);
    const full = await decodeCpu(source, 10, false);
    const keyframes = await decodeCpu(source, 10, true);
    rmSync(scratch, { recursive: true, force: true });
    const decodeConditions = 'traffic.mp4 as 640x360 H.264 15 fps, keyframe every 1 s, in real time → 416x416 bgr24 at 2 fps, ffmpeg -threads 1, 10 processes';
    console.log(`slots.cheap_tier_decode_cpu_pct_per_100_cameras: ${(full * 100).toFixed(1)} (${decodeConditions}, every frame decoded)`);
    console.log(`slots.cheap_tier_keyframe_decode_cpu_pct_per_100_cameras: ${(keyframes * 100).toFixed(1)} (${decodeConditions}, keyframes only: -skip_frame nokey)`);
    if (seconds > 0) await realTime(db, url, cameras, frames, slots, seconds, fps, events);
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

/** The analytics role in its own process, as production runs it. */
async function analyticsChild(): Promise<void> {
  const config = loadConfig(process.env, ['--role', 'analytics']);
  const db = createDatabase(config.DATABASE_URL!, 8);
  const childLogger = createLogger(config.LOG_LEVEL);
  const context: RoleContext = {
    config,
    db,
    caps: await detectCapabilities(db),
    logger: childLogger,
    secretBox: SecretBox.fromConfig(config.SECRET_KEY, config.dataDir),
    connectMqtt: (clientId, options) => connectMqtt(config, clientId, options),
  };
  const { createRole } = await import('../role.ts');
  const role = await createRole(context);
  await role.start();
  process.on('SIGTERM', () => {
    void role
      .stop()
      .then(() => db.end())
      .finally(() => process.exit(0));
  });
}

if (process.argv[1] === THIS_FILE && process.argv.includes('--analytics-child')) void analyticsChild();
