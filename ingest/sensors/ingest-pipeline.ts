// Sensor ingest's own parts: the worker (MQTT → PostgreSQL) and the one-off drain of the session an
// older version left under its former client id. What happens to stored readings next is the caller's
// (`onStored`): the sensor-ingest role hands them to the sensor rules (apps/roles/sensor-ingest.ts).
import path from 'node:path';
import type { RoleContext } from '@cityops/core/role-context';
import type { Logger } from '@cityops/core/logger';
import { AppError } from '@cityops/core/errors';
import { brokerOptions } from './broker-options.ts';
import { sensorIngestClientId } from './client-id.ts';
import { SensorIngestWorker, type IngestWorkerOptions } from './ingest-worker.ts';
import { LegacySessionDrain, legacyClientId } from './legacy-session.ts';
import { DEFAULT_DECODE_LIMITS } from './payload.ts';

export interface SensorIngestPipeline {
  worker: SensorIngestWorker;
  /** Drains the session of the former default client id once after an upgrade (legacy-session.ts). */
  legacySessionDrain: LegacySessionDrain;
}

export function createSensorIngestPipeline(
  context: RoleContext,
  parts: { logger: Logger; sensors: IngestWorkerOptions['sensors']; onStored: IngestWorkerOptions['onStored'] },
): SensorIngestPipeline {
  const { config, db } = context;
  if (!config.MQTT_URL) throw new AppError('config_invalid', 'sensor-ingest needs MQTT_URL (or the embedded broker)', 'MQTT_URL');
  const clientId = sensorIngestClientId(config);
  const shared = config.SENSOR_INGEST_SHARED_SUBSCRIPTION ?? !config.embeddedBroker;
  const workerOptions: IngestWorkerOptions = {
    db,
    logger: parts.logger,
    sensors: parts.sensors,
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
    onStored: parts.onStored,
  };
  const worker = new SensorIngestWorker(workerOptions);
  const legacySessionDrain = new LegacySessionDrain({
    config,
    logger: parts.logger,
    drain: { ...workerOptions, broker: { ...workerOptions.broker, clientId: legacyClientId() } },
  });
  return { worker, legacySessionDrain };
}
