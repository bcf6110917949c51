// SQL of the joint rules (migration 0116): the rules engineers write, and the facts the evaluator reads
// each pass: sensors with their state and open alerts, camera alerts of the last minutes, and the joint
// alerts open now.
import type { Queryable } from '@cityops/core/database/pool';
import { notFound } from '@cityops/core/errors';
import { OPEN_STATES, type AlertSeverity, type LocalisedText } from '@cityops/contract/alerts';
import type { SensorKind } from '@cityops/contract/devices';
import { JOINT_ALERT_KINDS, type JointAlertKind, type JointCameraAlertKind, type JointRule, type JointRuleInput, type JointSensorAlertKind, type SensorCondition } from '@cityops/contract/joint-rules';
import type { CameraSituation, SensorFacts } from './match.ts';

const asRule = (row: Record<string, unknown>): JointRule => ({
  id: Number(row.id),
  updatedAt: (row.updated_at as Date).toISOString(),
  name: String(row.name),
  enabled: Boolean(row.enabled),
  severity: row.severity as AlertSeverity,
  alertKind: row.alert_kind as JointAlertKind,
  sensorId: (row.sensor_id as string | null) ?? null,
  sensorKind: (row.sensor_kind as SensorKind | null) ?? null,
  sensorCondition: row.sensor_condition as SensorCondition,
  minLevel: row.min_level === null ? null : (Number(row.min_level) as 1 | 2 | 3),
  sensorAlertKinds: row.sensor_alert_kinds as JointSensorAlertKind[],
  cameraAlertKinds: row.camera_alert_kinds as JointCameraAlertKind[],
  radiusM: Number(row.radius_m),
  windowMinutes: Number(row.window_minutes),
});

const values = (rule: JointRuleInput) => [
  rule.name,
  rule.enabled,
  rule.severity,
  rule.alertKind,
  rule.sensorId,
  rule.sensorKind,
  rule.sensorCondition,
  rule.minLevel,
  rule.sensorAlertKinds,
  rule.cameraAlertKinds,
  rule.radiusM,
  rule.windowMinutes,
];

export async function listJointRules(db: Queryable, options: { enabledOnly?: boolean } = {}): Promise<JointRule[]> {
  const result = await db.query(`SELECT * FROM joint_rules ${options.enabledOnly ? 'WHERE enabled' : ''} ORDER BY name, id`);
  return result.rows.map(asRule);
}

export async function getJointRule(db: Queryable, id: number): Promise<JointRule> {
  const result = await db.query(`SELECT * FROM joint_rules WHERE id = $1`, [id]);
  if (!result.rowCount) throw notFound('joint_rule', );
  return asRule(result.rows[0]);
}

export async function insertJointRule(db: Queryable, rule: JointRuleInput): Promise<JointRule> {
  const result = await db.query(
    `INSERT INTO joint_rules (name, enabled, severity, alert_kind, sensor_id, sensor_kind, sensor_condition, min_level, sensor_alert_kinds,
       camera_alert_kinds, radius_m, window_minutes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
    values(rule),
  );
  return asRule(result.rows[0]);
}

export async function updateJointRule(db: Queryable, id: number, rule: JointRuleInput): Promise<JointRule> {
  const result = await db.query(
    `UPDATE joint_rules SET name = $2, enabled = $3, severity = $4, alert_kind = $5, sensor_id = $6, sensor_kind = $7, sensor_condition = $8,
       min_level = $9, sensor_alert_kinds = $10, camera_alert_kinds = $11, radius_m = $12, window_minutes = $13, updated_at = now()
     WHERE id = $1 RETURNING *`,
    [id, ...values(rule)],
  );
  if (!result.rowCount) throw notFound('joint_rule', );
  return asRule(result.rows[0]);
}

export async function deleteJointRule(db: Queryable, id: number): Promise<void> {
  const result = await db.query(`DELETE FROM joint_rules WHERE id = $1`, [id]);
  if (!result.rowCount) throw notFound('joint_rule', );
}

/** Enabled, placed sensors the rules name (by id or kind), with their alarm level and their open, not cleared alerts. */
export async function sensorFacts(db: Queryable, rules: JointRuleInput[]): Promise<SensorFacts[]> {
  const ids = rules.flatMap((rule) => (rule.sensorId === null ? [] : [rule.sensorId]));
  const kinds = rules.flatMap((rule) => (rule.sensorKind === null ? [] : [rule.sensorKind]));
  if (!ids.length && !kinds.length) return [];
  const result = await db.query(
    `SELECT s.id, s.name, s.kind, s.unit, s.lat, s.lon, COALESCE(st.level, 0) AS level, st.last_value, st.last_ts,
       COALESCE((SELECT json_agg(json_build_object('alertId', a.id, 'kind', a.kind, 'vi', a.title_vi, 'en', a.title_en) ORDER BY a.id)
                   FROM alerts a
                  WHERE a.source_type = 'sensor' AND a.source_id = s.id AND a.state = ANY($3::text[]) AND a.auto_cleared_at IS NULL
                    AND a.kind <> ALL($4::text[])), '[]') AS open_alerts
       FROM sensors s LEFT JOIN sensor_state st ON st.sensor_id = s.id
      WHERE s.enabled AND s.lat IS NOT NULL AND s.lon IS NOT NULL AND (s.id = ANY($1::text[]) OR s.kind = ANY($2::text[]))
      ORDER BY s.id`,
    [ids, kinds, OPEN_STATES, JOINT_ALERT_KINDS],
  );
  return result.rows.map((row) => ({
    sensorId: row.id,
    sensorName: row.name,
    kind: row.kind,
    unit: row.unit,
    lat: row.lat,
    lon: row.lon,
    value: row.last_value,
    readingAt: row.last_ts ? (row.last_ts as Date).toISOString() : null,
    level: Number(row.level) as 0 | 1 | 2 | 3,
    alerts: (row.open_alerts as { alertId: number; kind: JointSensorAlertKind; vi: string; en: string }[]).map((alert) => ({
      alertId: Number(alert.alertId),
      kind: alert.kind,
      title: { vi: alert.vi, en: alert.en } satisfies LocalisedText,
    })),
  }));
}

/**
 * Placed camera alerts of these kinds that are active (open, not auto-cleared) or ended (auto-cleared or
 * resolved) since `sinceMs`. False alarms are left out: an operator said the situation was not real.
 */
export async function cameraSituations(db: Queryable, kinds: JointCameraAlertKind[], sinceMs: number): Promise<CameraSituation[]> {
  if (!kinds.length) return [];
  const result = await db.query(
    `SELECT a.id, a.kind, a.source_id, COALESCE(c.name, a.source_id) AS camera_name, a.lat, a.lon,
       (EXTRACT(EPOCH FROM a.first_seen_at) * 1000)::float8 AS first_seen_ms, (EXTRACT(EPOCH FROM a.last_seen_at) * 1000)::float8 AS last_seen_ms,
       (EXTRACT(EPOCH FROM CASE WHEN a.state = ANY($2::text[]) AND a.auto_cleared_at IS NULL THEN NULL
                                ELSE COALESCE(a.auto_cleared_at, a.resolved_at, a.closed_at) END) * 1000)::float8 AS ended_ms,
       EXISTS (SELECT 1 FROM alert_media m WHERE m.alert_id = a.id AND m.kind = 'snapshot') AS has_snapshot
       FROM alerts a LEFT JOIN cameras c ON c.id = a.source_id
      WHERE a.source_type = 'camera' AND a.kind = ANY($1::text[]) AND a.lat IS NOT NULL AND a.lon IS NOT NULL AND a.false_alarm_reason IS NULL
        -- Open ones (the partial index of open situations), or resolved within the window (alerts_resolved_at_idx).
        AND (a.state = ANY($2::text[]) OR a.resolved_at >= $3)
        AND (a.auto_cleared_at IS NULL OR a.auto_cleared_at >= $3)`,
    [kinds, OPEN_STATES, new Date(sinceMs)],
  );
  return result.rows.map((row) => ({
    alertId: Number(row.id),
    cameraId: row.source_id,
    cameraName: row.camera_name,
    kind: row.kind,
    lat: row.lat,
    lon: row.lon,
    firstSeenAtMs: row.first_seen_ms,
    lastSeenAtMs: row.last_seen_ms,
    endedAtMs: row.ended_ms,
    hasSnapshot: row.has_snapshot,
  }));
}

export interface OpenJointAlert {
  alertId: number;
  sensorId: string;
  kind: JointAlertKind;
  zoneId: string;
  signature: string | null;
}

/** Joint alerts open and not auto-cleared: what the last passes raised and nothing has cleared yet. */
export async function openJointAlerts(db: Queryable): Promise<OpenJointAlert[]> {
  const result = await db.query(
    `SELECT id, source_id, kind, zone_id, evidence->>'signature' AS signature FROM alerts
      WHERE source_type = 'sensor' AND kind = ANY($1::text[]) AND zone_id LIKE 'joint-rule-%' AND state = ANY($2::text[]) AND auto_cleared_at IS NULL`,
    [JOINT_ALERT_KINDS, OPEN_STATES],
  );
  return result.rows.map((row) => ({ alertId: Number(row.id), sensorId: row.source_id, kind: row.kind, zoneId: row.zone_id, signature: row.signature }));
}

/** The snapshot of a camera alert (JPEG bytes), to show on the joint alert; undefined when it has none. */
export async function cameraSnapshot(db: Queryable, alertId: number): Promise<Buffer | undefined> {
  const result = await db.query(`SELECT bytes FROM alert_media WHERE alert_id = $1 AND kind = 'snapshot'`, [alertId]);
  return result.rows[0]?.bytes;
}
