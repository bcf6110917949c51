// Tuning camera zone rules from false alarms: the proposals engineers see beside each rule's precision,
// what a change would have done to the alerts judged in the period, and applying one an engineer has
// approved (a change to the camera's analysis configuration, which restarts its analysis).
import type { Queryable } from '@cityops/core/database/pool';
import { badRequest, notFound, issueReason } from '@cityops/core/errors';
import { TUNABLE_RULES, type RuleChange, type RuleChangePreview, type RuleProposal, type TunableRuleKind } from '@cityops/contract/alerts';
import { analysisConfigSchema, coversMinute } from '@cityops/devices/analysis-config';
import { hoursOf, previewChange, proposeChange, type HourlyThresholds, type JudgedAlerts } from './rule-proposals.ts';

interface TunableRule {
  kind: TunableRuleKind;
  schedule?: Array<{ from: string; to: string } & Record<string, unknown>>;
  [field: string]: unknown;
}

/** The resolved alerts of camera zones' tunable rules in the last `days`, by hour (city time), count and verdict. */
async function judgedAlerts(db: Queryable, days: number, timeZone: string, only?: RuleChange): Promise<Map<string, JudgedAlerts[]>> {
  const result = await db.query<{ source_id: string; zone_id: string; kind: TunableRuleKind; hour: number; sustained: number | null; false_alarm: boolean; alerts: number }>(
    `SELECT source_id, zone_id, kind, extract(hour FROM first_seen_at AT TIME ZONE $2)::int AS hour,
            coalesce(evidence->>'sustainedCount', evidence->>'count')::int AS sustained,
            false_alarm_reason IS NOT NULL AS false_alarm, count(*)::int AS alerts
       FROM alerts
      WHERE source_type = 'camera' AND kind = ANY($3::text[]) AND resolved_at IS NOT NULL
        AND resolved_at >= now() - make_interval(days => $1)
        AND ($4::text IS NULL OR (source_id = $4 AND zone_id = $5 AND kind = $6))
      GROUP BY 1, 2, 3, 4, 5, 6`,
    [days, timeZone, Object.keys(TUNABLE_RULES), only?.cameraId ?? null, only?.zoneId ?? null, only?.kind ?? null],
  );
  const byRule = new Map<string, JudgedAlerts[]>();
  for (const row of result.rows) {
    const key = ruleKey(row.source_id, row.zone_id, row.kind);
    const list = byRule.get(key) ?? [];
    list.push({ hour: row.hour, sustained: row.sustained, falseAlarm: row.false_alarm, alerts: row.alerts });
    byRule.set(key, list);
  }
  return byRule;
}

const ruleKey = (cameraId: string, zoneId: string, kind: string) => `${cameraId}\u0000${zoneId}\u0000${kind}`;

/** The zone's first rule of this kind in a camera's stored configuration, if any. */
function findRule(analysis: unknown, zoneId: string, kind: TunableRuleKind): TunableRule | undefined {
  const zones = (analysis as { zones?: Array<{ id: string; rules?: TunableRule[] }> } | null)?.zones;
  return zones?.find((zone) => zone.id === zoneId)?.rules?.find((rule) => rule.kind === kind);
}

/** The threshold the rule holds at the start of each hour of the day. */
function hourlyThresholds(rule: TunableRule): HourlyThresholds {
  const field = TUNABLE_RULES[rule.kind];
  return Array.from({ length: 24 }, (_, hour) => {
    const entry = rule.schedule?.find((candidate) => coversMinute(candidate, hour * 60));
    return Number(entry ? entry[field] : rule[field]);
  });
}

/** Every camera zone rule with a change worth proposing, the most false alarms spared first. */
export async function ruleProposals(db: Queryable, days: number, timeZone: string): Promise<RuleProposal[]> {
  const judged = await judgedAlerts(db, days, timeZone);
  if (!judged.size) return [];
  const cameraIds = [...new Set([...judged.keys()].map((key) => key.split('\u0000')[0]))];
  const cameras = await db.query<{ id: string; name: string; analysis: unknown }>(`SELECT id, name, analysis FROM cameras WHERE id = ANY($1::text[])`, [cameraIds]);
  const proposals: RuleProposal[] = [];
  for (const camera of cameras.rows) {
    for (const [key, alerts] of judged) {
      const [cameraId, zoneId, kind] = key.split('\u0000') as [string, string, TunableRuleKind];
      if (cameraId !== camera.id) continue;
      const rule = findRule(camera.analysis, zoneId, kind);
      if (!rule) continue; // the zone or its rule was removed since
      const change = proposeChange(alerts, hourlyThresholds(rule));
      if (change) proposals.push({ cameraId, cameraName: camera.name, zoneId, kind, ...change });
    }
  }
  return proposals.sort((a, b) => b.preview.suppressedFalseAlarms - a.preview.suppressedFalseAlarms || a.cameraId.localeCompare(b.cameraId));
}

/** What `change` would have done to the alerts judged in the last `days`. */
export async function previewRuleChange(db: Queryable, change: RuleChange, days: number, timeZone: string): Promise<RuleChangePreview> {
  const judged = (await judgedAlerts(db, days, timeZone, change)).get(ruleKey(change.cameraId, change.zoneId, change.kind)) ?? [];
  return previewChange(judged, hoursOf(change.from, change.to), change.threshold);
}

export interface AppliedRuleChange {
  before: TunableRule;
  after: TunableRule;
  /** The camera's whole configuration with the change, for the caller to store. */
  analysis: unknown;
}

/**
 * The camera's configuration with `change` made: the rule's own threshold (all day), or an hour range
 * put first in its schedule (the first entry covering an hour wins) in place of one with the same hours.
 * Reads the camera's row for update: run it in the transaction that stores the result.
 */
export async function ruleChanged(db: Queryable, change: RuleChange): Promise<AppliedRuleChange> {
  const row = await db.query<{ analysis: unknown }>(`SELECT analysis FROM cameras WHERE id = $1 FOR UPDATE`, [change.cameraId]);
  if (!row.rowCount) throw notFound('camera', change.cameraId);
  const analysis = structuredClone(row.rows[0].analysis) as { zones?: Array<{ id: string; rules?: TunableRule[] }> };
  const rule = findRule(analysis, change.zoneId, change.kind);
  if (!rule) throw notFound('camera_rule', change.kind, `a ${change.kind} rule in zone ${change.zoneId} of camera ${change.cameraId} not found`);
  const before = structuredClone(rule);
  const field = TUNABLE_RULES[change.kind];
  if (change.from === null || change.to === null) rule[field] = change.threshold;
  else {
    const others = (rule.schedule ?? []).filter((entry) => entry.from !== change.from || entry.to !== change.to);
    rule.schedule = [{ from: change.from, to: change.to, [field]: change.threshold }, ...others];
  }
  const checked = analysisConfigSchema.safeParse(analysis);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw badRequest(`the changed rule is not valid: ${issue.path.join('.')}: ${issue.message}`, issue.path.join('.'), issueReason(issue as unknown as { code: string } & Record<string, unknown>));
  }
  return { before, after: structuredClone(rule), analysis };
}
