// npm run bench -- cameras [--step 25] [--max-cameras 300] [--seconds 30] [--settle-seconds 15]
// npm run bench -- cameras --cameras 20 --seconds 10      (quick: one step of 20 cameras)
//
// Camera ingest as a city runs it, measured at each camera count rather than extrapolated from one.
// A private CityOps (ops/faults/system.ts: its own PostgreSQL and Mosquitto, the camera simulator and each
// role as its own OS process) runs the camera-ingest and analytics roles with their defaults: analysis
// slots as the real scheduler gives them (SLOT_COUNT unset = the capacity the analytics role measured at
// its start), so cameras holding a slot decode every frame at their detect rate and the others keyframes
// only (CAMERA_CHEAP_TIER_DECODE=keyframes). Cameras are enabled step by step; at each step, once all are
// online and settled, the CPU of the camera-ingest process and all its children (ffmpeg, those that exited
// meanwhile included) is read from /proc over a window. The simulator (one Node RTSP server fanning one
// publisher per scene out to every camera path) and analytics share the machine: their CPU is not counted,
// and is printed beside the figure with the load average.
import os from 'node:os';
import { sendSimulatorFault } from '../camera/simulator/rtsp-control.ts';
import { FaultSystem } from '../../ops/faults/system.ts';
import { commandLine, descendants, machineCpuTicks, processCpuSeconds, residentKb, sleep, treeCpuSeconds, waitUntil } from '../../ops/faults/processes.ts';

/** Camera counts always measured when stepping (the figures the README table quotes). */
const REQUIRED_STEPS = [100, 200];
const ONLINE_TIMEOUT_MS = 180_000;
/** Machine busy from here on (all cores): processes wait for a core, and CPU used is no longer CPU needed. */
const SATURATED_PCT = 95;

const fpsText = (fps: number | undefined) => (fps === undefined ? '-' : fps.toFixed(2));

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
}

interface StepResult {
  cameras: number;
  /** camera-ingest process + its ffmpeg children, % of one core. */
  ingestCpuPct: number;
  /** Of which the camera-ingest Node process itself (frame reading, motion, JPEG for slots, live relay). */
  workerCpuPct: number;
  simulatorCpuPct: number;
  analyticsCpuPct: number;
  /** Whole machine busy, % of all cores. */
  machineBusyPct: number;
  /** ffmpeg processes decoding every frame (a slot) / keyframes only, mean over the window's samples. */
  allFramesMean: number;
  keyframesMean: number;
  online: number;
  /** Mean delivered frames/s (camera-ingest's own 10 s rate) of cameras holding a slot, and of the others. */
  slottedFps: number | undefined;
  keyframeFps: number | undefined;
  rssMb: number;
  loadAverage: string;
}

/** Enables cam-001 … cam-N (in id order) and disables the rest; the worker picks them up at its next lease heartbeat. */
async function enableCameras(system: FaultSystem, count: number): Promise<void> {
  await system.db.query(
    `UPDATE cameras c SET enabled = r.n <= $1
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM cameras) r
      WHERE r.id = c.id AND c.enabled IS DISTINCT FROM (r.n <= $1)`,
    [count],
  );
}

/** Delivered frame rates as camera-ingest stores them, split by whether the camera holds an analysis slot. */
async function deliveredFps(system: FaultSystem): Promise<{ slotted?: number; keyframes?: number }> {
  const result = await system.db.query<{ slotted: boolean; fps: number }>(
    `SELECT (a.camera_id IS NOT NULL) AS slotted, avg(s.fps)::float8 AS fps
       FROM camera_status s JOIN cameras c ON c.id = s.camera_id LEFT JOIN analysis_slots a ON a.camera_id = s.camera_id
      WHERE c.enabled GROUP BY 1`,
  );
  return { slotted: result.rows.find((row) => row.slotted)?.fps, keyframes: result.rows.find((row) => !row.slotted)?.fps };
}

async function camerasOnline(system: FaultSystem): Promise<number> {
  const result = await system.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM camera_status s JOIN cameras c ON c.id = s.camera_id WHERE c.enabled AND s.state = 'online'`,
  );
  return result.rows[0].n;
}

/** How many ingest ffmpegs decode every frame, and how many keyframes only (`-skip_frame nokey`). */
function decodeModes(ingestPid: number): { all: number; keyframes: number } {
  const modes = { all: 0, keyframes: 0 };
  for (const child of descendants(ingestPid)) {
    if (child.command !== 'ffmpeg') continue;
    if (commandLine(child.pid).includes('-skip_frame')) modes.keyframes++;
    else modes.all++;
  }
  return modes;
}

function pidOf(system: FaultSystem, role: 'camera-ingest' | 'analytics'): number {
  const pid = system.roles.get(role)?.pid;
  if (!pid) throw new Error(`the ${role} role is not running`);
  return pid;
}

async function measureStep(system: FaultSystem, cameras: number, seconds: number, settleSeconds: number): Promise<StepResult> {
  await enableCameras(system, cameras);
  const ingestPid = pidOf(system, 'camera-ingest');
  const online = await waitUntil(() => camerasOnline(system), (count) => count >= cameras, ONLINE_TIMEOUT_MS, 1000);
  const ffmpegs = await waitUntil(async () => decodeModes(ingestPid), (modes) => modes.all + modes.keyframes === cameras, 30_000, 500);
  if (!online.ok || !ffmpegs.ok) console.log(`# ${cameras} cameras: only ${online.value} online, ${ffmpegs.value.all + ffmpegs.value.keyframes} ffmpeg running; measuring anyway`);
  // Startup (RTSP setup, probing) and the first slot changes (a slot restarts ffmpeg in the other mode) pass first.
  await sleep(settleSeconds * 1000);

  const simulatorPid = system.simulator?.pid;
  const analyticsPid = pidOf(system, 'analytics');
  const before = {
    ingest: treeCpuSeconds(ingestPid),
    worker: processCpuSeconds(ingestPid),
    simulator: simulatorPid ? treeCpuSeconds(simulatorPid) : 0,
    analytics: treeCpuSeconds(analyticsPid),
    machine: machineCpuTicks(),
    at: performance.now(),
  };
  const samples: Array<{ all: number; keyframes: number }> = [];
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    samples.push(decodeModes(ingestPid));
    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
  }
  const elapsedSeconds = (performance.now() - before.at) / 1000;
  const machine = machineCpuTicks();
  const pct = (cpuSeconds: number) => (cpuSeconds / elapsedSeconds) * 100;
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const fps = await deliveredFps(system);
  const treeRssKb = [ingestPid, ...descendants(ingestPid).map((child) => child.pid)].reduce((sum, pid) => sum + (residentKb(pid) ?? 0), 0);
  return {
    cameras,
    ingestCpuPct: pct(treeCpuSeconds(ingestPid) - before.ingest),
    workerCpuPct: pct(processCpuSeconds(ingestPid) - before.worker),
    simulatorCpuPct: simulatorPid ? pct(treeCpuSeconds(simulatorPid) - before.simulator) : 0,
    analyticsCpuPct: pct(treeCpuSeconds(analyticsPid) - before.analytics),
    machineBusyPct: ((machine.busy - before.machine.busy) / (machine.total - before.machine.total)) * 100,
    allFramesMean: mean(samples.map((sample) => sample.all)),
    keyframesMean: mean(samples.map((sample) => sample.keyframes)),
    online: await camerasOnline(system),
    slottedFps: fps.slotted,
    keyframeFps: fps.keyframes,
    rssMb: treeRssKb / 1024,
    loadAverage: os.loadavg().map((value) => value.toFixed(2)).join(' '),
  };
}

/** Time from the camera closing its TCP session to the camera online again, from the state ingest stores. */
async function restartAfterCut(system: FaultSystem, cameraId: string): Promise<{ ms: number; cameras: number }> {
  const cutAt = new Date();
  await sendSimulatorFault(system.ports.rtsp, cameraId, 'disconnect');
  const back = await waitUntil(
    async () => (await system.db.query<{ since: Date }>(`SELECT since FROM camera_status WHERE camera_id = $1 AND state = 'online' AND since > $2`, [cameraId, cutAt])).rows[0],
    (row) => row !== undefined,
    60_000,
    100,
  );
  if (!back.ok) throw new Error(`${cameraId} not online again within 60 s after the cut`);
  return { ms: back.value.since.getTime() - cutAt.getTime(), cameras: await camerasOnline(system) };
}

export async function run(args: string[]): Promise<void> {
  const quickCameras = option(args, 'cameras', 0);
  const step = option(args, 'step', 25);
  const maxCameras = quickCameras || option(args, 'max-cameras', 300);
  const seconds = option(args, 'seconds', 30);
  const settleSeconds = option(args, 'settle-seconds', quickCameras ? 5 : 15);
  const cores = os.availableParallelism();
  // Half the machine left free: half of all cores, in % of one core (100 on 2 cores).
  const halfMachinePct = (cores * 100) / 2;
  // A camera count fits when ingest stays within half the machine and keeps every camera online.
  const withinHalf = (result: StepResult) => result.ingestCpuPct <= halfMachinePct && result.online >= result.cameras;
  const steps = quickCameras
    ? [quickCameras]
    : [...new Set([...Array.from({ length: Math.floor(maxCameras / step) }, (_, index) => (index + 1) * step), ...REQUIRED_STEPS.filter((n) => n <= maxCameras)])].sort((a, b) => a - b);
  console.log(`# camera ingest at ${steps.join(', ')} cameras (stops once past half the machine and ${REQUIRED_STEPS.join(' and ')} measured), ${seconds} s windows; load average before start ${os.loadavg()[0].toFixed(2)} on ${cores} cores shared with other work`);

  const system = new FaultSystem({ scenario: 'bench-cameras', cameras: maxCameras, loadSensors: 0, roles: [] });
  const results: StepResult[] = [];
  // Ctrl-C must not leave PostgreSQL, Mosquitto, the roles and their ffmpegs running.
  const interrupt = () => {
    console.log('# interrupted: stopping the private CityOps');
    void system.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    await system.start();
    await enableCameras(system, 0);
    // Analytics first, on a machine without the ingest load: it measures its capacity (the slot count) at start.
    await system.startRole('analytics', { SLOT_COUNT: '' });
    await system.startRole('camera-ingest');
    const scheduler = async () =>
      (await system.db.query<{ slot_count: number; slot_source: string }>('SELECT slot_count, slot_source FROM analysis_scheduler_state')).rows[0];

    for (const cameras of steps) {
      const result = await measureStep(system, cameras, seconds, settleSeconds);
      results.push(result);
      const state = await scheduler();
      const over = !withinHalf(result);
      console.log(
        `cameras.cpu_pct_at_${cameras}: ${result.ingestCpuPct.toFixed(1)} (% of one core = ${((result.ingestCpuPct / (cores * 100)) * 100).toFixed(1)} % of the machine's ${cores} cores; camera-ingest process + its ffmpeg children from /proc over ${seconds} s, of which the Node process ${result.workerCpuPct.toFixed(1)}; ` +
          `default decode mode: ${result.allFramesMean.toFixed(1)} cameras decoding every frame (slots by the real scheduler: ${state?.slot_count ?? '?'} ${state?.slot_source ?? ''}), ${result.keyframesMean.toFixed(1)} keyframes only; ` +
          `${result.online}/${cameras} online, delivering ${fpsText(result.slottedFps)} frames/s per slot camera (detect 2) and ${fpsText(result.keyframeFps)} per keyframe camera (1 s GOP); ` +
          `${result.machineBusyPct >= SATURATED_PCT ? 'MACHINE SATURATED: this is the CPU ingest got, not what it needs; ' : ''}640x360 H.264 15 fps 1 s GOP, detect 2 fps, live relay and evidence buffer on; RSS ${result.rssMb.toFixed(0)} MB summed over the processes (shared libraries counted in each); ` +
          `not counted but sharing the machine: simulator ${result.simulatorCpuPct.toFixed(0)} %, analytics ${result.analyticsCpuPct.toFixed(0)} %; ` +
          `machine busy ${result.machineBusyPct.toFixed(0)} % of ${cores} cores; load average ${result.loadAverage})`,
      );
      if (cameras === steps[0] && !quickCameras) {
        const cut = await restartAfterCut(system, 'cam-001');
        console.log(
          `cameras.restart_after_cut_ms: ${cut.ms} (TCP session closed by the simulated camera → camera online again, as camera-ingest stores it: ` +
            `exit noticed, 1 s backoff, RTSP setup, first keyframe (1 s GOP); 1 camera of ${cut.cameras})`,
        );
      }
      if (over && REQUIRED_STEPS.every((required) => required > maxCameras || results.some((done) => done.cameras >= required))) break;
    }
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    const orphans = await system.stop();
    if (orphans.length) console.log(`# processes left after stop, killed: ${orphans.map((orphan) => `${orphan.command} ${orphan.pid}`).join(', ')}`);
  }

  if (quickCameras) return;
  // Largest measured count whose ingest CPU, and every smaller count's, stays within half the machine.
  const firstOver = results.findIndex((result) => !withinHalf(result));
  const within = firstOver < 0 ? results : results.slice(0, firstOver);
  const best = within.at(-1);
  const next = firstOver >= 0 ? results[firstOver] : undefined;
  console.log(
    `cameras.max_cameras_half_cpu_free: ${best?.cameras ?? 0} (largest camera count measured whose ingest CPU stays ≤ ${halfMachinePct} % of one core = 50 % of ${cores} cores, every camera online, and every smaller step too: ` +
      `${best ? `${best.ingestCpuPct.toFixed(1)} % at ${best.cameras}` : `none of the steps`}; ` +
      `${next ? `${next.cameras} cameras took ${next.ingestCpuPct.toFixed(1)} % with ${next.online} online` : `still within at the largest step (${maxCameras}); raise --max-cameras`}; ` +
      `stepped by ${step}; default decode mode, slots by the real scheduler; simulator and analytics not counted but sharing the machine)`,
  );
}
