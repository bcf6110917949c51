// PostgreSQL stopped for 60 s (fast shutdown) while 1,000 readings/s arrive at QoS 1. Survives when no
// role exits and, once the database is back, every reading the broker acknowledged is stored once
// (compared by sensor and seq), and /readyz answers 200 again.
import type { Scenario } from '../scenario.ts';
import { drain, ReadingPublisher } from '../readings.ts';
import { sleep, waitUntil } from '../processes.ts';

const BEFORE_MS = 10_000;
const AFTER_MS = 20_000;

export const databaseOutage: Scenario = {
  name: 'database-outage',
  timeoutMs: (options) => (options.outageSeconds + 600) * 1000,
  async run({ options, system: create, log }) {
    const system = create({ cameras: 2, loadSensors: 1000 });
    await system.start();
    const publisher = new ReadingPublisher({ url: system.broker.url, ...system.service, clientId: `faults-pub-${system.tag}`, sensorIds: system.loadSensorIds });
    await publisher.connect();
    publisher.start(options.rate);
    await sleep(BEFORE_MS);
    log(`stopping PostgreSQL for ${options.outageSeconds} s`);
    await system.database.stop();
    await sleep(options.outageSeconds * 1000);
    await system.database.start();
    log('PostgreSQL is back');
    await sleep(AFTER_MS);
    await publisher.stop();
    // Lost is counted the way an operator would see it after a supervisor restarted what died.
    const restarted = await system.restartExitedRoles();
    const outcome = await drain(system.db, publisher, system.loadSensorIds, { quietMs: 30_000, timeoutMs: 180_000 });
    const ready = await waitUntil(() => system.api('/readyz'), (status) => status === 200, 30_000);
    const exits = system.exitSummary();
    const failures: string[] = [];
    if (system.unexpectedExits.length) failures.push(exits);
    if (outcome.lost) failures.push(`${outcome.lost} acknowledged readings not stored`);
    if (outcome.duplicated) failures.push(`${outcome.duplicated} readings stored twice`);
    if (!ready.ok) failures.push(`/readyz ${ready.value} after the outage`);
    return {
      survived: failures.length === 0,
      lost: outcome.lost,
      conditions: `PostgreSQL stopped ${options.outageSeconds} s under ${options.rate}/s QoS 1 over 1,000 sensors; ${outcome.accepted} accepted by the broker, ${outcome.stored} stored, ${outcome.duplicated} duplicated; ${publisher.failed} publishes failed; ${exits}${restarted ? `, ${restarted} restarted by the harness before counting` : ''}`,
      failures,
    };
  },
};
