// The dispatch policies: how fast a team must acknowledge and arrive, per incident kind and severity,
// and which escalation steps a missed deadline climbs (migration 0071; the README has the defaults).
// Engineers read and tune them over the API; a change applies to assignments made from then on (an
// assignment copies its deadlines and ladder when it is made). Every change is audited by the routes.
import type { Queryable } from '@cityops/core/database/pool';
import { conflict, notFound } from '@cityops/core/errors';
import type { AlertSeverity } from '@cityops/contract/alerts';
import type { DispatchPolicyRule, DispatchPolicyView, IncidentKind } from '@cityops/contract/incidents';

export type DispatchPolicy = DispatchPolicyView;
export type DispatchPolicyInput = Omit<DispatchPolicyRule, 'id'>;

/** Used only when the table has no row at all (the default row cannot be deleted over the API). */
const FALLBACK: DispatchPolicy = { acknowledgeSeconds: 300, arriveSeconds: 3600, stepSeconds: 120, ladder: ['remind', 'supervisor', 'next_team'], requiresPhoto: false };

/** The most specific policy: kind and severity, then kind, then any kind with the severity, then the default. */
export async function policyFor(db: Queryable, kind: IncidentKind, severity: AlertSeverity): Promise<DispatchPolicy> {
  const result = await db.query(
    `SELECT acknowledge_seconds, arrive_seconds, step_seconds, ladder, requires_photo FROM dispatch_policies
     WHERE kind IN ($1, '*') AND (severity IS NULL OR severity = $2)
     ORDER BY (kind = $1) DESC, (severity IS NOT NULL) DESC LIMIT 1`,
    [kind, severity],
  );
  const row = result.rows[0];
  if (!row) return FALLBACK;
  return { acknowledgeSeconds: row.acknowledge_seconds, arriveSeconds: row.arrive_seconds, stepSeconds: row.step_seconds, ladder: row.ladder, requiresPhoto: row.requires_photo };
}

const asRule = (row: Record<string, unknown>): DispatchPolicyRule => ({
  id: Number(row.id),
  kind: row.kind as DispatchPolicyRule['kind'],
  severity: (row.severity as AlertSeverity | null) ?? null,
  acknowledgeSeconds: Number(row.acknowledge_seconds),
  arriveSeconds: Number(row.arrive_seconds),
  stepSeconds: Number(row.step_seconds),
  ladder: row.ladder as DispatchPolicyRule['ladder'],
  requiresPhoto: Boolean(row.requires_photo),
});

/** Any kind first, then by kind; within a kind, any severity before the named ones. */
export async function listDispatchPolicies(db: Queryable): Promise<DispatchPolicyRule[]> {
  const result = await db.query(
    `SELECT * FROM dispatch_policies
     ORDER BY kind <> '*', kind, severity IS NOT NULL, array_position(ARRAY['critical', 'major', 'minor', 'info'], severity)`,
  );
  return result.rows.map(asRule);
}

/** The row for exactly this kind and severity (null: any), if there is one. */
export async function findDispatchPolicy(db: Queryable, kind: DispatchPolicyRule['kind'], severity: AlertSeverity | null): Promise<DispatchPolicyRule | undefined> {
  const result = await db.query(`SELECT * FROM dispatch_policies WHERE kind = $1 AND severity IS NOT DISTINCT FROM $2 FOR UPDATE`, [kind, severity]);
  return result.rowCount ? asRule(result.rows[0]) : undefined;
}

/** Creates the policy of (kind, severity) or replaces its values: there is one row per pair. */
export async function upsertDispatchPolicy(db: Queryable, policy: DispatchPolicyInput): Promise<DispatchPolicyRule> {
  const result = await db.query(
    `INSERT INTO dispatch_policies (kind, severity, acknowledge_seconds, arrive_seconds, step_seconds, ladder, requires_photo)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (kind, severity) DO UPDATE SET acknowledge_seconds = EXCLUDED.acknowledge_seconds, arrive_seconds = EXCLUDED.arrive_seconds,
       step_seconds = EXCLUDED.step_seconds, ladder = EXCLUDED.ladder, requires_photo = EXCLUDED.requires_photo
     RETURNING *`,
    [policy.kind, policy.severity, policy.acknowledgeSeconds, policy.arriveSeconds, policy.stepSeconds, policy.ladder, policy.requiresPhoto],
  );
  return asRule(result.rows[0]);
}

/** Removes a policy; the default (any kind, any severity) stays, so every incident has deadlines. */
export async function deleteDispatchPolicy(db: Queryable, id: number): Promise<DispatchPolicyRule> {
  const result = await db.query(`SELECT * FROM dispatch_policies WHERE id = $1 FOR UPDATE`, [id]);
  if (!result.rowCount) throw notFound('dispatch_policy', );
  const policy = asRule(result.rows[0]);
  if (policy.kind === '*' && policy.severity === null) throw conflict('the default policy (any kind, any severity) cannot be deleted; change its deadlines instead', 'kind', { reason: 'default_policy_undeletable' });
  await db.query(`DELETE FROM dispatch_policies WHERE id = $1`, [id]);
  return policy;
}
