// One camera drops and returns `--flap-cycles` times (default 100): the simulator stops its stream (the
// RTSP session hangs, as when a camera loses power or its uplink), waits for the offline alert, then
// resumes it. Each cycle: the camera_offline alert is open within 10 s of the drop, the camera delivers
// frames again within 15 s of its return. At the end no ffmpeg is left beyond one per camera.
// `lost` = cycles whose offline alert never came (within 30 s).
import { sendSimulatorFault } from '@cityops/ingest/camera/simulator/rtsp-control';
import { LiveViewer } from '../live-viewer.ts';
import type { Scenario } from '../scenario.ts';
import { sleep, survivors, waitUntil } from '../processes.ts';

const CAMERAS = 2;
const FLAPPING = 'cam-001';
const ALERT_WITHIN_MS = 10_000;
const BACK_WITHIN_MS = 15_000;
const GIVE_UP_MS = 30_000;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
};

export const cameraFlap: Scenario = {
  name: 'camera-flap',
  timeoutMs: (options) => 600_000 + options.flapCycles * (2 * GIVE_UP_MS + 5000),
  async run({ options, system: create, onCleanup, log }) {
    const system = create({ cameras: CAMERAS, loadSensors: 0, roles: ['api', 'camera-ingest', 'analytics'] });
    await system.start();
    const failures: string[] = [];
    const online = await waitUntil(() => system.camerasOnline(), (count) => count === CAMERAS, 120_000);
    if (!online.ok) throw new Error(`only ${online.value}/${CAMERAS} cameras online at the start`);
    // An operator watches the flapping camera live throughout, so every restart also goes through the relay.
    const viewer = new LiveViewer(system, FLAPPING);
    await viewer.start();
    onCleanup(() => viewer.stop());
    const ffmpegAtStart = system.cameraFfmpegPids().length;
    const seenFfmpeg = new Set<number>(system.cameraFfmpegPids());
    const alertMs: number[] = [];
    const backMs: number[] = [];
    let missingAlerts = 0;
    let lateAlerts = 0;
    let lateReturns = 0;
    let backMissing = 0;
    let notBack = 0;
    for (let cycle = 1; cycle <= options.flapCycles; cycle++) {
      // A cycle starts from a working camera; one still away from the last cycle is counted, not dropped again.
      const ready = await waitUntil(
        async () => (await system.db.query(`SELECT count(*)::int AS n FROM camera_status WHERE camera_id = $1 AND state = 'online'`, [FLAPPING])).rows[0].n as number,
        (count) => count > 0,
        2 * GIVE_UP_MS,
      );
      if (!ready.ok) {
        notBack++;
        continue;
      }
      const droppedAt = new Date();
      await sendSimulatorFault(system.ports.rtsp, FLAPPING, 'stop');
      const alert = await waitUntil(
        async () =>
          (
            await system.db.query(
              `SELECT count(*)::int AS n FROM alerts WHERE source_id = $1 AND kind = 'camera_offline' AND state IN ('new', 'acknowledged', 'assigned')
                 AND auto_cleared_at IS NULL AND last_seen_at >= $2::timestamptz - interval '1 second'`,
              [FLAPPING, droppedAt],
            )
          ).rows[0].n as number,
        (count) => count > 0,
        GIVE_UP_MS,
        100,
      );
      if (alert.ok) alertMs.push(alert.waitedMs);
      else missingAlerts++;
      if (alert.ok && alert.waitedMs > ALERT_WITHIN_MS) lateAlerts++;
      const resumedAt = new Date();
      await sendSimulatorFault(system.ports.rtsp, FLAPPING, 'resume');
      const back = await waitUntil(
        async () => (await system.db.query(`SELECT count(*)::int AS n FROM camera_status WHERE camera_id = $1 AND state = 'online' AND last_frame_at > $2`, [FLAPPING, resumedAt])).rows[0].n as number,
        (count) => count > 0,
        GIVE_UP_MS,
        100,
      );
      if (back.ok) backMs.push(back.waitedMs);
      else backMissing++;
      if (!back.ok || back.waitedMs > BACK_WITHIN_MS) lateReturns++;
      for (const pid of system.cameraFfmpegPids()) seenFfmpeg.add(pid);
      if (cycle % 10 === 0 || cycle === options.flapCycles) log(`cycle ${cycle}: alert p50 ${percentile(alertMs, 50)} ms, back p50 ${percentile(backMs, 50)} ms, ${missingAlerts} alerts missing`);
      if (!system.rolesAlive()) break;
    }
    await viewer.stop();
    await sleep(3000);
    const ffmpegAtEnd = system.cameraFfmpegPids();
    const cameraIngestPid = system.roles.get('camera-ingest')?.pid;
    // An orphan: an ffmpeg this run saw that is alive but no longer under camera-ingest, or more ffmpeg
    // under it than it had at the start for the same cameras.
    const detached = survivors(seenFfmpeg).filter((info) => !ffmpegAtEnd.includes(info.pid) && info.command === 'ffmpeg');
    const orphanFfmpeg = detached.length + Math.max(0, ffmpegAtEnd.length - ffmpegAtStart);
    if (missingAlerts) failures.push(`${missingAlerts} cycles without an offline alert within ${GIVE_UP_MS / 1000} s`);
    if (lateAlerts) failures.push(`${lateAlerts} offline alerts later than ${ALERT_WITHIN_MS / 1000} s`);
    if (notBack) failures.push(`${notBack} cycles skipped: the camera was not back ${(2 * GIVE_UP_MS) / 1000} s after the previous one`);
    if (lateReturns) failures.push(`${lateReturns} returns later than ${BACK_WITHIN_MS / 1000} s`);
    if (orphanFfmpeg) failures.push(`${orphanFfmpeg} orphan ffmpeg (camera-ingest pid ${cameraIngestPid})`);
    if (system.unexpectedExits.length) failures.push(system.exitSummary());
    const cycles = alertMs.length + missingAlerts;
    return {
      survived: failures.length === 0 && cycles === options.flapCycles,
      lost: missingAlerts,
      conditions: `${cycles} drop/return cycles of ${FLAPPING} (simulator stop/resume), ${CAMERAS} cameras, one operator watching it live (${viewer.sessions} stream sessions); offline alert p50 ${percentile(alertMs, 50)} ms, max ${Math.max(0, ...alertMs)} ms; back p50 ${percentile(backMs, 50)} ms, max ${Math.max(0, ...backMs)} ms (${backMissing} not back within ${GIVE_UP_MS / 1000} s); ${orphanFfmpeg} orphan ffmpeg; ${system.exitSummary()}`,
      failures,
    };
  },
};
