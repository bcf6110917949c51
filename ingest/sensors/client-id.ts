// The sensor-ingest worker's MQTT client id, kept stable across restarts of the same machine.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '@cityops/core/config';
import { hostTag } from './host-tag.ts';
import { moveLegacySpool } from './legacy-session.ts';

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
