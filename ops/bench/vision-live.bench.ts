// `npm run bench -- vision-live [--cameras 10,20,30] [--seconds 60] [--bare-seconds 15] [--sessions 1] [--threads 1] [--slot-decode all|keyframes] [--one-process] [--frame-transport auto|mqtt] [--input-size 320] [--in-phase] [--no-refine] [--profile DIR] [--quick]
//                               [--camera-size 640x360] [--substream 640x360] [--ab-substream --rounds 2]`
// (--quick: --cameras 4,8 --seconds 20 --bare-seconds 5; --input-size: every camera's detectInputSize,
// the bare figure then at that size too)
// --camera-size: the simulated cameras' main stream; --substream: each camera also serves this size,
// registered as its detect stream (analysis decodes it, the main stream is only copied).
// --ab-substream: the detect stream lever at the first --cameras count, main stream only vs substream
// interleaved (A B A B …, --rounds pairs) in the same sitting; prints both and their ratios.
// --in-phase: the simulated cameras of a scene send their frames at the same instant, as before the
// simulator could spread them over the second.
// How many live cameras one machine analyses at 1 fps, end to end and in real time: N simulated RTSP
// cameras (the project's simulator playing the shared traffic and people videos) → the camera-ingest
// role (ffmpeg per camera, slot hook, JPEG over MQTT) → the analytics role (real YOLOX model, tracking,
// zone and line rules, alerts), each role its own OS process on a private PostgreSQL and Mosquitto
// (ops/faults/system.ts). N rises step by step; a step passes when every camera holds an analysis slot,
// is analysed at ≥ 0.95 frames/s, and its frame age p95 (camera-ingest read the frame → analysed) is
// ≤ 2 s. With --one-process both roles run in one OS process (as `npm start` does), where
// FRAME_TRANSPORT=auto (the default) hands the raw frames over in memory and --frame-transport mqtt keeps
// the JPEG round trip through the broker: the A/B of that lever. Analysed frames and their age come from the analytics role's own notices on
// `cityops/analysed/{cameraId}`; the slot table's frame counts are printed beside them as a check.
// In the same run: bare onnxruntime-node on a constant tensor with the role's thread settings (the
// machine's limit for this model), and CPU of every process of the system from /proc.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import ort from 'onnxruntime-node';
import { configSchema, loadConfig } from '@cityops/core/config';
import { ANALYSED_FRAME_TOPIC_PREFIX, FRAME_TOPIC_PREFIX, type AnalysedFrameNotice } from '@cityops/contract/mqtt-topics';
import { decodeFrameMessage } from '@cityops/ingest/frame/frame-message';
import { resolveModel } from '@cityops/models/fetch';
import { inputGeometry, loadManifest } from '@cityops/models/manifest';
import { withInputShape } from '@cityops/models/onnx/input-size';
import { descendants, residentKb, sleep, waitUntil } from '../faults/processes.ts';
import { FaultSystem } from '../faults/system.ts';

const DEFAULT_STEPS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
const MIN_ANALYSED_FPS = 0.95;
const MAX_FRAME_AGE_P95_MS = 2000;
const DETECT_FPS = 1;
const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface Settings {
  steps: number[];
  /** Bisect between the last passing and the first failing step. */
  refine: boolean;
  /** Where the roles write V8 CPU profiles (node --cpu-prof), one per role and step; none when unset. */
  profileDir?: string;
  seconds: number;
  bareSeconds: number;
  sessions: number;
  intraOpThreads: number;
  /** CAMERA_SLOT_DECODE of camera-ingest: every frame sampled to 1 fps, or keyframes only (1 s GOP). */
  slotDecode: 'all' | 'keyframes';
  /** Both roles in one OS process (`--role camera-ingest,analytics`) instead of one process each. */
  oneProcess: boolean;
  /** FRAME_TRANSPORT of the roles: `auto` is in memory only when they share a process. */
  frameTransport: 'auto' | 'mqtt';
  /**
   * Simulated cameras of one scene in phase (one shared stream, keyframes at the same instant) rather
   * than each delayed by its own 0–1 s as real cameras are spread.
   */
  inPhase: boolean;
  modelId: string;
  /** detectInputSize of every camera; undefined = the model's own input. */
  inputSize?: number;
  /** The simulated cameras' main stream size. */
  cameraSize: { width: number; height: number };
  /** When set, every camera's detect stream: a substream of this size. */
  substream?: { width: number; height: number };
  /** Main stream only vs substream, interleaved, this many pairs (0: the usual steps). */
  abRounds: number;
}

interface StepResult {
  cameras: number;
  passed: boolean;
  slotsHeld: number;
  analysedPerS: number;
  slowestCameraFps: number;
  worstCameraAgeP95Ms: number;
  frameAgeP95Ms: number;
  cpuMsPerFrame: number;
  cpuByPart: Map<string, number>;
  /** CPU ms per analysed frame of each part (processes, and the roles' Node threads), summing to cpuMsPerFrame. */
  msPerFrameByPart: Map<string, number>;
  /** Of the roles' Node processes: CPU ms per analysed frame of the main (JavaScript) thread and of all other threads. */
  msPerFrameByThread: Map<string, number>;
  /** The simulator's CPU in % of a core (not in the total: it stands for the street's cameras). */
  simulatorPct: number;
  /** Share of the published frames (by ingest's sampling time) in each 100 ms of the second, in %. */
  phaseHistogram: number[];
  /** Cameras whose usual sampling instant (circular mean within the second) falls in each 100 ms. */
  cameraPhaseHistogram: number[];
  /**
   * How alike the cameras' sampling instants are: length of the mean of their unit phase vectors
   * (1 = every camera at the same instant of the second, about 0 = spread evenly), and how steady
   * one camera's instant is (the same, per camera, averaged).
   */
  cameraPhaseCoherence: number;
  cameraPhaseSteadiness: number;
  databaseFrames: number;
  noticeFrames: number;
  publishedPerS: number;
  rolesMemoryMb: number;
  load: string;
  why: string;
}

function parseSettings(args: string[]): Settings {
  const value = (name: string) => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const quick = args.includes('--quick');
  const config = loadConfig(process.env, []);
  return {
    steps: (value('cameras') ?? (quick ? '4,8' : DEFAULT_STEPS.join(','))).split(',').map(Number).filter((n) => n > 0),
    refine: !args.includes('--no-refine'),
    profileDir: value('profile'),
    seconds: Number(value('seconds') ?? (quick ? 20 : 60)),
    bareSeconds: Number(value('bare-seconds') ?? (quick ? 5 : 15)),
    // The role's settings (DETECT_SESSIONS, DETECT_INTRA_OP_THREADS unless --sessions / --threads),
    // given to the role and to the bare measurement alike.
    sessions: Number(value('sessions') ?? config.DETECT_SESSIONS),
    intraOpThreads: Number(value('threads') ?? config.DETECT_INTRA_OP_THREADS),
    slotDecode: configSchema.shape.CAMERA_SLOT_DECODE.parse(value('slot-decode') ?? config.CAMERA_SLOT_DECODE),
    oneProcess: args.includes('--one-process'),
    frameTransport: configSchema.shape.FRAME_TRANSPORT.parse(value('frame-transport') ?? config.FRAME_TRANSPORT),
    inPhase: args.includes('--in-phase'),
    modelId: config.DETECT_MODEL,
    ...(value('input-size') ? { inputSize: Number(value('input-size')) } : {}),
    cameraSize: parseSize(value('camera-size') ?? '640x360'),
    substream: value('substream') || args.includes('--ab-substream') ? parseSize(value('substream') ?? '640x360') : undefined,
    abRounds: args.includes('--ab-substream') ? Number(value('rounds') ?? 2) : 0,
  };
}

/** How the frames travel from camera-ingest to analytics in this run, for the printed conditions. */
function transportDescription(settings: Settings): string {
  if (!settings.oneProcess) return 'camera-ingest and analytics as separate processes, frames as JPEG over MQTT';
  return settings.frameTransport === 'auto'
    ? 'camera-ingest and analytics in one process, raw frames in memory (FRAME_TRANSPORT=auto)'
    : 'camera-ingest and analytics in one process, frames as JPEG over MQTT (FRAME_TRANSPORT=mqtt)';
}

function parseSize(text: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/.exec(text);
  if (!match) throw new Error(`a size is WIDTHxHEIGHT, e.g. 1280x720 (got "${text}")`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

const sizeText = (size: { width: number; height: number }) => `${size.width}x${size.height}`;

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : Number.NaN);
const loadAverage = () => os.loadavg().map((value) => value.toFixed(1)).join(' ');

/** Inferences/s of bare ONNX Runtime sessions on a constant tensor, as many in parallel as sessions. */
async function bareInferencesPerSecond(settings: Settings): Promise<number> {
  const config = loadConfig(process.env, []);
  const manifest = loadManifest(settings.modelId, { dataDir: config.dataDir });
  const model = await resolveModel(manifest, { assetMirrorDir: config.ASSET_MIRROR_DIR, dataDir: config.dataDir });
  const geometry = inputGeometry(manifest, settings.inputSize);
  const shape = [1, 3, geometry.height, geometry.width];
  const input = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(114), shape);
  const modelBytes = readFileSync(model.modelPath);
  const resized = settings.inputSize !== undefined ? withInputShape(modelBytes, manifest.input.name, shape) : modelBytes;
  // The options of analytics/detect/session-pool.ts, so the figure is the same sessions' limit.
  const sessions = await Promise.all(
    Array.from({ length: settings.sessions }, () =>
      ort.InferenceSession.create(resized, { intraOpNumThreads: settings.intraOpThreads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' }),
    ),
  );
  for (const session of sessions) await session.run({ [manifest.input.name]: input }); // warm-up
  let done = 0;
  const started = performance.now();
  const until = started + settings.bareSeconds * 1000;
  await Promise.all(
    sessions.map(async (session) => {
      while (performance.now() < until) {
        const output = await session.run({ [manifest.input.name]: input });
        for (const tensor of Object.values(output)) tensor.dispose();
        done++;
      }
    }),
  );
  const perSecond = (done * 1000) / (performance.now() - started);
  await Promise.all(sessions.map((session) => session.release()));
  return perSecond;
}

/** CPU ticks (own + reaped children) of one process, and what it is. */
function cpuTicks(pid: number): { ticks: number; command: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    // Fields 14-17 of proc(5): utime, stime, cutime, cstime (children reaped during the window count
    // in their parent's cutime/cstime).
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { ticks, command: stat.slice(stat.indexOf('(') + 1, close) };
  } catch {
    return undefined;
  }
}

/**
 * CPU ticks of a Node process's main thread (JavaScript, and whatever native code it calls
 * synchronously) and of all its other threads (libuv pool: JPEG encode and decode; libvips and V8
 * helper threads), which a V8 CPU profile of the main thread does not see. The other threads are the
 * process's own time less the main thread's: threads that ended (libvips starts and ends workers) stay
 * counted in the process. Reaped children (cutime) are neither.
 */
function threadTicks(pid: number): { main: number; other: number } | undefined {
  const ownTicks = (statFile: string) => {
    const stat = readFileSync(statFile, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  try {
    const main = ownTicks(`/proc/${pid}/task/${pid}/stat`);
    return { main, other: ownTicks(`/proc/${pid}/stat`) - main };
  } catch {
    return undefined;
  }
}

function roleThreadSnapshot(system: FaultSystem): Map<string, { main: number; other: number }> {
  const snapshot = new Map<string, { main: number; other: number }>();
  for (const [role, child] of system.roles) {
    const ticks = child.pid ? threadTicks(child.pid) : undefined;
    if (ticks) snapshot.set(role, ticks);
  }
  return snapshot;
}

/** The simulator's Node process and its ffmpeg publishers. */
function simulatorTicks(system: FaultSystem): number {
  const pid = system.simulator?.child.pid;
  if (!pid) return 0;
  return [pid, ...descendants(pid).map((info) => info.pid)].reduce((sum, each) => sum + (cpuTicks(each)?.ticks ?? 0), 0);
}

/**
 * Every process of the system under test with its part: the roles and their ffmpeg children, Mosquitto,
 * PostgreSQL. Left out: the camera simulator (the "cameras" of the street) and this bench process with
 * its own helpers (the notice subscriber, tsx's esbuild).
 */
function systemProcesses(system: FaultSystem): Map<number, string> {
  const parts = new Map<number, string>();
  for (const [role, child] of system.roles) {
    if (!child.pid) continue;
    const name = system.options.oneProcess ? 'roles' : role;
    parts.set(child.pid, `${name} node`);
    for (const info of descendants(child.pid)) parts.set(info.pid, `${name} ${info.command}`);
  }
  if (system.broker.pid) parts.set(system.broker.pid, 'mosquitto');
  // The embedded PostgreSQL (postmaster and its backends), started by this process.
  for (const info of descendants(process.pid)) if (info.command === 'postgres') parts.set(info.pid, 'postgres');
  return parts;
}

function cpuSnapshot(system: FaultSystem): Map<number, { ticks: number; part: string }> {
  const snapshot = new Map<number, { ticks: number; part: string }>();
  for (const [pid, part] of systemProcesses(system)) {
    const sample = cpuTicks(pid);
    if (sample) snapshot.set(pid, { ticks: sample.ticks, part });
  }
  return snapshot;
}

/**
 * Memory of the roles and their ffmpeg children: the proportional set size (PSS), so the libraries and
 * the ffmpeg binary shared by many processes count once; plain RSS where smaps_rollup cannot be read.
 */
function rolesMemoryMb(system: FaultSystem): number {
  let kb = 0;
  for (const child of system.roles.values()) {
    if (!child.pid) continue;
    for (const pid of [child.pid, ...descendants(child.pid).map((info) => info.pid)]) kb += proportionalKb(pid) ?? residentKb(pid) ?? 0;
  }
  return kb / 1024;
}

function proportionalKb(pid: number): number | undefined {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function databaseFrameCount(system: FaultSystem): Promise<number> {
  const result = await system.db.query<{ frames: string | null }>(`SELECT sum(frames_analysed) AS frames FROM analysis_progress`);
  return Number(result.rows[0].frames ?? 0);
}

async function runStep(cameras: number, settings: Settings): Promise<StepResult> {
  const system = new FaultSystem({
    scenario: `vision-live-${cameras}`,
    cameras,
    loadSensors: 0,
    roles: ['camera-ingest', 'analytics'],
    cameraDetectFps: DETECT_FPS,
    ...(settings.inputSize !== undefined ? { cameraDetectInputSize: settings.inputSize } : {}),
    cameraSize: settings.cameraSize,
    ...(settings.substream ? { cameraSubstream: settings.substream } : {}),
    spreadCameraPhases: !settings.inPhase,
    // A slot for every camera: the question is how many the machine analyses, not which.
    roleEnv: {
      SLOT_COUNT: String(cameras),
      ANALYTICS_CAPACITY: String(cameras),
      DETECT_SESSIONS: String(settings.sessions),
      DETECT_INTRA_OP_THREADS: String(settings.intraOpThreads),
      CAMERA_SLOT_DECODE: settings.slotDecode,
      FRAME_TRANSPORT: settings.frameTransport,
      // The A/B of the detect stream: every camera decodes as a slot holder does, slot or not, so that
      // ffmpeg's work does not depend on how fast a loaded machine hands out the slots.
      ...(settings.abRounds > 0 ? { CAMERA_CHEAP_TIER_DECODE: settings.slotDecode } : {}),
    },
    oneProcess: settings.oneProcess,
    ...(settings.profileDir ? { roleNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}/${cameras}-cameras`] } : {}),
  });
  const notices = new Map<string, Array<{ capturedAt: number; analysedAt: number }>>();
  // Arrival times of the frames camera-ingest publishes (to tell a slow ingest from a slow analysis),
  // and when ingest sampled each (its header's ts: when it read the frame from ffmpeg).
  const published: Array<{ at: number; sampledAt: number; cameraId: string }> = [];
  let subscriber: mqtt.MqttClient | undefined;
  try {
    await system.start();
    subscriber = await mqtt.connectAsync(system.broker.url, { ...system.service, clientId: `vision-live-bench-${system.tag}`, clean: true });
    subscriber.on('message', (topic, payload) => {
      if (topic.startsWith(`${FRAME_TOPIC_PREFIX}/`)) {
        let sampledAt = Number.NaN;
        try {
          sampledAt = decodeFrameMessage(payload).header.ts;
        } catch {
          // counted by arrival only
        }
        published.push({ at: Date.now(), sampledAt, cameraId: topic.slice(FRAME_TOPIC_PREFIX.length + 1) });
        return;
      }
      const cameraId = topic.slice(ANALYSED_FRAME_TOPIC_PREFIX.length + 1);
      const notice = JSON.parse(payload.toString()) as AnalysedFrameNotice;
      let list = notices.get(cameraId);
      if (!list) notices.set(cameraId, (list = []));
      list.push({ capturedAt: notice.capturedAt, analysedAt: notice.analysedAt });
    });
    await subscriber.subscribeAsync([`${ANALYSED_FRAME_TOPIC_PREFIX}/+`, `${FRAME_TOPIC_PREFIX}/+`], { qos: 0 });

    // Warm-up: every camera analysed at least twice (its ffmpeg has switched to full decoding for its
    // slot), then a few seconds more for the queues to settle.
    const warm = await waitUntil(
      async () => [...notices.values()].filter((list) => list.length >= 2).length,
      (analysed) => analysed >= cameras,
      90_000 + cameras * 2000,
      500,
    );
    await sleep(5000);

    const startedAt = Date.now();
    const cpuBefore = cpuSnapshot(system);
    const threadsBefore = roleThreadSnapshot(system);
    const simulatorBefore = simulatorTicks(system);
    const databaseBefore = await databaseFrameCount(system);
    const loadBefore = loadAverage();
    await sleep(settings.seconds * 1000);
    const endedAt = Date.now();
    const cpuAfter = cpuSnapshot(system);
    const threadsAfter = roleThreadSnapshot(system);
    const simulatorAfter = simulatorTicks(system);
    const rssMb = rolesMemoryMb(system);
    const loadAfter = loadAverage();
    // The slot table is written every 2 s: wait for one more write before reading it.
    await sleep(2500);
    const databaseFrames = (await databaseFrameCount(system)) - databaseBefore;
    const slotsHeld = (await system.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM analysis_slots WHERE worker_id IS NOT NULL`)).rows[0].n;

    const cpuByPart = new Map<string, number>();
    let cpuTicksTotal = 0;
    for (const [pid, after] of cpuAfter) {
      const delta = after.ticks - (cpuBefore.get(pid)?.ticks ?? 0);
      cpuTicksTotal += delta;
      cpuByPart.set(after.part, (cpuByPart.get(after.part) ?? 0) + delta);
    }

    const windowS = (endedAt - startedAt) / 1000;
    const allAges: number[] = [];
    let slowestCameraFps = Number.POSITIVE_INFINITY;
    let worstCameraAgeP95Ms = 0;
    let noticeFrames = 0;
    for (let i = 1; i <= cameras; i++) {
      const cameraId = `cam-${String(i).padStart(3, '0')}`;
      const inWindow = (notices.get(cameraId) ?? []).filter((notice) => notice.analysedAt >= startedAt && notice.analysedAt < endedAt);
      const ages = inWindow.map((notice) => notice.analysedAt - notice.capturedAt).sort((a, b) => a - b);
      allAges.push(...ages);
      noticeFrames += inWindow.length;
      slowestCameraFps = Math.min(slowestCameraFps, inWindow.length / windowS);
      worstCameraAgeP95Ms = Math.max(worstCameraAgeP95Ms, ages.length ? quantile(ages, 0.95) : Number.POSITIVE_INFINITY);
    }
    allAges.sort((a, b) => a - b);
    const cpuMs = (cpuTicksTotal * 1000) / CLOCK_TICKS_PER_S;
    const msPerFrame = (ticks: number) => (noticeFrames ? (ticks * 1000) / CLOCK_TICKS_PER_S / noticeFrames : Number.NaN);
    const msPerFrameByThread = new Map<string, number>();
    for (const [role, after] of threadsAfter) {
      const before = threadsBefore.get(role) ?? { main: 0, other: 0 };
      msPerFrameByThread.set(`${role} node main thread`, msPerFrame(after.main - before.main));
      msPerFrameByThread.set(`${role} node other threads`, msPerFrame(after.other - before.other));
    }
    const phaseCounts = Array.from({ length: 10 }, () => 0);
    const sampled = published.filter((frame) => frame.at >= startedAt && frame.at < endedAt && Number.isFinite(frame.sampledAt));
    for (const frame of sampled) phaseCounts[Math.floor((frame.sampledAt % 1000) / 100)]++;
    const phases = cameraPhases(sampled);
    const reasons = [
      ...(warm.ok ? [] : [`only ${warm.value}/${cameras} cameras analysed twice within the warm-up`]),
      ...(slotsHeld < cameras ? [`${slotsHeld}/${cameras} cameras hold a slot`] : []),
      ...(slowestCameraFps < MIN_ANALYSED_FPS ? [`slowest camera ${slowestCameraFps.toFixed(2)} analysed frames/s`] : []),
      ...(worstCameraAgeP95Ms > MAX_FRAME_AGE_P95_MS ? [`worst camera frame age p95 ${Math.round(worstCameraAgeP95Ms)} ms`] : []),
      ...(system.unexpectedExits.length ? [system.exitSummary()] : []),
    ];
    return {
      cameras,
      passed: reasons.length === 0,
      slotsHeld,
      analysedPerS: noticeFrames / windowS,
      slowestCameraFps,
      worstCameraAgeP95Ms,
      frameAgeP95Ms: quantile(allAges, 0.95),
      cpuMsPerFrame: noticeFrames ? cpuMs / noticeFrames : Number.NaN,
      cpuByPart: new Map([...cpuByPart].map(([part, ticks]) => [part, (ticks * 1000) / CLOCK_TICKS_PER_S / windowS / 10])),
      msPerFrameByPart: new Map([...cpuByPart].map(([part, ticks]) => [part, msPerFrame(ticks)])),
      msPerFrameByThread,
      simulatorPct: ((simulatorAfter - simulatorBefore) * 1000) / CLOCK_TICKS_PER_S / windowS / 10,
      phaseHistogram: phaseCounts.map((count) => (sampled.length ? (100 * count) / sampled.length : 0)),
      ...phases,
      databaseFrames,
      noticeFrames,
      publishedPerS: published.filter(({ at }) => at >= startedAt && at < endedAt).length / windowS,
      rolesMemoryMb: rssMb,
      load: `${loadBefore} → ${loadAfter}`,
      why: reasons.join('; ') || 'every camera at ≥ 0.95 frames/s, age p95 ≤ 2 s',
    };
  } finally {
    await subscriber?.endAsync().catch(() => undefined);
    const orphans = await system.stop();
    if (orphans.length) console.log(`# vision-live: ${orphans.length} processes outlived the system and were killed (${orphans.map((o) => o.command).join(', ')})`);
  }
}

/** Each camera's usual sampling instant within the second (circular mean), and how alike they are. */
function cameraPhases(frames: Array<{ sampledAt: number; cameraId: string }>): Pick<StepResult, 'cameraPhaseHistogram' | 'cameraPhaseCoherence' | 'cameraPhaseSteadiness'> {
  const sums = new Map<string, { x: number; y: number; n: number }>();
  for (const frame of frames) {
    const angle = (2 * Math.PI * (frame.sampledAt % 1000)) / 1000;
    const sum = sums.get(frame.cameraId) ?? { x: 0, y: 0, n: 0 };
    sum.x += Math.cos(angle);
    sum.y += Math.sin(angle);
    sum.n++;
    sums.set(frame.cameraId, sum);
  }
  const histogram = Array.from({ length: 10 }, () => 0);
  let x = 0;
  let y = 0;
  let steadiness = 0;
  for (const sum of sums.values()) {
    const length = Math.hypot(sum.x, sum.y);
    steadiness += length / sum.n;
    x += sum.x / (length || 1);
    y += sum.y / (length || 1);
    const phaseMs = ((Math.atan2(sum.y, sum.x) / (2 * Math.PI)) * 1000 + 1000) % 1000;
    histogram[Math.min(9, Math.floor(phaseMs / 100))]++;
  }
  const cameras = sums.size || 1;
  return { cameraPhaseHistogram: histogram, cameraPhaseCoherence: Math.hypot(x, y) / cameras, cameraPhaseSteadiness: steadiness / cameras };
}

function describe(step: StepResult): string {
  const parts = [...step.cpuByPart].sort((a, b) => b[1] - a[1]).map(([part, pct]) => `${part} ${pct.toFixed(0)} %`);
  return (
    `${step.cameras} cameras: ${step.passed ? 'pass' : 'FAIL'} (${step.why}); ${step.publishedPerS.toFixed(1)} frames/s published by camera-ingest, ${step.analysedPerS.toFixed(1)} analysed, ` +
    `slowest camera ${step.slowestCameraFps.toFixed(2)}/s, age p95 ${Math.round(step.frameAgeP95Ms)} ms (worst camera ${Math.round(step.worstCameraAgeP95Ms)} ms), ` +
    `${step.cpuMsPerFrame.toFixed(0)} CPU ms/frame, CPU of a core: ${parts.join(', ')}; ` +
    `frames counted ${step.noticeFrames} by notice, ${step.databaseFrames} in the slot table (±2 s flush); roles PSS ${step.rolesMemoryMb.toFixed(0)} MB; load ${step.load}\n` +
    `#   CPU ms per analysed frame: ${[...step.msPerFrameByPart].sort((a, b) => b[1] - a[1]).map(([part, ms]) => `${part} ${ms.toFixed(1)}`).join(', ')} ` +
    `(roles' Node by thread, reaped children not included: ${[...step.msPerFrameByThread].map(([part, ms]) => `${part} ${ms.toFixed(1)}`).join(', ')}); simulator ${step.simulatorPct.toFixed(0)} % of a core, not counted\n` +
    `#   frames sampled by ingest per 100 ms of the second (% of ${step.publishedPerS.toFixed(0)}/s; even spread 10 each): ${step.phaseHistogram.map((pct) => pct.toFixed(0)).join(' ')}; ` +
    `busiest 100 ms ${Math.max(...step.phaseHistogram).toFixed(0)} %\n` +
    `#   cameras by usual sampling instant per 100 ms: ${step.cameraPhaseHistogram.join(' ')}; phase coherence across cameras ${step.cameraPhaseCoherence.toFixed(2)} ` +
    `(1 = all in phase, 0 = spread), steadiness of one camera's instant ${step.cameraPhaseSteadiness.toFixed(2)}`
  );
}

/** The detect stream lever: main stream only (A) vs substream (B), interleaved at one camera count. */
async function runSubstreamAb(settings: Settings, machine: string, threads: string): Promise<void> {
  const cameras = settings.steps[0];
  const variants = { main: { ...settings, substream: undefined }, substream: settings };
  const results: Record<keyof typeof variants, StepResult[]> = { main: [], substream: [] };
  for (let round = 0; round < settings.abRounds; round++) {
    for (const variant of ['main', 'substream'] as const) {
      const step = await runStep(cameras, variants[variant]);
      results[variant].push(step);
      console.log(`# vision-live ${variant} (round ${round + 1}): ${describe(step)}`);
    }
  }
  const mean = (steps: StepResult[], pick: (step: StepResult) => number) => steps.reduce((sum, step) => sum + pick(step), 0) / steps.length;
  const ffmpegShare = (step: StepResult) => step.cpuByPart.get('camera-ingest ffmpeg') ?? 0;
  const totalShare = (step: StepResult) => [...step.cpuByPart.values()].reduce((a, b) => a + b, 0);
  const figures = (pick: (step: StepResult) => number) => {
    const [a, b] = [mean(results.main, pick), mean(results.substream, pick)];
    return { a, b, ratio: b / a, each: (variant: keyof typeof variants) => results[variant].map((step) => pick(step).toFixed(1)).join('/') };
  };
  const conditions =
    `${cameras} cameras at ${DETECT_FPS} fps detect, main stream ${sizeText(settings.cameraSize)} vs substream ${sizeText(settings.substream!)} (main copied to relay and buffer), ` +
    `H.264 1 s GOP, every camera decodes ${settings.slotDecode === 'all' ? 'every frame' : 'keyframes'} (slot or not), ${settings.abRounds} interleaved pairs of ${settings.seconds} s, ${threads}, ${machine}; ` +
    `load ${[...results.main, ...results.substream].map((step) => step.load.split(' → ')[1].split(' ')[0]).join('/')}`;
  const ffmpeg = figures(ffmpegShare);
  console.log(`vision.substream_ffmpeg_cpu_pct: ${ffmpeg.a.toFixed(1)} → ${ffmpeg.b.toFixed(1)} % of a core (×${ffmpeg.ratio.toFixed(2)}; per run main ${ffmpeg.each('main')}, substream ${ffmpeg.each('substream')}; ${conditions})`);
  // Per frame camera-ingest published: a cost that holds when a loaded machine starves the system (the
  // shares above then measure what it got, not what it needed).
  const ffmpegPerFrame = figures((step) => (ffmpegShare(step) * 10) / step.publishedPerS);
  console.log(`vision.substream_ffmpeg_cpu_ms_per_published_frame: ${ffmpegPerFrame.a.toFixed(1)} → ${ffmpegPerFrame.b.toFixed(1)} (×${ffmpegPerFrame.ratio.toFixed(2)}; per run main ${ffmpegPerFrame.each('main')}, substream ${ffmpegPerFrame.each('substream')})`);
  const total = figures(totalShare);
  console.log(`vision.substream_system_cpu_pct: ${total.a.toFixed(0)} → ${total.b.toFixed(0)} % of a core (×${total.ratio.toFixed(2)}; roles + ffmpeg + Mosquitto + PostgreSQL)`);
  const perFrame = figures((step) => step.cpuMsPerFrame);
  console.log(`vision.substream_cpu_ms_per_analysed_frame: ${perFrame.a.toFixed(1)} → ${perFrame.b.toFixed(1)} (×${perFrame.ratio.toFixed(2)}; per run main ${perFrame.each('main')}, substream ${perFrame.each('substream')})`);
  const analysed = figures((step) => step.analysedPerS);
  console.log(`vision.substream_analysed_fps: ${analysed.a.toFixed(1)} → ${analysed.b.toFixed(1)} (×${analysed.ratio.toFixed(2)}; all ${cameras} cameras; passes main ${results.main.filter((step) => step.passed).length}/${settings.abRounds}, substream ${results.substream.filter((step) => step.passed).length}/${settings.abRounds})`);
}

export async function run(args: string[]): Promise<void> {
  const settings = parseSettings(args);
  // Each step prints its load average: whether other jobs shared the cores (then only ratios count).
  const machine = `${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim()})`;
  const threads =
    `${settings.sessions} session(s) x ${settings.intraOpThreads} thread(s), slot cameras decode ${settings.slotDecode === 'keyframes' ? 'keyframes only' : 'every frame'}, ` +
    `input ${settings.inputSize ? `${settings.inputSize}x${settings.inputSize} (cameras' detectInputSize)` : 'the model\'s own'}, ` +
    `cameras ${settings.inPhase ? 'of a scene in phase' : 'spread over the second'}`;
  if (settings.abRounds > 0) return runSubstreamAb(settings, machine, threads);

  // The machine's limit first, with nothing of the system running.
  const loadBare = loadAverage();
  const bareBefore = await bareInferencesPerSecond(settings);

  const steps: StepResult[] = [];
  const measure = async (cameras: number) => {
    const step = await runStep(cameras, settings);
    steps.push(step);
    console.log(`# vision-live step: ${describe(step)}`);
    return step;
  };
  let highestPass = 0;
  let lowestFail: number | undefined;
  for (const cameras of settings.steps) {
    if ((await measure(cameras)).passed) highestPass = cameras;
    else {
      lowestFail = cameras;
      break;
    }
  }
  // Then bisect between the last pass and the first failure, to within a tenth (at least 2 cameras).
  while (settings.refine && lowestFail !== undefined && lowestFail - highestPass > Math.max(2, Math.ceil(highestPass / 10))) {
    const cameras = Math.floor((highestPass + lowestFail) / 2);
    if ((await measure(cameras)).passed) highestPass = cameras;
    else lowestFail = cameras;
  }
  steps.sort((a, b) => a.cameras - b.cameras);

  // And once more after the steps: on a shared machine the limit moves, the mean of both is the figure.
  const loadBareAfter = loadAverage();
  const bareAfter = await bareInferencesPerSecond(settings);
  const bare = (bareBefore + bareAfter) / 2;
  console.log(
    `vision.bare_inferences_per_s: ${bare.toFixed(1)} (${settings.modelId}, bare onnxruntime-node on a constant tensor, ${threads} as the analytics role, ` +
      `${settings.bareSeconds} s before the steps (${bareBefore.toFixed(1)}, load ${loadBare}) and after (${bareAfter.toFixed(1)}, load ${loadBareAfter}), ${machine})`,
  );
  const atN = steps.find((step) => step.cameras === highestPass) ?? steps[0];
  const streams = settings.substream ? `${sizeText(settings.cameraSize)} main + ${sizeText(settings.substream)} detect substream` : sizeText(settings.cameraSize);
  const conditions = `${DETECT_FPS} fps detect, simulated RTSP ${streams} H.264 (traffic and people videos), ${transportDescription(settings)}, ${settings.modelId} ${threads}, ${settings.seconds} s per step, ${machine}`;
  const highest = highestPass ? `${highestPass}` : `0 (every step failed, the smallest was ${steps[0]?.cameras} cameras; figures below are from it)`;
  const next = steps.find((step) => step.cameras === lowestFail);
  console.log(`vision.live_cameras_at_1fps: ${highest} (${conditions}; steps ${steps.map((step) => `${step.cameras}${step.passed ? '' : '✗'}`).join(',')}${next ? `; ${next.cameras} failed: ${next.why}` : '; every step passed'}; load ${atN.load})`);
  console.log(`vision.frame_age_p95_ms: ${Math.round(atN.frameAgeP95Ms)} (camera-ingest reads the frame from ffmpeg → analytics finished its analysis, all cameras pooled, at ${atN.cameras} cameras)`);
  const parts = [...atN.cpuByPart].sort((a, b) => b[1] - a[1]).map(([part, pct]) => `${part} ${pct.toFixed(0)} %`);
  console.log(
    `vision.cpu_ms_per_analysed_frame: ${atN.cpuMsPerFrame.toFixed(0)} (at ${atN.cameras} cameras, /proc of camera-ingest + its ffmpeg, analytics (${settings.oneProcess ? 'one process' : 'two processes'}), Mosquitto, PostgreSQL; ` +
      `simulator and this bench excluded; CPU in % of one core: ${parts.join(', ')})`,
  );
  console.log(`vision.efficiency: ${(atN.analysedPerS / bare).toFixed(2)} (${atN.analysedPerS.toFixed(1)} analysed frames/s at ${atN.cameras} cameras ÷ ${bare.toFixed(1)} bare inferences/s, same run)`);
  const [first, last] = [steps[0], steps.at(-1)];
  if (first && last && last.cameras > first.cameras) {
    const slope = (last.rolesMemoryMb - first.rolesMemoryMb) / (last.cameras - first.cameras);
    console.log(`vision.rss_mb_per_camera: ${slope.toFixed(1)} (PSS of camera-ingest + its ffmpeg children + analytics, shared pages counted once: ${first.rolesMemoryMb.toFixed(0)} MB at ${first.cameras} cameras, ${last.rolesMemoryMb.toFixed(0)} MB at ${last.cameras})`);
  } else {
    console.log(`vision.rss_mb_per_camera: n/a (needs two steps; ${first?.rolesMemoryMb.toFixed(0)} MB at ${first?.cameras} cameras)`);
  }
}
