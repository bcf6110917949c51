// Read side of sensor data: downsampled series for charts, latest state of every sensor, CSV export and
// the dead-letter list. Charts ask for "about N points"; the bucket width is rounded up to a readable step
// so neighbouring requests share bucket edges (and caches), and min/avg/max keep spikes visible.
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Readable } from 'node:stream';
import { timeBucketSql, type DatabaseCapabilities } from '@cityops/core/database/capabilities';
import type { Database, Queryable } from '@cityops/core/database/pool';

const READABLE_STEPS_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 604_800];

/** The smallest readable bucket width that gives at most `buckets` buckets over the range. */
export function bucketSecondsFor(fromMs: number, toMs: number, buckets: number): number {
  const wanted = Math.max(1, Math.ceil((toMs - fromMs) / 1000 / Math.max(1, buckets)));
  return READABLE_STEPS_SECONDS.find((step) => step >= wanted) ?? Math.ceil(wanted / 86_400) * 86_400;
}

export interface SeriesPoint {
  bucket: string;
  min: number;
  avg: number;
  max: number;
  /** Total of the bucket: what a rain gauge's chart shows (each reading is the depth since the last). */
  sum: number;
  count: number;
}

export async function readingSeries(
  db: Queryable,
  caps: DatabaseCapabilities,
  sensorId: string,
  fromMs: number,
  toMs: number,
  bucketSeconds: number,
): Promise<SeriesPoint[]> {
  const bucket = timeBucketSql(caps, '$4', 'ts');
  const result = await db.query(
    `SELECT ${bucket} AS bucket, min(value) AS min, avg(value) AS avg, max(value) AS max, sum(value) AS sum, count(*)::int AS count
       FROM sensor_readings
      WHERE sensor_id = $1 AND ts >= $2 AND ts < $3
      GROUP BY 1 ORDER BY 1`,
    [sensorId, new Date(fromMs), new Date(toMs), `${bucketSeconds} seconds`],
  );
  return result.rows.map((row) => ({ bucket: (row.bucket as Date).toISOString(), min: row.min, avg: row.avg, max: row.max, sum: row.sum, count: row.count }));
}

export interface LatestSensorState {
  id: string;
  name: string;
  kind: string;
  unit: string;
  districtId: string | null;
  /** As the map colours it: ok, level1-3, offline; `disabled` or `unknown` (never reported) otherwise. */
  state: string;
  lastValue: number | null;
  ts: string | null;
  lastSeenAt: string | null;
  statusChangedAt: string | null;
  rateCmPerHour: number | null;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export async function latestSensorStates(db: Queryable): Promise<LatestSensorState[]> {
  const result = await db.query(
    `SELECT s.id, s.name, s.kind, s.unit, s.district_id, s.enabled, st.status, st.last_value, st.last_ts, st.last_seen_at,
            st.status_changed_at, (st.rule_state->'rise'->>'rateCmPerHour')::float8 AS rate
       FROM sensors s LEFT JOIN sensor_state st ON st.sensor_id = s.id
      ORDER BY s.id`,
  );
  return result.rows.map((row) => ({
    id: row.id,
    name: row.name,
    kind: row.kind,
    unit: row.unit,
    districtId: row.district_id,
    state: !row.enabled ? 'disabled' : row.last_seen_at === null && row.status !== 'offline' ? 'unknown' : (row.status ?? 'unknown'),
    lastValue: row.last_value,
    ts: iso(row.last_ts),
    lastSeenAt: iso(row.last_seen_at),
    statusChangedAt: iso(row.status_changed_at),
    rateCmPerHour: row.rate === null ? null : Math.round(row.rate * 10) / 10,
  }));
}

/**
 * The readings of a sensor as CSV, straight from PostgreSQL (COPY … TO STDOUT), so an export of a year
 * of readings streams without being held in memory. COPY takes no parameters: the values are validated
 * by the route and quoted here with escapeLiteral. The returned stream releases its connection when done.
 */
export async function readingsCsv(
  db: Database,
  caps: DatabaseCapabilities,
  sensorId: string,
  fromMs: number,
  toMs: number,
  bucketSeconds?: number,
): Promise<Readable> {
  const client = await db.connect();
  const literal = (value: string) => client.escapeLiteral(value);
  const range = `sensor_id = ${literal(sensorId)} AND ts >= ${literal(new Date(fromMs).toISOString())}::timestamptz
                 AND ts < ${literal(new Date(toMs).toISOString())}::timestamptz`;
  const select = bucketSeconds
    ? `SELECT sensor_id, ${timeBucketSql(caps, literal(`${bucketSeconds} seconds`), 'ts')} AS bucket, min(value) AS min, avg(value) AS avg,
              max(value) AS max, count(*) AS count, sum(value) AS sum
         FROM sensor_readings WHERE ${range} GROUP BY 1, 2 ORDER BY 2`
    : `SELECT sensor_id, ts, value, seq, battery, received_at FROM sensor_readings WHERE ${range} ORDER BY ts`;
  // UTC ISO-like timestamps whatever the server's TimeZone setting.
  await client.query(`SET TIME ZONE 'UTC'`);
  const stream = client.query(copyTo(`COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
  let released = false;
  const release = (error?: Error) => {
    if (released) return;
    released = true;
    (client as pg.PoolClient).release(error ?? true);
  };
  stream.on('end', () => release());
  stream.on('error', (error: Error) => release(error));
  stream.on('close', () => release());
  return stream;
}

export interface DeadLetterView {
  id: string;
  receivedAt: string;
  topic: string;
  sensorId: string | null;
  reason: string;
  detail: string;
  /** The stored excerpt of the payload as UTF-8 text (invalid bytes shown as �). */
  payloadText: string;
  /** The size of the whole payload as received (the excerpt may be shorter). */
  payloadBytes: number;
}

/** Refusals over a device's hourly quota, counted but not stored, summed over the requested range. */
export interface DeadLetterOverflowView {
  /** null when the topic carried no sensor id. */
  sensorId: string | null;
  reason: string;
  count: number;
}

export async function listDeadLetters(
  db: Queryable,
  filter: { sensorId?: string; reason?: string; fromMs: number; toMs: number; limit: number },
): Promise<{ deadLetters: DeadLetterView[]; countsByReason: Record<string, number>; notStored: DeadLetterOverflowView[] }> {
  const params = [filter.sensorId ?? null, new Date(filter.fromMs), new Date(filter.toMs)];
  const where = `($1::text IS NULL OR sensor_id = $1) AND received_at >= $2 AND received_at < $3`;
  const rows = await db.query(
    `SELECT id, received_at, topic, sensor_id, reason, detail, substring(payload FROM 1 FOR 4096) AS payload,
            coalesce(payload_bytes, length(payload)) AS bytes
       FROM sensor_dead_letters WHERE ${where} AND ($4::text IS NULL OR reason = $4)
      ORDER BY received_at DESC LIMIT $5`,
    [...params, filter.reason ?? null, filter.limit],
  );
  const counts = await db.query(`SELECT reason, count(*)::int AS n FROM sensor_dead_letters WHERE ${where} GROUP BY reason`, params);
  // Hours that overlap the range; a sensor filter of '' never matches, so letters without a sensor id
  // only show unfiltered.
  const overflow = await db.query(
    `SELECT sensor_key, reason, sum(count)::float8 AS n FROM sensor_dead_letter_overflow
      WHERE ($1::text IS NULL OR sensor_key = $1) AND hour > $2::timestamptz - INTERVAL '1 hour' AND hour < $3
        AND ($4::text IS NULL OR reason = $4)
      GROUP BY sensor_key, reason ORDER BY n DESC LIMIT 1000`,
    [...params, filter.reason ?? null],
  );
  return {
    deadLetters: rows.rows.map((row) => ({
      id: row.id,
      receivedAt: (row.received_at as Date).toISOString(),
      topic: row.topic,
      sensorId: row.sensor_id,
      reason: row.reason,
      detail: row.detail,
      payloadText: (row.payload as Buffer).toString('utf8'),
      payloadBytes: row.bytes,
    })),
    countsByReason: Object.fromEntries(counts.rows.map((row) => [row.reason, row.n])),
    notStored: overflow.rows.map((row) => ({ sensorId: row.sensor_key || null, reason: row.reason, count: row.n })),
  };
}
