// What a fault scenario is, and the runner that bounds it in time and cleans up whatever it started,
// on success, failure or timeout alike.
import { FaultSystem, type SystemOptions } from './system.ts';

export interface FaultOptions {
  /** Readings per second offered during the database outage. */
  rate: number;
  outageSeconds: number;
  /** Readings queued for the broker restart (10 minutes of the city's sensors, scaled). */
  queued: number;
  flapCycles: number;
  soakMinutes: number;
  soakCameras: number;
  soakSensors: number;
}

export interface ScenarioResult {
  survived: boolean;
  /** Readings (or, for cameras, alerts) the scenario expected to find and did not; undefined = not measured. */
  lost: number | undefined;
  conditions: string;
  /** Per-case outcomes, printed on the survived line only. */
  details?: string;
  /** Why it did not survive, one short reason each. */
  failures: string[];
}

export interface ScenarioContext {
  options: FaultOptions;
  /** Creates the scenario's system; the runner stops it whatever happens. */
  system(options: Omit<SystemOptions, 'scenario'>): FaultSystem;
  /** Registers extra cleanup (a process, a server) run after the systems stop. */
  onCleanup(cleanup: () => Promise<void>): void;
  log(message: string): void;
}

export interface Scenario {
  name: string;
  /** Upper bound on the whole scenario, setup included. */
  timeoutMs(options: FaultOptions): number;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

export interface ScenarioOutcome extends ScenarioResult {
  name: string;
  orphans: number;
  logs: string[];
  seconds: number;
}

const active = new Set<() => Promise<void>>();

/** Stops whatever a running scenario started (Ctrl-C on the bench). */
export async function cleanUpActive(): Promise<void> {
  await Promise.all([...active].map((cleanup) => cleanup().catch(() => {})));
}

export async function runScenario(scenario: Scenario, options: FaultOptions, log: (message: string) => void): Promise<ScenarioOutcome> {
  const systems: FaultSystem[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const startedAt = Date.now();
  let orphans = 0;
  const orphanNotes: string[] = [];
  const cleanup = async () => {
    for (const system of systems.splice(0)) {
      const left = await system.stop().catch((error: Error) => {
        orphanNotes.push(`cleanup failed: ${error.message}`);
        return [];
      });
      orphans += left.length;
      if (left.length) orphanNotes.push(`${left.length} process(es) left after stop: ${[...new Set(left.map((info) => info.command))].join(', ')}`);
    }
    for (const extra of cleanups.splice(0).reverse()) await extra().catch(() => {});
  };
  active.add(cleanup);
  const context: ScenarioContext = {
    options,
    system: (systemOptions) => {
      const system = new FaultSystem({ ...systemOptions, scenario: scenario.name });
      systems.push(system);
      return system;
    },
    onCleanup: (extra) => void cleanups.push(extra),
    log: (message) => log(`# ${scenario.name}: ${message}`),
  };
  const logs = () => systems.map((system) => system.logs);
  let result: ScenarioResult;
  let timer: NodeJS.Timeout | undefined;
  const keptLogs: string[] = [];
  try {
    const limit = scenario.timeoutMs(options);
    result = await Promise.race([
      scenario.run(context),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(limit / 1000)} s`)), limit))),
    ]);
  } catch (error) {
    result = { survived: false, lost: undefined, conditions: 'scenario did not finish', failures: [(error as Error).message.split('\n')[0]] };
  } finally {
    clearTimeout(timer);
    keptLogs.push(...logs());
    await cleanup();
    active.delete(cleanup);
  }
  const outcome: ScenarioOutcome = { ...result, name: scenario.name, orphans, logs: keptLogs, seconds: Math.round((Date.now() - startedAt) / 1000) };
  if (orphans) {
    outcome.survived = false;
    outcome.failures = [...outcome.failures, ...orphanNotes];
  }
  return outcome;
}
