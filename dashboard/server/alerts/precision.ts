// How often each camera's or sensor's rule is right: among its alerts resolved in the last days, the
// false alarms operators marked, by hour of the day in the city's time zone. Engineers read it to see
// which rule to tune where and when (a crowd rule on a bus stop camera every evening).
import type { Queryable } from '@cityops/core/database/pool';
import type { AlertPrecisionRow } from '@cityops/contract/alerts';

export async function alertPrecision(db: Queryable, days: number, timeZone: string): Promise<AlertPrecisionRow[]> {
  const result = await db.query<{ source_type: AlertPrecisionRow['sourceType']; source_id: string; kind: AlertPrecisionRow['kind']; hour: number; resolved: number; false_alarms: number }>(
    `SELECT source_type, source_id, kind, extract(hour FROM first_seen_at AT TIME ZONE $2)::int AS hour,
            count(*)::int AS resolved, count(false_alarm_reason)::int AS false_alarms
       FROM alerts
      WHERE resolved_at IS NOT NULL AND resolved_at >= now() - make_interval(days => $1)
      GROUP BY 1, 2, 3, 4`,
    [days, timeZone],
  );
  const rows = new Map<string, AlertPrecisionRow>();
  for (const row of result.rows) {
    const key = `${row.source_type}\u0000${row.source_id}\u0000${row.kind}`;
    let entry = rows.get(key);
    if (!entry) {
      entry = { sourceType: row.source_type, sourceId: row.source_id, kind: row.kind, resolved: 0, falseAlarms: 0, precision: null, falseAlarmsByHour: new Array(24).fill(0), resolvedByHour: new Array(24).fill(0) };
      rows.set(key, entry);
    }
    entry.resolved += row.resolved;
    entry.falseAlarms += row.false_alarms;
    entry.resolvedByHour[row.hour] += row.resolved;
    entry.falseAlarmsByHour[row.hour] += row.false_alarms;
  }
  for (const entry of rows.values()) entry.precision = entry.resolved ? (entry.resolved - entry.falseAlarms) / entry.resolved : null;
  // The least precise first, then the busiest: what an engineer should look at first.
  return [...rows.values()].sort((a, b) => (a.precision ?? 2) - (b.precision ?? 2) || b.resolved - a.resolved || a.sourceId.localeCompare(b.sourceId));
}
