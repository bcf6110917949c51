// Sensors in PostgreSQL. The device's MQTT password is encrypted at rest (AES-GCM) so it can be
// checked by the embedded broker and exported to a production broker's password file, and is never returned.
import type { Queryable } from '@cityops/core/database/pool';
import type { SecretBox } from '@cityops/core/secret-box';
import { notFound } from '@cityops/core/errors';
import { DEFAULT_UNITS, type SensorInput, type SensorKind, type SensorView } from './schemas.ts';
import { readRuleSettings, type SensorProfile } from './sensor-profile.ts';

const viewColumns = `id, name, name_en AS "nameEn", kind, unit, lat, lon, district_id AS "districtId", mqtt_username AS "mqttUsername",
  mqtt_password_encrypted IS NOT NULL AS "hasMqttPassword", level1, level2, level3, hysteresis,
  expected_interval_seconds AS "expectedIntervalSeconds", enabled, rules, created_at AS "createdAt",
  updated_at AS "updatedAt"`;

export async function listSensors(db: Queryable, filter: { districtId?: string; kind?: string } = {}): Promise<SensorView[]> {
  const result = await db.query(
    `SELECT ${viewColumns} FROM sensors WHERE ($1::text IS NULL OR district_id = $1) AND ($2::text IS NULL OR kind = $2)
     ORDER BY id`,
    [filter.districtId ?? null, filter.kind ?? null],
  );
  return result.rows;
}

export async function getSensor(db: Queryable, id: string): Promise<SensorView> {
  const result = await db.query(`SELECT ${viewColumns} FROM sensors WHERE id = $1`, [id]);
  if (!result.rowCount) throw notFound('sensor', id);
  return result.rows[0];
}

export async function insertSensor(db: Queryable, secrets: SecretBox, input: SensorInput): Promise<SensorView> {
  const result = await db.query(
    `INSERT INTO sensors (id, name, kind, unit, lat, lon, district_id, mqtt_username, mqtt_password_encrypted,
       level1, level2, level3, hysteresis, expected_interval_seconds, enabled, rules, name_en)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING ${viewColumns}`,
    [
      input.id,
      input.name,
      input.kind,
      input.unit ?? DEFAULT_UNITS[input.kind],
      input.lat ?? null,
      input.lon ?? null,
      input.districtId ?? null,
      input.mqttUsername ?? (input.mqttPassword ? input.id : null),
      input.mqttPassword ? secrets.encrypt(input.mqttPassword) : null,
      input.level1 ?? null,
      input.level2 ?? null,
      input.level3 ?? null,
      input.hysteresis,
      input.expectedIntervalSeconds,
      input.enabled,
      JSON.stringify(input.rules),
      input.nameEn ?? null,
    ],
  );
  return result.rows[0];
}

const patchColumns: Record<string, string> = {
  name: 'name',
  nameEn: 'name_en',
  kind: 'kind',
  unit: 'unit',
  lat: 'lat',
  lon: 'lon',
  districtId: 'district_id',
  mqttUsername: 'mqtt_username',
  level1: 'level1',
  level2: 'level2',
  level3: 'level3',
  hysteresis: 'hysteresis',
  expectedIntervalSeconds: 'expected_interval_seconds',
  enabled: 'enabled',
};

export async function updateSensor(
  db: Queryable,
  secrets: SecretBox,
  id: string,
  patch: Partial<Omit<SensorInput, 'id'>>,
): Promise<SensorView> {
  const sets: string[] = [];
  const values: unknown[] = [id];
  for (const [key, column] of Object.entries(patchColumns)) {
    const value = (patch as Record<string, unknown>)[key];
    if (value === undefined) continue;
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  }
  if (patch.rules !== undefined) {
    values.push(JSON.stringify(patch.rules));
    sets.push(`rules = $${values.length}`);
  }
  if (patch.mqttPassword !== undefined) {
    values.push(patch.mqttPassword === null ? null : secrets.encrypt(patch.mqttPassword));
    sets.push(`mqtt_password_encrypted = $${values.length}`);
  }
  if (!sets.length) return getSensor(db, id);
  const result = await db.query(
    `UPDATE sensors SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING ${viewColumns}`,
    values,
  );
  if (!result.rowCount) throw notFound('sensor', id);
  return result.rows[0];
}

export async function deleteSensor(db: Queryable, id: string): Promise<void> {
  const result = await db.query('DELETE FROM sensors WHERE id = $1', [id]);
  if (!result.rowCount) throw notFound('sensor', id);
}

/**
 * Checks a device's broker login: returns the sensor id whose credentials match, else undefined.
 * Used by the embedded broker's authenticate hook.
 */
export async function authenticateSensorDevice(
  db: Queryable,
  secrets: SecretBox,
  username: string,
  password: string,
): Promise<string | undefined> {
  const result = await db.query(
    `SELECT id, mqtt_password_encrypted FROM sensors WHERE mqtt_username = $1 AND enabled AND mqtt_password_encrypted IS NOT NULL`,
    [username],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const expected = Buffer.from(secrets.decrypt(row.mqtt_password_encrypted));
  const given = Buffer.from(password);
  const { timingSafeEqual } = await import('node:crypto');
  return expected.length === given.length && timingSafeEqual(expected, given) ? row.id : undefined;
}

/** Sensors as the ingest worker and the rules see them (all, or the given ids). */
export async function loadSensorProfiles(db: Queryable, ids?: string[]): Promise<SensorProfile[]> {
  const result = await db.query(
    `SELECT id, name, name_en, kind, unit, enabled, lat, lon, district_id, level1, level2, level3, hysteresis,
            expected_interval_seconds, rules
       FROM sensors WHERE $1::text[] IS NULL OR id = ANY($1)`,
    [ids ?? null],
  );
  return result.rows.map((row) => ({
    id: row.id,
    name: row.name,
    nameEn: row.name_en,
    kind: row.kind,
    unit: row.unit,
    enabled: row.enabled,
    lat: row.lat,
    lon: row.lon,
    districtId: row.district_id,
    level1: row.level1,
    level2: row.level2,
    level3: row.level3,
    hysteresis: row.hysteresis,
    expectedIntervalSeconds: row.expected_interval_seconds,
    settings: readRuleSettings(row.rules).settings,
  }));
}

/** The sensor's unit, or undefined when there is no such sensor. */
export async function sensorUnit(db: Queryable, id: string): Promise<string | undefined> {
  const result = await db.query('SELECT unit FROM sensors WHERE id = $1', [id]);
  return result.rows[0]?.unit;
}

export async function sensorExists(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM sensors WHERE id = $1', [id]);
  return Boolean(result.rowCount);
}

export async function listEnabledSensorKinds(db: Queryable): Promise<{ id: string; kind: SensorKind }[]> {
  const result = await db.query(`SELECT id, kind FROM sensors WHERE enabled ORDER BY id`);
  return result.rows;
}
