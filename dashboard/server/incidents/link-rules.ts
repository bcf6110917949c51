// The link rules: which alerts belong to one incident (migration 0070 explains the semantics; the
// README has the defaults). Engineers read and tune them over the API; every change is audited.
import type { Queryable } from '@cityops/core/database/pool';
import { notFound } from '@cityops/core/errors';
import type { AlertKind, AlertSeverity } from '@cityops/contract/alerts';
import type { IncidentKind, IncidentLinkRule } from '@cityops/contract/incidents';

/** The rule as the API answers it (contract/incidents.ts: the web's screen reads the same type). */
export type LinkRule = IncidentLinkRule;

export type LinkRuleInput = Omit<LinkRule, 'id'>;

/** A row of incident_link_rules (or its to_jsonb) as the API answers it. */
export const asRule = (row: Record<string, unknown>): LinkRule => ({
  id: Number(row.id),
  name: String(row.name),
  rank: Number(row.rank),
  incidentKind: row.incident_kind as IncidentKind,
  alertKinds: row.alert_kinds as AlertKind[],
  openingKinds: row.opening_kinds as AlertKind[],
  openMinSeverity: row.open_min_severity as AlertSeverity,
  distanceM: Number(row.distance_m),
  windowMinutes: Number(row.window_minutes),
  enabled: Boolean(row.enabled),
});

export async function listLinkRules(db: Queryable): Promise<LinkRule[]> {
  return (await db.query(`SELECT * FROM incident_link_rules ORDER BY rank, id`)).rows.map(asRule);
}

export async function getLinkRule(db: Queryable, id: number): Promise<LinkRule> {
  const result = await db.query(`SELECT * FROM incident_link_rules WHERE id = $1`, [id]);
  if (!result.rowCount) throw notFound('link_rule', );
  return asRule(result.rows[0]);
}

export async function insertLinkRule(db: Queryable, rule: LinkRuleInput): Promise<LinkRule> {
  const result = await db.query(
    `INSERT INTO incident_link_rules (name, rank, incident_kind, alert_kinds, opening_kinds, open_min_severity, distance_m, window_minutes, enabled)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
    [rule.name, rule.rank, rule.incidentKind, rule.alertKinds, rule.openingKinds, rule.openMinSeverity, rule.distanceM, rule.windowMinutes, rule.enabled],
  );
  return asRule(result.rows[0]);
}

export async function updateLinkRule(db: Queryable, id: number, rule: LinkRuleInput): Promise<LinkRule> {
  const result = await db.query(
    `UPDATE incident_link_rules SET name = $2, rank = $3, incident_kind = $4, alert_kinds = $5, opening_kinds = $6, open_min_severity = $7,
       distance_m = $8, window_minutes = $9, enabled = $10, updated_at = now() WHERE id = $1 RETURNING *`,
    [id, rule.name, rule.rank, rule.incidentKind, rule.alertKinds, rule.openingKinds, rule.openMinSeverity, rule.distanceM, rule.windowMinutes, rule.enabled],
  );
  if (!result.rowCount) throw notFound('link_rule', );
  return asRule(result.rows[0]);
}

export async function deleteLinkRule(db: Queryable, id: number): Promise<void> {
  const result = await db.query(`DELETE FROM incident_link_rules WHERE id = $1`, [id]);
  if (!result.rowCount) throw notFound('link_rule', );
}
