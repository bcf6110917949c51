// The sensor-ingest role: the sensor directory, the ingest worker (MQTT → PostgreSQL), the sensor rules
// that turn the readings it stored into live state and alerts, the watches for silent sensors and failed
// pumps, the tide forecaster (analytics/tide-forecast/) and the joint rules over sensors and cameras
// (analytics/joint-rules/evaluator.ts says why here).
// The rules run here, beside the worker, on the readings it has just committed (ARCHITECTURE.md says why).
// Several of these roles may run at once on several machines: with MQTT 5 they share the subscription,
// and all state they share lives in PostgreSQL.
import os from 'node:os';
import type { MqttClient } from 'mqtt';
import { createAlertRaiser } from '@cityops/core/alerts/raise';
import type { AlertRaiser } from '@cityops/core/alerts/types';
import { ComponentGroup, type Component } from '@cityops/core/lifecycle';
import { createLivePublisher, type LivePublisher } from '@cityops/core/live/publisher';
import type { RoleContext } from '@cityops/core/role-context';
import { SensorDirectory } from '@cityops/devices/sensor-directory';
import { createSensorIngestPipeline, type SensorIngestPipeline } from '@cityops/ingest/sensors/ingest-pipeline';
import { SensorRuleEngine } from '@cityops/analytics/sensor-rules/rule-engine';
import { OfflineWatch } from '@cityops/analytics/sensor-rules/offline-watch';
import { TideForecaster } from '@cityops/analytics/tide-forecast/forecaster';
import { PumpWatch } from '@cityops/analytics/sensor-rules/pump-watch';
import { JointRuleEvaluator } from '@cityops/analytics/joint-rules/evaluator';

export interface SensorIngestParts extends SensorIngestPipeline {
  directory: SensorDirectory;
  engine: SensorRuleEngine;
  offlineWatch: OfflineWatch;
  tideForecaster: TideForecaster;
  pumpWatch: PumpWatch;
  jointRules: JointRuleEvaluator;
}

/** Builds the role's parts; `alerts` and `live` default to the real alerts service and live publisher. */
export function createSensorIngestParts(
  context: RoleContext,
  overrides: { alerts?: AlertRaiser; live?: LivePublisher; alertCopyMqtt?: () => MqttClient | undefined } = {},
): SensorIngestParts {
  const { config, db, logger } = context;
  const log = logger.child({ role: 'sensor-ingest' });
  const live = overrides.live ?? createLivePublisher(db);
  const directory = new SensorDirectory(db, log);
  // Built per call from the current MQTT client, so alert copies on MQTT start once the role has connected.
  const realAlerts = (): AlertRaiser => createAlertRaiser({ db, live, mqtt: overrides.alertCopyMqtt?.() });
  const alerts: AlertRaiser = overrides.alerts ?? {
    raise: (trigger) => realAlerts().raise(trigger),
    clear: (key, reason) => realAlerts().clear(key, reason),
  };
  const engine = new SensorRuleEngine({ db, logger: log, profiles: directory, alerts, live });
  const pipeline = createSensorIngestPipeline(context, { logger: log, sensors: directory, onStored: (readings) => engine.enqueue(readings) });
  const offlineWatch = new OfflineWatch({ db, logger: log, engine, profiles: directory, live, checkEveryMs: config.SENSOR_OFFLINE_CHECK_SECONDS * 1000 });
  // The demo's simulated gauges run SENSOR_SIM_TIME_FACTOR tide hours per hour: so does their forecast.
  const timeFactor = config.simulate ? config.SENSOR_SIM_TIME_FACTOR : 1;
  const tideForecaster = new TideForecaster({
    db,
    caps: context.caps,
    logger: log,
    alerts,
    settings: { fitDays: config.TIDE_FORECAST_FIT_DAYS, warnHours: config.TIDE_FORECAST_WARN_HOURS, timeFactor, timeZone: config.CITY_TIME_ZONE },
    everyMs: Math.max(1000, (config.TIDE_FORECAST_EVERY_MINUTES * 60_000) / timeFactor),
  });
  const pumpWatch = new PumpWatch({ db, logger: log, alerts, profiles: directory, checkEveryMs: config.PUMP_CHECK_SECONDS * 1000 });
  const jointRules = new JointRuleEvaluator({ db, logger: log, alerts, checkEveryMs: config.JOINT_RULES_CHECK_SECONDS * 1000 });
  return { directory, engine, offlineWatch, tideForecaster, pumpWatch, jointRules, ...pipeline };
}

export async function createRole(context: RoleContext): Promise<Component> {
  let alertCopy: MqttClient | undefined;
  const parts = createSensorIngestParts(context, { alertCopyMqtt: () => alertCopy });
  const alertCopyConnection: Component = {
    name: 'sensor-alert-mqtt-copy',
    async start() {
      alertCopy = await context.connectMqtt(`cityops-sensor-alerts-${os.hostname().slice(0, 30)}-${process.pid}`);
    },
    async stop() {
      await alertCopy?.endAsync();
      alertCopy = undefined;
    },
  };
  const rulesFlush: Component = { name: 'sensor-rules', start: async () => {}, stop: () => parts.engine.stop() };
  // Stopped in reverse: the watch, the legacy drain and the worker (last batches committed), then the rules
  // (last readings applied).
  return new ComponentGroup([parts.directory, alertCopyConnection, rulesFlush, parts.worker, parts.legacySessionDrain, parts.offlineWatch, parts.tideForecaster, parts.pumpWatch, parts.jointRules]);
}
