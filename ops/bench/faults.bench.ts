// `npm run bench -- faults [--only poison,database-outage] [--soak-minutes 10] [--flap-cycles 100]
//                          [--rate 1000] [--outage-seconds 60] [--queued 60000] [--soak-cameras 50] [--soak-sensors 1000]`
// Drives a real CityOps (its own PostgreSQL, Mosquitto, camera simulator and one OS process per role,
// all on loopback: see ops/faults/system.ts) through each fault scenario and prints, per scenario,
//   faults.<name>.survived: yes|no (conditions)
//   faults.<name>.lost: N (conditions)
// then `faults.survived: N/M`. Logs of every run are kept under $TMPDIR/cityops-faults-logs/.
import { cleanUpActive, runScenario, type FaultOptions } from '../faults/scenario.ts';
import { SCENARIOS } from '../faults/scenarios/index.ts';

function numberOption(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} expects a positive number`);
  return value;
}

export async function run(args: string[]): Promise<void> {
  const options: FaultOptions = {
    rate: numberOption(args, 'rate', 1000),
    outageSeconds: numberOption(args, 'outage-seconds', 60),
    queued: numberOption(args, 'queued', 60_000),
    flapCycles: numberOption(args, 'flap-cycles', 100),
    soakMinutes: numberOption(args, 'soak-minutes', 10),
    soakCameras: numberOption(args, 'soak-cameras', 50),
    soakSensors: numberOption(args, 'soak-sensors', 1000),
  };
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? (args[onlyIndex + 1] ?? '').split(',').filter(Boolean) : undefined;
  const unknown = only?.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name)) ?? [];
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; available: ${SCENARIOS.map((scenario) => scenario.name).join(', ')}`);
  const selected = SCENARIOS.filter((scenario) => !only || only.includes(scenario.name));

  const interrupt = () => {
    console.log('# interrupted: stopping what the scenario started');
    void cleanUpActive().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  // A scenario that timed out keeps running in the background until the bench exits; its late failures
  // (queries on a stopped database, say) must not end the suite.
  const late = (reason: unknown) => console.log(`# late failure of a finished scenario: ${(reason as Error)?.message ?? reason}`);
  process.on('unhandledRejection', late);

  let survived = 0;
  for (const scenario of selected) {
    console.log(`# ${scenario.name}: starting (${new Date().toISOString()})`);
    const outcome = await runScenario(scenario, options, (message) => console.log(message));
    const why = outcome.failures.length ? `; failed: ${outcome.failures.join('; ')}` : '';
    const details = outcome.details ? `; ${outcome.details}` : '';
    console.log(`faults.${outcome.name}.survived: ${outcome.survived ? 'yes' : 'no'} (${outcome.conditions}${details}${why}; ${outcome.seconds} s)`);
    console.log(`faults.${outcome.name}.lost: ${outcome.lost ?? 'not measured'} (${outcome.conditions})`);
    console.log(`# ${outcome.name}: logs in ${outcome.logs.join(', ') || 'none'}; ${outcome.orphans} process(es) left after stop`);
    if (outcome.survived) survived++;
  }
  console.log(`faults.survived: ${survived}/${selected.length}`);
  process.removeListener('SIGINT', interrupt);
  process.removeListener('SIGTERM', interrupt);
  process.removeListener('unhandledRejection', late);
}
