// SQL for sensor_state and sensor_alert_outbox (migration 0021). State rows are locked FOR UPDATE in id
// order while a worker applies readings, so two workers holding readings of one sensor apply them in turn.
import type { Queryable } from '@cityops/core/database/pool';
import type { AlarmLevel } from './levels.ts';
import { INITIAL_RULE_STATE, type RuleState, type SensorStatus } from './evaluate.ts';
import { alarmLevelOf, type AlertAction } from './sensor-alerts.ts';

export interface SensorStateRow {
  sensorId: string;
  lastValue: number | null;
  lastTsMs: number | null;
  lastSeenAtMs: number | null;
  status: SensorStatus;
  level: AlarmLevel;
  offline: boolean;
  rules: RuleState;
}

const COLUMNS = `sensor_id, last_value, (EXTRACT(EPOCH FROM last_ts) * 1000)::float8 AS last_ts_ms,
  (EXTRACT(EPOCH FROM last_seen_at) * 1000)::float8 AS last_seen_at_ms, status, level, offline, rule_state`;

function rulesFrom(json: unknown): RuleState {
  const value = (json ?? {}) as Partial<RuleState>;
  return {
    level: alarmLevelOf(value.level),
    peakLevel: alarmLevelOf(value.peakLevel),
    rise: value.rise && Array.isArray(value.rise.samples) ? value.rise : INITIAL_RULE_STATE.rise,
    salinityHigh: value.salinityHigh === true,
  };
}

function stateFromRow(row: Record<string, unknown>): SensorStateRow {
  return {
    sensorId: row.sensor_id as string,
    lastValue: row.last_value as number | null,
    lastTsMs: row.last_ts_ms as number | null,
    lastSeenAtMs: row.last_seen_at_ms as number | null,
    status: row.status as SensorStatus,
    level: alarmLevelOf(row.level),
    offline: row.offline as boolean,
    rules: rulesFrom(row.rule_state),
  };
}

/** Creates missing rows for registered sensors, then locks and returns them (in id order, to avoid deadlocks). */
export async function lockSensorStates(tx: Queryable, sensorIds: string[]): Promise<Map<string, SensorStateRow>> {
  await tx.query(
    `INSERT INTO sensor_state (sensor_id) SELECT id FROM sensors WHERE id = ANY($1::text[]) ORDER BY id ON CONFLICT DO NOTHING`,
    [sensorIds],
  );
  const result = await tx.query(`SELECT ${COLUMNS} FROM sensor_state WHERE sensor_id = ANY($1::text[]) ORDER BY sensor_id FOR UPDATE`, [sensorIds]);
  return new Map(result.rows.map((row) => [row.sensor_id as string, stateFromRow(row)]));
}

/** Writes the rows after readings were applied; last_seen_at is the database clock (see migration 0021). */
export async function saveAppliedStates(tx: Queryable, states: SensorStateRow[], statusChanged: Set<string>): Promise<void> {
  if (!states.length) return;
  const rows = states.map((state) => ({
    sensor_id: state.sensorId,
    last_value: state.lastValue,
    last_ts_ms: state.lastTsMs,
    status: state.status,
    level: state.level,
    offline: state.offline,
    rule_state: state.rules,
    status_changed: statusChanged.has(state.sensorId),
  }));
  await tx.query(
    `UPDATE sensor_state s SET
       last_value = x.last_value,
       last_ts = TIMESTAMPTZ 'epoch' + x.last_ts_ms * INTERVAL '1 millisecond',
       last_seen_at = now(),
       status = x.status, level = x.level, offline = x.offline, rule_state = x.rule_state,
       status_changed_at = CASE WHEN x.status_changed THEN now() ELSE s.status_changed_at END,
       updated_at = now()
     FROM jsonb_to_recordset($1::jsonb) AS x(sensor_id text, last_value float8, last_ts_ms float8, status text, level smallint,
       offline boolean, rule_state jsonb, status_changed boolean)
     WHERE s.sensor_id = x.sensor_id`,
    [JSON.stringify(rows)],
  );
}

export async function addToAlertOutbox(tx: Queryable, entries: { sensorId: string; action: AlertAction }[]): Promise<void> {
  if (!entries.length) return;
  // WITH ORDINALITY keeps the order the rules produced the actions in: ids are assigned in that order.
  await tx.query(
    `INSERT INTO sensor_alert_outbox (sensor_id, action)
     SELECT e.item->>'sensor_id', e.item->'action' FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(item, n)
     ORDER BY e.n`,
    [JSON.stringify(entries.map((entry) => ({ sensor_id: entry.sensorId, action: entry.action })))],
  );
}

export interface OutboxEntry {
  id: number;
  sensorId: string;
  action: AlertAction;
}

/**
 * Locks sensors with pending alert actions (skipping those another worker is sending for, so each sensor's
 * actions go out from one place, in order) and returns their actions in id order.
 */
export async function lockPendingAlertActions(tx: Queryable, sensorIds?: string[], limitSensors = 200): Promise<OutboxEntry[]> {
  const locked = await tx.query(
    `SELECT s.sensor_id FROM sensor_state s
      WHERE ($1::text[] IS NULL OR s.sensor_id = ANY($1::text[]))
        AND EXISTS (SELECT 1 FROM sensor_alert_outbox o WHERE o.sensor_id = s.sensor_id)
      ORDER BY s.sensor_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [sensorIds ?? null, limitSensors],
  );
  if (!locked.rowCount) return [];
  const result = await tx.query(`SELECT id, sensor_id, action FROM sensor_alert_outbox WHERE sensor_id = ANY($1::text[]) ORDER BY id`, [
    locked.rows.map((row) => row.sensor_id),
  ]);
  return result.rows.map((row) => ({ id: Number(row.id), sensorId: row.sensor_id, action: reviveDates(row.action) }));
}

/** observedAt travels through jsonb as an ISO string. */
function reviveDates(action: AlertAction): AlertAction {
  if (action.type === 'raise' && typeof action.trigger.observedAt === 'string') {
    return { ...action, trigger: { ...action.trigger, observedAt: new Date(action.trigger.observedAt) } };
  }
  return action;
}

export async function removeAlertActions(tx: Queryable, ids: number[]): Promise<void> {
  if (ids.length) await tx.query(`DELETE FROM sensor_alert_outbox WHERE id = ANY($1::bigint[])`, [ids]);
}

export async function recordAlertActionFailure(tx: Queryable, id: number, error: string): Promise<void> {
  await tx.query(`UPDATE sensor_alert_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, [id, error.slice(0, 1000)]);
}

export interface OfflineChange {
  sensorId: string;
  status: SensorStatus;
  lastSeenAtMs: number | null;
}

/**
 * Marks sensors silent for longer than offlineAfterIntervals × expected interval as offline. Atomic per
 * row, so with several workers each sensor goes offline exactly once. Returns the sensors that just did.
 */
export async function markSilentSensors(tx: Queryable, defaultIntervals: number): Promise<OfflineChange[]> {
  await tx.query(`INSERT INTO sensor_state (sensor_id) SELECT id FROM sensors WHERE enabled ORDER BY id ON CONFLICT DO NOTHING`);
  const wentOffline = await tx.query(
    `UPDATE sensor_state st SET offline = true, status = 'offline', status_changed_at = now(), updated_at = now()
       FROM sensors s
      WHERE s.id = st.sensor_id AND s.enabled AND NOT st.offline
        AND COALESCE(st.last_seen_at, st.tracking_since) < now() - make_interval(secs => s.expected_interval_seconds *
              CASE WHEN jsonb_typeof(s.rules->'offlineAfterIntervals') = 'number' AND (s.rules->>'offlineAfterIntervals')::float8 > 0
                   THEN (s.rules->>'offlineAfterIntervals')::float8 ELSE $1::float8 END)
      RETURNING st.sensor_id, (EXTRACT(EPOCH FROM st.last_seen_at) * 1000)::float8 AS last_seen_at_ms`,
    [defaultIntervals],
  );
  return wentOffline.rows.map((row) => ({ sensorId: row.sensor_id, status: 'offline' as const, lastSeenAtMs: row.last_seen_at_ms }));
}

/** A disabled sensor is not expected to report: it stops being offline (and its alert clears). */
export async function releaseDisabledSensors(tx: Queryable): Promise<OfflineChange[]> {
  const released = await tx.query(
    `UPDATE sensor_state st SET offline = false, status = CASE st.level WHEN 0 THEN 'ok' ELSE 'level' || st.level END,
            status_changed_at = now(), updated_at = now()
       FROM sensors s
      WHERE s.id = st.sensor_id AND NOT s.enabled AND st.offline
      RETURNING st.sensor_id, st.status, (EXTRACT(EPOCH FROM st.last_seen_at) * 1000)::float8 AS last_seen_at_ms`,
  );
  return released.rows.map((row) => ({ sensorId: row.sensor_id, status: row.status as SensorStatus, lastSeenAtMs: row.last_seen_at_ms }));
}
