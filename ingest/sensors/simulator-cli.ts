// `npm run sim:sensors -- [options]`: simulated sensors publishing to a real broker.
//
//   --url mqtt://127.0.0.1:1883     broker (default MQTT_URL, else the local Mosquitto)
//   --count 12 --prefix sim-        generate sensors sim-tide-level-001, sim-water-level-002, … (kinds in turn)
//   --from-registry                 simulate the enabled sensors of the registry instead (needs DATABASE_URL)
//   --device-credentials            publish with each sensor's own MQTT password (with --from-registry; needs SECRET_KEY)
//   --register                      add the generated sensors to the registry, demo thresholds (needs DATABASE_URL)
//   --interval-ms 10000             per-sensor reporting interval
//   --time-factor 60                simulated seconds per real second (default SENSOR_SIM_TIME_FACTOR)
//   --start-hours -2                simulated hours after the spring high water at start
//   --duration-s 0                  stop after this long (0 = until Ctrl-C)
// Faults:
//   --malformed-rate 0.01           share of messages that are malformed
//   --spike-rate 0.01               share of values that are impossible spikes
//   --silent ID:AFTER_S:FOR_S       a sensor goes silent (repeatable)
//   --clock-skew-s N | ID:N         timestamps N seconds off, for all or one sensor (repeatable)
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@cityops/core/config';
import { createLogger } from '@cityops/core/logger';
import { createDatabase, withTransaction } from '@cityops/core/database/pool';
import { SecretBox } from '@cityops/core/secret-box';
import { ensureDeviceCredentials } from '@cityops/devices/broker-credentials';
import { insertSensor, listEnabledSensorKinds, sensorExists } from '@cityops/devices/sensor-repository';
import { SENSOR_KINDS, sensorInput, type SensorKind } from '@cityops/devices/schemas';
import { SensorSimulator, type SimulatedDevice, type SimulatorFaults } from './simulator.ts';

const DEMO_THRESHOLDS: Partial<Record<SensorKind, Record<string, unknown>>> = {
  tide_level: { level1: 1.5, level2: 1.6, level3: 1.7, hysteresis: 0.03, rules: { rateOfRiseCmPerHour: 30, validMin: -3, validMax: 5 } },
  water_level: { level1: 1.4, level2: 1.55, level3: 1.7, hysteresis: 0.03, rules: { validMin: -3, validMax: 5 } },
  salinity: { level1: 1, level2: 2, level3: 4, hysteresis: 0.1, rules: { salinityLimit: 2 } },
  rainfall: { level1: 20, level2: 50, level3: 100, hysteresis: 2 },
};

function usage(message: string): never {
  console.error(`sim:sensors: ${message}\nSee the header of ingest/sensors/simulator-cli.ts for the options.`);
  process.exit(2);
}

async function main() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      count: { type: 'string' },
      prefix: { type: 'string', default: 'sim-' },
      'from-registry': { type: 'boolean', default: false },
      'device-credentials': { type: 'boolean', default: false },
      register: { type: 'boolean', default: false },
      'interval-ms': { type: 'string', default: '10000' },
      'time-factor': { type: 'string' },
      'start-hours': { type: 'string', default: '-2' },
      'duration-s': { type: 'string', default: '0' },
      'malformed-rate': { type: 'string', default: '0' },
      'spike-rate': { type: 'string', default: '0' },
      silent: { type: 'string', multiple: true, default: [] },
      'clock-skew-s': { type: 'string', multiple: true, default: [] },
      seed: { type: 'string' },
    },
  });
  const config = loadConfig(process.env, []);
  const logger = createLogger(config.LOG_LEVEL);
  const number = (name: string, text: string | undefined, min = -Infinity) => {
    const value = Number(text);
    if (text === undefined || !Number.isFinite(value) || value < min) usage(`--${name} must be a number ≥ ${min}`);
    return value;
  };
  const intervalMs = number('interval-ms', values['interval-ms'], 10);
  const url = values.url ?? config.MQTT_URL ?? 'mqtt://127.0.0.1:1883';

  const faults: SimulatorFaults = {
    malformedRate: number('malformed-rate', values['malformed-rate'], 0),
    spikeRate: number('spike-rate', values['spike-rate'], 0),
    silent: new Map(),
    clockSkewMs: new Map(),
  };
  for (const entry of values.silent) {
    const [id, after, duration] = entry.split(':');
    if (!id || after === undefined || duration === undefined) usage('--silent takes ID:AFTER_S:FOR_S');
    faults.silent.set(id, { afterMs: number('silent', after, 0) * 1000, forMs: number('silent', duration, 0) * 1000 });
  }
  for (const entry of values['clock-skew-s']) {
    const parts = entry.split(':');
    if (parts.length === 1) faults.clockSkewMs.set('*', number('clock-skew-s', parts[0]) * 1000);
    else faults.clockSkewMs.set(parts[0], number('clock-skew-s', parts[1]) * 1000);
  }

  let devices: SimulatedDevice[];
  const db = values['from-registry'] || values.register ? createDatabase(config.DATABASE_URL ?? usage('DATABASE_URL is needed for --from-registry / --register'), 2) : undefined;
  try {
    if (values['from-registry']) {
      const rows = await listEnabledSensorKinds(db!);
      devices = rows.map((row) => ({ id: row.id, kind: row.kind, intervalMs }));
      if (values['device-credentials']) {
        if (!config.SECRET_KEY) usage('--device-credentials needs SECRET_KEY to read the device passwords');
        const credentials = await ensureDeviceCredentials(db!, SecretBox.fromConfig(config.SECRET_KEY, config.dataDir), devices.map((device) => device.id));
        for (const device of devices) device.credentials = credentials.get(device.id);
      }
    } else {
      const count = number('count', values.count ?? String(config.SIMULATED_SENSORS), 1);
      devices = Array.from({ length: count }, (_, i) => {
        const kind = SENSOR_KINDS[i % SENSOR_KINDS.length];
        return { id: `${values.prefix}${kind.replace('_', '-')}-${String(i + 1).padStart(3, '0')}`, kind, intervalMs };
      });
      if (values.register) {
        const secretBox = new SecretBox(randomBytes(32)); // no device passwords are set here
        await withTransaction(db!, async (tx) => {
          for (const device of devices) {
            if (await sensorExists(tx, device.id)) continue;
            await insertSensor(
              tx,
              secretBox,
              sensorInput.parse({ id: device.id, name: `Simulated ${device.id}`, kind: device.kind, expectedIntervalSeconds: Math.ceil(intervalMs / 1000), ...DEMO_THRESHOLDS[device.kind] }),
            );
          }
        });
      }
    }
  } finally {
    await db?.end();
  }

  const simulator = new SensorSimulator({
    url,
    devices,
    serviceAccount: { username: values.username ?? config.MQTT_USERNAME, password: values.password ?? config.MQTT_PASSWORD },
    timeFactor: values['time-factor'] ? number('time-factor', values['time-factor'], 0.001) : config.SENSOR_SIM_TIME_FACTOR,
    startHours: number('start-hours', values['start-hours']),
    faults,
    logger,
    seed: values.seed ? number('seed', values.seed) : undefined,
  });
  await simulator.start();
  const report = () => console.log(`sim:sensors ${JSON.stringify(simulator.stats)}`);
  const reporter = setInterval(report, 10_000);
  const stop = async () => {
    clearInterval(reporter);
    await simulator.stop();
    report();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  const durationS = number('duration-s', values['duration-s'], 0);
  if (durationS > 0) setTimeout(() => void stop(), durationS * 1000);
}

main().catch((error) => {
  console.error(`sim:sensors: ${(error as Error).message}`);
  process.exit(1);
});
