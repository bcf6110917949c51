// The broker restarted while it holds a long queue of QoS 1 readings for a stopped sensor-ingest worker
// (its persistent session): 10 minutes of the city's sensors, scaled to `--queued` readings. Two ways:
// `broker-restart` stops Mosquitto cleanly (SIGTERM, it writes its store), `broker-crash` kills it
// (SIGKILL, as a power cut or OOM kill would). Survives when every role stays up, the worker gets its
// session back and every acknowledged reading is stored once.
import type { Scenario } from '../scenario.ts';
import { drain, ReadingPublisher } from '../readings.ts';
import { sleep, waitUntil } from '../processes.ts';

const CRASH_AFTER_LAST_ACK_MS = 3000;

function brokerScenario(name: string, signal: NodeJS.Signals): Scenario {
  return {
    name,
    timeoutMs: () => 900_000,
    async run({ options, system: create, log }) {
      const system = create({ cameras: 2, loadSensors: 1000 });
      await system.start();
      await system.stopRole('sensor-ingest');
      const publisher = new ReadingPublisher({ url: system.broker.url, ...system.service, clientId: `faults-pub-${system.tag}`, sensorIds: system.loadSensorIds });
      await publisher.connect();
      log(`queueing ${options.queued} readings for the stopped sensor-ingest`);
      await publisher.burst(options.queued);
      await publisher.stop();
      // Mosquitto acknowledges a QoS 1 PUBLISH once it is in memory and saves to disk every
      // autosave_interval (1 s in the production config): a crash loses at most that last second. The
      // crash comes after it, so the scenario checks that what was saved is all delivered once.
      if (signal === 'SIGKILL') await sleep(CRASH_AFTER_LAST_ACK_MS);
      log(`restarting the broker (${signal})`);
      await system.broker.stop(signal);
      await system.broker.start();
      await system.startRole('sensor-ingest');
      const outcome = await drain(system.db, publisher, system.loadSensorIds, { quietMs: 30_000, timeoutMs: 300_000 });
      const ready = await waitUntil(() => system.api('/readyz'), (status) => status === 200, 30_000);
      const failures: string[] = [];
      if (system.unexpectedExits.length) failures.push(system.exitSummary());
      if (outcome.lost) failures.push(`${outcome.lost} acknowledged readings not stored`);
      if (outcome.duplicated) failures.push(`${outcome.duplicated} readings stored twice`);
      if (!ready.ok) failures.push(`/readyz ${ready.value} after the restart`);
      return {
        survived: failures.length === 0,
        lost: outcome.lost,
        conditions: `${outcome.accepted} QoS 1 readings queued for a stopped sensor-ingest (10 min of 1,000 sensors at one per 10 s = 60,000; --queued ${options.queued}), Mosquitto ${signal === 'SIGKILL' ? `killed (SIGKILL) ${CRASH_AFTER_LAST_ACK_MS / 1000} s after the last acknowledgement (autosave_interval 1 s: a crash within 1 s of an acknowledgement can lose it)` : 'restarted (SIGTERM)'} with core/deploy/mosquitto/mosquitto.conf; ${outcome.stored} stored, ${outcome.duplicated} duplicated; ${system.exitSummary()}`,
        failures,
      };
    },
  };
}

export const brokerRestart = brokerScenario('broker-restart', 'SIGTERM');
export const brokerCrash = brokerScenario('broker-crash', 'SIGKILL');
