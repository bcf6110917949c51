// The sensor-ingest role: the sensor directory, the ingest worker (MQTT → PostgreSQL), the rules that
// turn readings into live state and alerts, and the watch for silent sensors.
// Several of these roles may run at once on several machines: with MQTT 5 they share the subscription,
// and all state they share lives in PostgreSQL.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { createAlertRaiser } from '@cityops/core/alerts/raise';
import type { AlertRaiser } from '@cityops/core/alerts/types';
import type { Config } from '@cityops/core/config';
import { ComponentGroup, type Component } from '@cityops/core/lifecycle';
import { createLivePublisher, type LivePublisher } from '@cityops/core/live/publisher';
import type { RoleContext } from '@cityops/core/role-context';
import { SensorRuleEngine } from '@cityops/analytics/sensor-rules/rule-engine';
import { OfflineWatch } from '@cityops/analytics/sensor-rules/offline-watch';
import { SensorDirectory } from '@cityops/devices/sensor-directory';
import { brokerOptions } from './broker-options.ts';
import { hostTag } from './host-tag.ts';
import { SensorIngestWorker, type IngestWorkerOptions } from './ingest-worker.ts';
import { LegacySessionDrain, legacyClientId, moveLegacySpool } from './legacy-session.ts';
import { DEFAULT_DECODE_LIMITS } from './payload.ts';
import { AppError } from '@cityops/core/errors';

const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The worker's MQTT client id: SENSOR_INGEST_CLIENT_ID, else `cityops-sensor-ingest-<host>-<random>`
 * made once and kept in DATA_DIR/sensor-ingest/client-id-<host>. Stable, because the broker keeps the
 * worker's persistent session (its un-acknowledged and queued readings) under it; not guessable, because
 * whoever connects with it takes that session over (the embedded broker also refuses device accounts
 * any id but their own; see README "Client ids").
 */
export function sensorIngestClientId(config: Config): string {
  if (config.SENSOR_INGEST_CLIENT_ID) return config.SENSOR_INGEST_CLIENT_ID;
  const host = hostTag(24);
  const file = path.join(config.dataDir, 'sensor-ingest', `client-id-${host}`);
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (CLIENT_ID.test(saved)) return saved;
  }
  const clientId = `cityops-sensor-ingest-${host}-${randomBytes(8).toString('hex')}`;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  moveLegacySpool(config.dataDir, clientId);
  writeFileSync(`${file}.tmp`, `${clientId}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return clientId;
}

export interface SensorIngestParts {
  directory: SensorDirectory;
  engine: SensorRuleEngine;
  worker: SensorIngestWorker;
  offlineWatch: OfflineWatch;
  /** Drains the session of the former default client id once after an upgrade (legacy-session.ts). */
  legacySessionDrain: LegacySessionDrain;
}

/** Builds the role's parts; `alerts` and `live` default to the real alerts service and live publisher. */
export function createSensorIngestParts(
  context: RoleContext,
  overrides: { alerts?: AlertRaiser; live?: LivePublisher; alertCopyMqtt?: () => MqttClient | undefined } = {},
): SensorIngestParts {
  const { config, db, logger } = context;
  if (!config.MQTT_URL) throw new AppError('config_invalid', 'sensor-ingest needs MQTT_URL (or the embedded broker)', 'MQTT_URL');
  const log = logger.child({ role: 'sensor-ingest' });
  const clientId = sensorIngestClientId(config);
  const shared = config.SENSOR_INGEST_SHARED_SUBSCRIPTION ?? !config.embeddedBroker;
  const live = overrides.live ?? createLivePublisher(db);
  const directory = new SensorDirectory(db, log);
  // Built per call from the current MQTT client, so alert copies on MQTT start once the role has connected.
  const realAlerts = (): AlertRaiser => createAlertRaiser({ db, live, mqtt: overrides.alertCopyMqtt?.() });
  const alerts: AlertRaiser = overrides.alerts ?? {
    raise: (trigger) => realAlerts().raise(trigger),
    clear: (key, reason) => realAlerts().clear(key, reason),
  };
  const engine = new SensorRuleEngine({ db, logger: log, profiles: directory, alerts, live });
  const workerOptions: IngestWorkerOptions = {
    db,
    logger: log,
    sensors: directory,
    broker: brokerOptions(config, clientId),
    shareGroup: shared ? config.SENSOR_INGEST_SHARE_GROUP : undefined,
    spoolDirectory: path.join(config.dataDir, 'spool', 'sensors', clientId),
    batchSize: config.SENSOR_INGEST_BATCH_SIZE,
    batchMaxWaitMs: config.SENSOR_INGEST_BATCH_MS,
    limits: {
      ...DEFAULT_DECODE_LIMITS,
      maxFutureSkewMs: config.SENSOR_MAX_FUTURE_SKEW_SECONDS * 1000,
      deadLetterExcerptBytes: config.SENSOR_DEAD_LETTER_EXCERPT_BYTES,
    },
    deadLetterQuotaPerHour: config.SENSOR_DEAD_LETTER_QUOTA_PER_HOUR,
    onStored: (readings) => engine.enqueue(readings),
  };
  const worker = new SensorIngestWorker(workerOptions);
  const legacySessionDrain = new LegacySessionDrain({
    config,
    logger: log,
    drain: { ...workerOptions, broker: { ...workerOptions.broker, clientId: legacyClientId() } },
  });
  const offlineWatch = new OfflineWatch({ db, logger: log, engine, profiles: directory, live, checkEveryMs: config.SENSOR_OFFLINE_CHECK_SECONDS * 1000 });
  return { directory, engine, worker, offlineWatch, legacySessionDrain };
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
  return new ComponentGroup([parts.directory, alertCopyConnection, rulesFlush, parts.worker, parts.legacySessionDrain, parts.offlineWatch]);
}
