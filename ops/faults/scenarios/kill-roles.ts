// kill -9 of each role process in turn, under a steady reading load, each restarted by the harness as
// a supervisor (systemd, Kubernetes) would. After each kill the system must recover on its own within
// RECOVERY_MS: the role is up again, the api answers, every camera delivers frames again, readings
// published after the restart are stored; and the killed role's ffmpeg children must not outlive it.
// `lost` = acknowledged readings missing at the end.
import type { Role } from '@cityops/core/config';
import type { Scenario } from '../scenario.ts';
import { drain, ReadingPublisher } from '../readings.ts';
import { isAlive, sleep, waitUntil } from '../processes.ts';

const CAMERAS = 2;
const RATE = 100;
const RECOVERY_MS = 120_000;

export const killRoles: Scenario = {
  name: 'kill-roles',
  timeoutMs: () => 1_500_000,
  async run({ system: create, log }) {
    const system = create({ cameras: CAMERAS, loadSensors: 100 });
    await system.start();
    const failures: string[] = [];
    const initial = await waitUntil(() => system.camerasOnline(), (online) => online === CAMERAS, 120_000);
    if (!initial.ok) failures.push(`only ${initial.value} of ${CAMERAS} cameras online before any kill`);
    const publisher = new ReadingPublisher({ url: system.broker.url, ...system.service, clientId: `faults-pub-${system.tag}`, sensorIds: system.loadSensorIds });
    await publisher.connect();
    publisher.start(RATE);
    const recoveries: string[] = [];
    let orphanFfmpeg = 0;
    for (const role of system.roleList) {
      await sleep(5000);
      const ffmpegBefore = role === 'camera-ingest' ? system.cameraFfmpegPids() : [];
      const killedAt = new Date();
      log(`kill -9 ${role}`);
      await system.stopRole(role, 'SIGKILL');
      await sleep(1000);
      await system.startRole(role as Role);
      const restartedSeq = publisher.sent;
      const api = await waitUntil(() => system.api('/healthz'), (status) => status === 200, RECOVERY_MS);
      const cameras = await waitUntil(
        async () => (await system.db.query(`SELECT count(*)::int AS n FROM camera_status WHERE state = 'online' AND last_frame_at > $1`, [killedAt])).rows[0].n as number,
        (online) => online === CAMERAS,
        RECOVERY_MS,
      );
      const readings = await waitUntil(
        async () => (await system.db.query(`SELECT count(*)::int AS n FROM sensor_readings WHERE seq >= $1`, [restartedSeq])).rows[0].n as number,
        (stored) => stored > 0,
        RECOVERY_MS,
      );
      // The killed worker's ffmpeg processes: a kill -9 gives it no chance to stop them.
      const left = ffmpegBefore.filter((pid) => isAlive(pid) && !system.cameraFfmpegPids().includes(pid));
      orphanFfmpeg += left.length;
      const seconds = (Date.now() - killedAt.getTime()) / 1000;
      recoveries.push(`${role} ${api.ok && cameras.ok && readings.ok ? `${seconds.toFixed(0)} s` : 'not recovered'}`);
      if (!api.ok) failures.push(`api did not answer within ${RECOVERY_MS / 1000} s after killing ${role}`);
      if (!cameras.ok) failures.push(`${cameras.value}/${CAMERAS} cameras back within ${RECOVERY_MS / 1000} s after killing ${role}`);
      if (!readings.ok) failures.push(`no reading stored within ${RECOVERY_MS / 1000} s after killing ${role}`);
      if (left.length) failures.push(`${left.length} ffmpeg left running after killing ${role}`);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
    await publisher.stop();
    const outcome = await drain(system.db, publisher, system.loadSensorIds, { quietMs: 30_000, timeoutMs: 180_000 });
    if (system.unexpectedExits.length) failures.push(system.exitSummary());
    if (outcome.lost) failures.push(`${outcome.lost} acknowledged readings not stored`);
    return {
      survived: failures.length === 0,
      lost: outcome.lost,
      conditions: `kill -9 of ${system.roleList.join(', ')} in turn, each restarted 1 s later; ${RATE} readings/s QoS 1, ${CAMERAS} simulated cameras; recovered (api 200, cameras online, readings stored): ${recoveries.join(', ')}; ${outcome.accepted} accepted, ${outcome.stored} stored; ${orphanFfmpeg} orphan ffmpeg; ${system.exitSummary()}`,
      failures,
    };
  },
};
