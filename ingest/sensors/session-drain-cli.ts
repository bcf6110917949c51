// `npm run sensors:drain -- --client-id ID`: stores what the broker holds in the persistent session of a
// sensor-ingest client id that will not come back (a removed worker of the shared subscription, an old id),
// then ends that session (session-drain.ts). Uses MQTT_URL, the service account, DATABASE_URL and the
// SENSOR_INGEST_* settings of the environment, like the role.
//
//   --client-id ID          the session to drain (required)
//   --quiet-seconds 2       the session counts as empty after this long without a message
//   --max-seconds 600       give up (session kept) if it still receives after this long
//   --filter F              a filter to remove from the session first (repeatable; default: the sensor
//                           filters of SENSOR_INGEST_SHARE_GROUP, shared and plain)
//
// Only for an id whose worker is stopped: connecting takes its session over. If its owner connects again
// during the drain, the command stops with exit code 3 and leaves the session (README "Draining a session").
// Exit codes: 0 drained and ended, 1 failed (session kept), 2 usage or configuration, 3 the id is in use.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@cityops/core/config';
import { createLogger } from '@cityops/core/logger';
import { createDatabase } from '@cityops/core/database/pool';
import { brokerOptions } from './broker-options.ts';
import { DEFAULT_DECODE_LIMITS } from './payload.ts';
import { sensorIngestClientId } from './client-id.ts';
import { SensorDirectory } from '@cityops/devices/sensor-directory';
import { SessionInUseError, drainSession } from './session-drain.ts';

const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

function usage(message: string): never {
  console.error(`sensors:drain: ${message}\nusage: npm run sensors:drain -- --client-id ID [--quiet-seconds 2] [--max-seconds 600] [--filter F]…`);
  process.exit(2);
}

async function main() {
  const { values } = parseArgs({
    options: {
      'client-id': { type: 'string' },
      'quiet-seconds': { type: 'string', default: '2' },
      'max-seconds': { type: 'string', default: '600' },
      filter: { type: 'string', multiple: true, default: [] },
    },
  });
  const clientId = values['client-id'] ?? usage('--client-id is required');
  if (!CLIENT_ID.test(clientId)) usage('--client-id must be 1 to 64 letters, digits, ".", "_" or "-"');
  const seconds = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) usage(`--${name} must be a number of seconds > 0`);
    return value;
  };
  const quietMs = seconds('quiet-seconds', values['quiet-seconds']) * 1000;
  const maxDurationMs = seconds('max-seconds', values['max-seconds']) * 1000;
  const config = loadConfig(process.env, []);
  if (!config.MQTT_URL) usage('MQTT_URL must name the broker that holds the session');
  if (!config.DATABASE_URL) usage('DATABASE_URL must name the PostgreSQL the readings go to');
  const ownId = config.SENSOR_INGEST_CLIENT_ID ?? sensorIngestClientId(config);
  if (clientId === ownId) console.warn(`sensors:drain: ${clientId} is this machine's own sensor-ingest id; make sure that worker is stopped`);

  const logger = createLogger(config.LOG_LEVEL);
  const db = createDatabase(config.DATABASE_URL, 3);
  const directory = new SensorDirectory(db, logger);
  try {
    await directory.start();
    const shared = config.SENSOR_INGEST_SHARED_SUBSCRIPTION ?? true;
    const shareGroup = shared ? config.SENSOR_INGEST_SHARE_GROUP : undefined;
    const result = await drainSession({
      db,
      logger,
      sensors: directory,
      broker: brokerOptions(config, clientId),
      shareGroup,
      filters: values.filter.length ? values.filter : undefined,
      // Spooled batches (PostgreSQL away) land where this machine's worker replays them at its next start.
      spoolDirectory: path.join(config.dataDir, 'spool', 'sensors', ownId),
      batchSize: config.SENSOR_INGEST_BATCH_SIZE,
      batchMaxWaitMs: config.SENSOR_INGEST_BATCH_MS,
      limits: { ...DEFAULT_DECODE_LIMITS, maxFutureSkewMs: config.SENSOR_MAX_FUTURE_SKEW_SECONDS * 1000, deadLetterExcerptBytes: config.SENSOR_DEAD_LETTER_EXCERPT_BYTES },
      deadLetterQuotaPerHour: config.SENSOR_DEAD_LETTER_QUOTA_PER_HOUR,
      quietMs,
      maxDurationMs,
    });
    console.log(
      `sensors:drain: ${result.sessionPresent ? `session ${clientId} drained: ${result.messages} messages, ${result.readingsStored} readings stored` : `no session was held for ${clientId}`}; session ended`,
    );
    if (result.spooledBatchesLeft) {
      console.log(`sensors:drain: PostgreSQL was away: ${result.spooledBatchesLeft} batches wait in ${path.join(config.dataDir, 'spool', 'sensors', ownId)} for this machine's sensor-ingest worker to replay`);
    }
    console.log(`sensors:drain ${JSON.stringify(result)}`);
  } finally {
    await directory.stop();
    await db.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`sensors:drain: ${(error as Error).message}`);
    process.exit(error instanceof SessionInUseError ? 3 : error instanceof ConfigError ? 2 : 1);
  },
);
