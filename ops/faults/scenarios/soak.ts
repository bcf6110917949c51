// A soak: `--soak-cameras` simulated cameras (50) and `--soak-sensors` sensors (1,000, one reading every
// 10 s each) for `--soak-minutes` (10). Samples every role process's RSS and open file descriptors every
// SAMPLE_MS; after a warm-up, compares the median of the last three samples with the first three.
// Survives when RSS grows under 10 %, descriptors stay flat (within FD_SLACK), no role exits, every
// reading is stored, and stopping leaves no process behind (checked by the runner for every scenario).
import type { Role } from '@cityops/core/config';
import type { Scenario } from '../scenario.ts';
import { drain, ReadingPublisher } from '../readings.ts';
import { openFileDescriptors, residentKb, sleep, waitUntil } from '../processes.ts';

const SAMPLE_MS = 10_000;
const RSS_GROWTH_LIMIT = 0.1;
/** Descriptors may wobble by a few (a socket opening as another closes); a leak grows without bound. */
const FD_SLACK = 0.05;
const READINGS_PER_SENSOR_PER_SECOND = 0.1;
const WARM_UP_MS = 180_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export const soak: Scenario = {
  name: 'soak',
  timeoutMs: (options) => 1_200_000 + options.soakMinutes * 60_000,
  async run({ options, system: create, log }) {
    const system = create({ cameras: options.soakCameras, loadSensors: options.soakSensors });
    await system.start();
    const online = await waitUntil(() => system.camerasOnline(), (count) => count === options.soakCameras, 300_000, 2000);
    log(`${online.value}/${options.soakCameras} cameras online after ${Math.round(online.waitedMs / 1000)} s`);
    const publisher = new ReadingPublisher({ url: system.broker.url, ...system.service, clientId: `faults-pub-${system.tag}`, sensorIds: system.loadSensorIds });
    await publisher.connect();
    const rate = options.soakSensors * READINGS_PER_SENSOR_PER_SECOND;
    publisher.start(rate);
    // Warm-up: caches, pools and bounded buffers fill first; growth after that is what matters. The
    // slowest to fill is the api's live-recovery buffer (every live event kept LIVE_RECOVERY_WINDOW_SECONDS,
    // 120 s, pruned each minute): measured from minute 1, the api's RSS rose 12.7 % and then stayed flat.
    await sleep(Math.min(WARM_UP_MS, options.soakMinutes * 30_000));
    const samples = new Map<Role, Array<{ rssKb: number; fds: number }>>();
    const deadline = Date.now() + options.soakMinutes * 60_000;
    while (Date.now() < deadline) {
      for (const [role, child] of system.roles) {
        const pid = child.pid;
        const rssKb = pid ? residentKb(pid) : undefined;
        const fds = pid ? openFileDescriptors(pid) : undefined;
        if (rssKb === undefined || fds === undefined) continue;
        samples.set(role, [...(samples.get(role) ?? []), { rssKb, fds }]);
      }
      system.trackProcesses();
      await sleep(Math.min(SAMPLE_MS, Math.max(0, deadline - Date.now())));
    }
    const camerasAtEnd = await system.camerasOnline();
    await publisher.stop();
    const outcome = await drain(system.db, publisher, system.loadSensorIds, { quietMs: 30_000, timeoutMs: 180_000 });
    const failures: string[] = [];
    const figures: string[] = [];
    for (const [role, series] of samples) {
      if (series.length < 2) continue;
      const perMinute = series.filter((_, index) => index % Math.round(60_000 / SAMPLE_MS) === 0);
      log(`${role} RSS per minute (MB): ${perMinute.map((sample) => Math.round(sample.rssKb / 1024)).join(' ')}`);
      const head = series.slice(0, 3);
      const tail = series.slice(-3);
      const rssBefore = median(head.map((sample) => sample.rssKb));
      const rssAfter = median(tail.map((sample) => sample.rssKb));
      const fdsBefore = median(head.map((sample) => sample.fds));
      const fdsAfter = median(tail.map((sample) => sample.fds));
      const growth = (rssAfter - rssBefore) / rssBefore;
      figures.push(`${role} RSS ${Math.round(rssBefore / 1024)}→${Math.round(rssAfter / 1024)} MB (${(growth * 100).toFixed(1)} %), fds ${fdsBefore}→${fdsAfter}`);
      if (growth >= RSS_GROWTH_LIMIT) failures.push(`${role} RSS grew ${(growth * 100).toFixed(1)} %`);
      if (fdsAfter > fdsBefore * (1 + FD_SLACK) + 2) failures.push(`${role} open files ${fdsBefore}→${fdsAfter}`);
    }
    if (camerasAtEnd < options.soakCameras) failures.push(`${camerasAtEnd}/${options.soakCameras} cameras online at the end`);
    if (outcome.lost) failures.push(`${outcome.lost} acknowledged readings not stored`);
    if (system.unexpectedExits.length) failures.push(system.exitSummary());
    return {
      survived: failures.length === 0,
      lost: outcome.lost,
      conditions: `${options.soakMinutes} min after a warm-up, ${options.soakCameras} simulated cameras (${camerasAtEnd} online at the end), ${options.soakSensors} sensors at ${rate}/s QoS 1 (${outcome.accepted} accepted, ${outcome.stored} stored); ${figures.join('; ')}; ${system.exitSummary()}`,
      failures,
    };
  },
};
