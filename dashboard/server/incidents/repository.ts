// The incidents' SQL: the view people get, lists, the timeline, and the writes every incident change
// makes (routes, the hotline, the linker and lifecycle call these; no SQL elsewhere).
import type { Queryable } from '@cityops/core/database/pool';
import type { Actor } from '@cityops/core/audit';
import { notFound } from '@cityops/core/errors';
import { getDistrict } from '@cityops/devices/district-repository';
import type { AlertSeverity } from '@cityops/contract/alerts';
import type { HotlineCallView, IncidentKind, IncidentLinkRule, IncidentState, IncidentTimelineEntry, IncidentView } from '@cityops/contract/incidents';

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : null);

/** SQL: severities ordered so that max() picks the worst (critical = 4). */
export const SEVERITY_RANK_SQL = (column: string) => `CASE ${column} WHEN 'critical' THEN 4 WHEN 'major' THEN 3 WHEN 'minor' THEN 2 ELSE 1 END`;
const SEVERITY_ORDER: AlertSeverity[] = ['info', 'minor', 'major', 'critical'];
export const severityRank = (severity: AlertSeverity) => SEVERITY_ORDER.indexOf(severity) + 1;
export const worseSeverity = (a: AlertSeverity, b: AlertSeverity): AlertSeverity => (severityRank(a) >= severityRank(b) ? a : b);

const incidentSelect = `SELECT i.*,
    COALESCE((SELECT array_agg(ia.alert_id ORDER BY ia.alert_id) FROM incident_alerts ia WHERE ia.incident_id = i.id), '{}') AS alert_ids,
    (SELECT count(*) FROM hotline_calls c WHERE c.incident_id = i.id) AS call_count,
    (SELECT count(*) FROM citizen_reports r WHERE r.incident_id = i.id AND r.rejected_at IS NULL) AS report_count
  FROM incidents i`;

function asIncident(row: Record<string, unknown>): IncidentView {
  return {
    id: Number(row.id),
    kind: row.kind as IncidentKind,
    severity: row.severity as AlertSeverity,
    state: row.state as IncidentState,
    kindSetBy: row.kind_set_by as 'rule' | 'person',
    title: String(row.title),
    lat: row.lat as number | null,
    lon: row.lon as number | null,
    districtId: (row.district_id as string | null) ?? null,
    address: String(row.address),
    openedAt: iso(row.opened_at)!,
    updatedAt: iso(row.updated_at)!,
    dispatchedAt: iso(row.dispatched_at),
    onSceneAt: iso(row.on_scene_at),
    resolvedAt: iso(row.resolved_at),
    closedAt: iso(row.closed_at),
    mergedIntoId: row.merged_into_id === null ? null : Number(row.merged_into_id),
    alertIds: (row.alert_ids as Array<string | number>).map(Number),
    callCount: Number(row.call_count),
    reportCount: Number(row.report_count),
  };
}

export async function getIncident(db: Queryable, id: number): Promise<IncidentView> {
  const result = await db.query(`${incidentSelect} WHERE i.id = $1`, [id]);
  if (!result.rowCount) throw notFound('incident', id);
  return asIncident(result.rows[0]);
}

/** The views of several incidents, in the order of `ids` (those that exist). */
export async function getIncidents(db: Queryable, ids: number[]): Promise<IncidentView[]> {
  if (ids.length === 0) return [];
  const result = await db.query({ name: 'incidents-by-ids', text: `${incidentSelect} WHERE i.id = ANY($1::bigint[])`, values: [ids] });
  const views = new Map(result.rows.map((row) => [Number(row.id), asIncident(row)]));
  return ids.flatMap((id) => views.get(id) ?? []);
}

export interface IncidentFilter {
  states?: IncidentState[];
  kinds?: IncidentKind[];
  districtIds?: string[];
  /** Paging: incidents with a smaller id. */
  before?: number;
  limit: number;
}

export async function listIncidents(db: Queryable, filter: IncidentFilter): Promise<{ incidents: IncidentView[]; nextBefore: number | null }> {
  const result = await db.query(
    `${incidentSelect}
     WHERE ($1::text[] IS NULL OR i.state = ANY($1)) AND ($2::text[] IS NULL OR i.kind = ANY($2))
       AND ($3::text[] IS NULL OR i.district_id = ANY($3)) AND ($4::bigint IS NULL OR i.id < $4)
     ORDER BY i.id DESC LIMIT $5`,
    [filter.states ?? null, filter.kinds ?? null, filter.districtIds ?? null, filter.before ?? null, filter.limit + 1],
  );
  const incidents = result.rows.slice(0, filter.limit).map(asIncident);
  return { incidents, nextBefore: result.rows.length > filter.limit ? incidents.at(-1)!.id : null };
}

export async function timelineOf(db: Queryable, incidentId: number): Promise<IncidentTimelineEntry[]> {
  const result = await db.query(`SELECT id, at, type, username, note, data FROM incident_events WHERE incident_id = $1 ORDER BY id`, [incidentId]);
  return result.rows.map((row) => ({ id: Number(row.id), at: iso(row.at)!, type: row.type, username: row.username, note: row.note, data: row.data }));
}

function asCall(row: Record<string, unknown>): HotlineCallView {
  return {
    id: Number(row.id),
    incidentId: Number(row.incident_id),
    line: row.line as HotlineCallView['line'],
    callerName: (row.caller_name as string | null) ?? null,
    callerNumber: (row.caller_number as string | null) ?? null,
    kind: row.kind as IncidentKind,
    said: String(row.said),
    lat: row.lat as number | null,
    lon: row.lon as number | null,
    districtId: (row.district_id as string | null) ?? null,
    address: String(row.address),
    receivedAt: iso(row.received_at)!,
    username: String(row.username),
  };
}

export async function callsOf(db: Queryable, incidentId: number): Promise<HotlineCallView[]> {
  return (await db.query(`SELECT * FROM hotline_calls WHERE incident_id = $1 ORDER BY id`, [incidentId])).rows.map(asCall);
}

/** What a CAP message of the incident needs beside the view: its first and current versions, its
 *  district's name and outline, its calls per line. A version is what one transaction wrote (an
 *  incident opened by a call writes two timeline lines at once), named by its last timeline line;
 *  lines of one transaction share their time (now()). */
export interface IncidentCapFacts {
  first: { eventId: number; at: Date };
  latest: { eventId: number; at: Date };
  district: { id: string; name: string; geometry: unknown } | null;
  callsByLine: Partial<Record<HotlineCallView['line'], number>>;
}

export async function incidentCapFacts(db: Queryable, incident: Pick<IncidentView, 'id' | 'districtId'>): Promise<IncidentCapFacts> {
  const [versions, district, calls] = await Promise.all([
    db.query(
      `WITH events AS (SELECT id, at FROM incident_events WHERE incident_id = $1),
            opening AS (SELECT at FROM events ORDER BY id LIMIT 1),
            latest AS (SELECT id, at FROM events ORDER BY id DESC LIMIT 1)
       SELECT (SELECT max(id) FROM events WHERE at = (SELECT at FROM opening)) AS first_id, (SELECT at FROM opening) AS first_at,
              (SELECT id FROM latest) AS latest_id, (SELECT at FROM latest) AS latest_at`,
      [incident.id],
    ),
    incident.districtId ? getDistrict(db, incident.districtId) : undefined,
    db.query(`SELECT line, count(*) AS calls FROM hotline_calls WHERE incident_id = $1 GROUP BY line ORDER BY line`, [incident.id]),
  ]);
  const row = versions.rows[0];
  return {
    first: { eventId: Number(row.first_id), at: row.first_at },
    latest: { eventId: Number(row.latest_id), at: row.latest_at },
    district: district ?? null,
    callsByLine: Object.fromEntries(calls.rows.map((call) => [call.line, Number(call.calls)])),
  };
}

export async function getCall(db: Queryable, callId: number): Promise<HotlineCallView> {
  const result = await db.query(`SELECT * FROM hotline_calls WHERE id = $1`, [callId]);
  if (!result.rowCount) throw notFound('call', callId);
  return asCall(result.rows[0]);
}

/** The incident's row, locked for a change in the caller's transaction. */
export async function lockIncident(tx: Queryable, id: number): Promise<IncidentView> {
  const result = await tx.query(`SELECT id FROM incidents WHERE id = $1 FOR UPDATE`, [id]);
  if (!result.rowCount) throw notFound('incident', id);
  return getIncident(tx, id);
}

export interface NewIncident {
  kind: IncidentKind;
  kindSetBy: 'rule' | 'person';
  kindRuleRank?: number;
  severity: AlertSeverity;
  title?: string;
  lat: number | null;
  lon: number | null;
  districtId: string | null;
  address?: string;
  /** When the first source saw it (defaults to now). */
  at?: Date;
  createdBy?: number;
}

export async function insertIncident(tx: Queryable, incident: NewIncident): Promise<number> {
  const result = await tx.query({
    name: 'incident-insert',
    text: `INSERT INTO incidents (kind, kind_set_by, kind_rule_rank, severity, title, lat, lon, district_id, address, opened_at, last_source_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, now()), COALESCE($10, now()), $11) RETURNING id`,
    values: [
      incident.kind,
      incident.kindSetBy,
      incident.kindRuleRank ?? null,
      incident.severity,
      incident.title ?? '',
      incident.lat,
      incident.lon,
      incident.districtId,
      incident.address ?? '',
      incident.at ?? null,
      incident.createdBy ?? null,
    ],
  });
  return Number(result.rows[0].id);
}

/** A source was added: the time window restarts from it, and the severity only rises. */
export async function touchIncident(tx: Queryable, id: number, change: { sourceAt?: Date; severity?: AlertSeverity }): Promise<void> {
  await tx.query(
    `UPDATE incidents SET
       last_source_at = GREATEST(last_source_at, COALESCE($2, last_source_at)),
       severity = CASE WHEN $3::text IS NOT NULL AND ${SEVERITY_RANK_SQL('$3::text')} > ${SEVERITY_RANK_SQL('severity')} THEN $3 ELSE severity END,
       updated_at = now()
     WHERE id = $1`,
    [id, change.sourceAt ?? null, change.severity ?? null],
  );
}

export async function relabelIncident(tx: Queryable, id: number, kind: IncidentKind, by: { rank: number } | 'person'): Promise<void> {
  await tx.query(`UPDATE incidents SET kind = $2, kind_set_by = $3, kind_rule_rank = $4, updated_at = now() WHERE id = $1`, [
    id,
    kind,
    by === 'person' ? 'person' : 'rule',
    by === 'person' ? null : by.rank,
  ]);
}

/** Links the alert; false when it already belonged to an incident (another linker or person was first). */
export async function linkAlertRow(tx: Queryable, incidentId: number, alertId: number, ruleName: string | null): Promise<boolean> {
  const result = await tx.query(`INSERT INTO incident_alerts (alert_id, incident_id, rule_name) VALUES ($1, $2, $3) ON CONFLICT (alert_id) DO NOTHING`, [
    alertId,
    incidentId,
    ruleName,
  ]);
  return result.rowCount === 1;
}

export async function incidentOfAlert(db: Queryable, alertId: number): Promise<number | undefined> {
  const result = await db.query(`SELECT incident_id FROM incident_alerts WHERE alert_id = $1`, [alertId]);
  return result.rowCount ? Number(result.rows[0].incident_id) : undefined;
}

export async function addIncidentEvent(
  tx: Queryable,
  incidentId: number,
  actor: Actor,
  event: { type: string; note?: string; data?: Record<string, unknown>; at?: Date },
): Promise<number> {
  const result = await tx.query(
    `WITH added AS (
       INSERT INTO incident_events (incident_id, at, type, user_id, username, note, data) VALUES ($1, COALESCE($2, now()), $3, $4, $5, $6, $7) RETURNING id),
     ${TOUCH_UPDATED_AT}
     SELECT id FROM added`,
    [incidentId, event.at ?? null, event.type, actor.userId ?? null, actor.username, event.note ?? null, JSON.stringify(event.data ?? {})],
  );
  return Number(result.rows[0].id);
}

/** Every line of the timeline is a change: screens keep the newest copy by updatedAt (same statement, no extra round trip). */
const TOUCH_UPDATED_AT = `touched AS (UPDATE incidents SET updated_at = clock_timestamp() WHERE id = $1)`;

/** Several lines of the timeline at once, in the given order (one statement), by one actor. */
export async function addIncidentEvents(tx: Queryable, incidentId: number, actor: Actor, events: Array<{ type: string; note?: string; data?: Record<string, unknown> }>): Promise<void> {
  if (events.length === 0) return;
  const params: unknown[] = [incidentId, actor.userId ?? null, actor.username];
  const rows = events.map((event) => {
    const at = params.push(event.type, event.note ?? null, JSON.stringify(event.data ?? {})) - 2;
    return `($1::bigint, now(), $${at}::text, $2::bigint, $3::text, $${at + 1}::text, $${at + 2}::jsonb)`;
  });
  await tx.query({
    name: `incident-events-insert-${events.length}`,
    text: `WITH added AS (INSERT INTO incident_events (incident_id, at, type, user_id, username, note, data) VALUES ${rows.join(', ')} RETURNING id),
     ${TOUCH_UPDATED_AT}
     SELECT count(*) FROM added`,
    values: params,
  });
}

/** A call as the hotline form gives it: the view's fields less those the database fills in. */
export type NewCall = Pick<HotlineCallView, 'incidentId' | 'line' | 'kind' | 'said' | 'lat' | 'lon' | 'districtId' | 'address'> & { callerName?: string; callerNumber?: string };

export async function insertCall(tx: Queryable, call: NewCall, actor: Actor): Promise<HotlineCallView> {
  const result = await tx.query(
    `INSERT INTO hotline_calls (incident_id, line, caller_name, caller_number, kind, said, lat, lon, district_id, address, user_id, username)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
    [
      call.incidentId,
      call.line,
      call.callerName ?? null,
      call.callerNumber ?? null,
      call.kind,
      call.said,
      call.lat,
      call.lon,
      call.districtId,
      call.address,
      actor.userId ?? null,
      actor.username,
    ],
  );
  return asCall(result.rows[0]);
}

/** Moves alerts and calls to another incident (merge, split); returns what moved. */
export async function moveSources(tx: Queryable, from: number, to: number, only?: { alertIds: number[]; callIds: number[] }): Promise<{ alertIds: number[]; callIds: number[] }> {
  const alerts = await tx.query(
    `UPDATE incident_alerts SET incident_id = $2 WHERE incident_id = $1 AND ($3::bigint[] IS NULL OR alert_id = ANY($3)) RETURNING alert_id`,
    [from, to, only?.alertIds ?? null],
  );
  const calls = await tx.query(`UPDATE hotline_calls SET incident_id = $2 WHERE incident_id = $1 AND ($3::bigint[] IS NULL OR id = ANY($3)) RETURNING id`, [
    from,
    to,
    only?.callIds ?? null,
  ]);
  // Residents' reports go with a merge; a split leaves them where they were (the operator picks alerts and calls).
  if (!only) await tx.query(`UPDATE citizen_reports SET incident_id = $2 WHERE incident_id = $1`, [from, to]);
  return { alertIds: alerts.rows.map((row) => Number(row.alert_id)), callIds: calls.rows.map((row) => Number(row.id)) };
}

/** The worst severity and newest time of the incident's sources (after a split, to set both sides right). */
export async function sourcesSummary(tx: Queryable, incidentId: number): Promise<{ severity: AlertSeverity | null; lastAt: Date | null }> {
  const result = await tx.query(
    `SELECT (SELECT a.severity FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id WHERE ia.incident_id = $1
             ORDER BY ${SEVERITY_RANK_SQL('a.severity')} DESC LIMIT 1) AS severity,
            GREATEST((SELECT max(a.last_seen_at) FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id WHERE ia.incident_id = $1),
                     (SELECT max(received_at) FROM hotline_calls WHERE incident_id = $1),
                     (SELECT max(received_at) FROM citizen_reports WHERE incident_id = $1 AND rejected_at IS NULL)) AS last_at`,
    [incidentId],
  );
  return { severity: result.rows[0].severity ?? null, lastAt: result.rows[0].last_at ?? null };
}

export async function writeIncidentState(tx: Queryable, id: number, state: IncidentState, stamps: { mergedIntoId?: number } = {}): Promise<void> {
  await tx.query(
    `UPDATE incidents SET state = $2, updated_at = now(),
       dispatched_at = CASE WHEN $2 = 'dispatched' THEN COALESCE(dispatched_at, now()) ELSE dispatched_at END,
       on_scene_at = CASE WHEN $2 = 'on_scene' THEN COALESCE(on_scene_at, now()) ELSE on_scene_at END,
       resolved_at = CASE WHEN $2 = 'resolved' THEN now() WHEN $2 IN ('open', 'dispatched', 'on_scene') THEN NULL ELSE resolved_at END,
       closed_at = CASE WHEN $2 = 'closed' THEN now() ELSE NULL END,
       merged_into_id = COALESCE($3, merged_into_id)
     WHERE id = $1`,
    [id, state, stamps.mergedIntoId ?? null],
  );
}

/** The part of a link rule that says which incidents a new source may join. */
export type JoinRule = Pick<IncidentLinkRule, 'incidentKind' | 'alertKinds' | 'distanceM' | 'windowMinutes'>;

/**
 * The nearest active incident a source at this place and time joins under the rule: of the rule's kind
 * or holding an alert of one of its kinds, with a source (its own point, a linked alert, a call, a
 * resident's report) within the rule's distance, its last source within the window. Locked, so that an
 * operator's merge or split waits for the link (and the other way round).
 */
export async function nearestJoinableIncident(tx: Queryable, source: { lat: number; lon: number; at: Date }, rule: JoinRule): Promise<number | undefined> {
  // Named: PostgreSQL parses and plans this statement once per connection, not once per report.
  // The incident found is locked in the same statement (one round trip, not two).
  const result = await tx.query({
    name: 'incidents-nearest-joinable',
    text: `WITH candidates AS (
       SELECT i.id, i.lat, i.lon FROM incidents i
       WHERE i.state IN ('open', 'dispatched', 'on_scene')
         AND i.last_source_at >= $3::timestamptz - make_interval(mins => $5)
         AND (i.kind = $6 OR EXISTS (SELECT 1 FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id
                                     WHERE ia.incident_id = i.id AND a.kind = ANY($7)))),
     placed AS (
       SELECT id, lat, lon FROM candidates WHERE lat IS NOT NULL
       UNION ALL
       SELECT c.id, a.lat, a.lon FROM candidates c JOIN incident_alerts ia ON ia.incident_id = c.id JOIN alerts a ON a.id = ia.alert_id WHERE a.lat IS NOT NULL
       UNION ALL
       SELECT c.id, h.lat, h.lon FROM candidates c JOIN hotline_calls h ON h.incident_id = c.id WHERE h.lat IS NOT NULL
       UNION ALL
       SELECT c.id, r.lat, r.lon FROM candidates c JOIN citizen_reports r ON r.incident_id = c.id WHERE r.rejected_at IS NULL),
     nearest AS (
       SELECT id FROM placed GROUP BY id
       HAVING min(cityops_distance_m($1, $2, lat, lon)) <= $4
       ORDER BY min(cityops_distance_m($1, $2, lat, lon)), id LIMIT 1)
     SELECT i.id FROM incidents i JOIN nearest ON nearest.id = i.id
     WHERE i.state IN ('open', 'dispatched', 'on_scene') FOR UPDATE OF i`,
    values: [source.lat, source.lon, source.at, rule.distanceM, rule.windowMinutes, rule.incidentKind, rule.alertKinds],
  });
  return result.rowCount ? Number(result.rows[0].id) : undefined;
}

/** Active alerts of the rule's kinds, in no incident yet, seen within its window and distance of the place, nearest first. */
export async function unlinkedAlertsNear(tx: Queryable, source: { lat: number; lon: number; at: Date }, rule: JoinRule): Promise<Array<{ id: number; kind: string; severity: AlertSeverity }>> {
  if (!rule.alertKinds.length) return [];
  const result = await tx.query(
    `SELECT a.id, a.kind, a.severity FROM alerts a
     WHERE a.state IN ('new', 'acknowledged', 'assigned') AND a.kind = ANY($5) AND a.lat IS NOT NULL
       AND a.last_seen_at >= $3::timestamptz - make_interval(mins => $6)
       AND NOT EXISTS (SELECT 1 FROM incident_alerts ia WHERE ia.alert_id = a.id)
       AND cityops_distance_m($1, $2, a.lat, a.lon) <= $4
     ORDER BY cityops_distance_m($1, $2, a.lat, a.lon) LIMIT 20`,
    [source.lat, source.lon, source.at, rule.distanceM, rule.alertKinds, rule.windowMinutes],
  );
  return result.rows.map((row) => ({ id: Number(row.id), kind: row.kind, severity: row.severity }));
}

export interface NearbyIncident {
  incident: IncidentView;
  /** Metres from the asked point to the incident or its nearest placed source; null when compared by district only. */
  distanceM: number | null;
}

/**
 * Active incidents near a place, nearest first: within `radiusM` of the point (the incident's own
 * point or any of its placed alerts and calls), or, without a point, in the same district.
 */
export async function nearbyActiveIncidents(
  db: Queryable,
  place: { lat: number | null; lon: number | null; districtId: string | null },
  radiusM: number,
  limit = 10,
): Promise<NearbyIncident[]> {
  const result = await db.query(
    `WITH placed AS (
       SELECT i.id, i.lat, i.lon FROM incidents i WHERE i.state IN ('open', 'dispatched', 'on_scene') AND i.lat IS NOT NULL
       UNION ALL
       SELECT ia.incident_id, a.lat, a.lon FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id JOIN incidents i ON i.id = ia.incident_id
         WHERE i.state IN ('open', 'dispatched', 'on_scene') AND a.lat IS NOT NULL
       UNION ALL
       SELECT c.incident_id, c.lat, c.lon FROM hotline_calls c JOIN incidents i ON i.id = c.incident_id
         WHERE i.state IN ('open', 'dispatched', 'on_scene') AND c.lat IS NOT NULL),
     distances AS (
       SELECT id, min(cityops_distance_m($1, $2, lat, lon)) AS distance_m FROM placed WHERE $1::float8 IS NOT NULL GROUP BY id)
     SELECT d.id, d.distance_m FROM distances d WHERE d.distance_m <= $4
     UNION ALL
     SELECT i.id, NULL FROM incidents i
       WHERE $1::float8 IS NULL AND $3::text IS NOT NULL AND i.district_id = $3 AND i.state IN ('open', 'dispatched', 'on_scene')
     ORDER BY 2 NULLS LAST, 1 DESC LIMIT $5`,
    [place.lat, place.lon, place.districtId, radiusM, limit],
  );
  const found: NearbyIncident[] = [];
  for (const row of result.rows) found.push({ incident: await getIncident(db, Number(row.id)), distanceM: row.distance_m === null ? null : Math.round(row.distance_m) });
  return found;
}
