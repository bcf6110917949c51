// Links alerts to incidents by the link rules (link-rules.ts), reading alert_events in commit order
// from a cursor kept in PostgreSQL: an alert is linked when it is raised and looked at again when it
// is raised again (a tide alert rising from level I to III can then open or relabel an incident).
// Alerts raised while no api process ran are linked when one starts; with several api processes, the
// one holding the cursor's row lock reads the next batch and the others skip (no double work).
import { systemActor } from '@cityops/core/audit';
import { withTransaction, type Database, type Queryable } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { LivePublisher } from '@cityops/core/live/publisher';
import type { Logger } from '@cityops/core/logger';
import { counter } from '@cityops/core/metrics';
import { PeriodicTask } from '@cityops/core/periodic-task';
import type { AlertKind, AlertSeverity } from '@cityops/contract/alerts';
import { listLinkRules, type LinkRule } from './link-rules.ts';
import { publishIncident } from './live.ts';
import {
  addIncidentEvent,
  getIncident,
  incidentOfAlert,
  insertIncident,
  linkAlertRow,
  nearestJoinableIncident,
  relabelIncident,
  severityRank,
  touchIncident,
} from './repository.ts';

const BATCH = 200;

/** A lost connection or a database shutting down: not this alert's fault. */
const isConnectionLost = (error: unknown) => {
  const code = (error as { code?: string }).code ?? '';
  return code.startsWith('08') || code.startsWith('57') || /Connection terminated|ECONNREFUSED|ECONNRESET/.test(String((error as Error).message));
};
const outcomes = counter('cityops_incident_links_total', 'alerts the incident linker looked at, by outcome', ['outcome']);
const linker = systemActor('incident-linker');

/** The alert facts the rules read. */
interface LinkableAlert {
  id: number;
  kind: AlertKind;
  severity: AlertSeverity;
  state: string;
  lat: number | null;
  lon: number | null;
  districtId: string | null;
  seenAt: Date;
  title: string;
}

export type LinkOutcome = 'joined' | 'opened' | 'updated' | 'unplaced' | 'no_rule' | 'not_opening' | 'closed_alert' | 'failed';

export interface LinkerRun {
  read: number;
  outcomes: Partial<Record<LinkOutcome, number>>;
}

/** Reads the events after the cursor, links their alerts and moves the cursor, until none are left. */
export async function linkNewAlerts(db: Database, live?: LivePublisher, logger?: Logger): Promise<LinkerRun> {
  const run: LinkerRun = { read: 0, outcomes: {} };
  for (;;) {
    const read = await withTransaction(db, async (tx) => {
      const cursor = await tx.query(`SELECT position FROM incident_linker_cursor WHERE id = 1 FOR UPDATE SKIP LOCKED`);
      if (!cursor.rowCount) return 0; // another api process is at it
      const from = Number(cursor.rows[0].position);
      const events = await tx.query(
        `SELECT position, alert_id FROM alert_events WHERE position > $1 ORDER BY position LIMIT ${BATCH}`,
        [from],
      );
      if (!events.rowCount) return 0;
      const rules = (await listLinkRules(tx)).filter((rule) => rule.enabled);
      const alertIds = [...new Set(events.rows.map((row) => Number(row.alert_id)))];
      for (const alertId of alertIds) {
        // One alert the rules cannot handle (a bug, a rule edited into something odd) is skipped,
        // counted and logged: it must not hold the cursor, and with it every later alert.
        await tx.query('SAVEPOINT link_one');
        let outcome: LinkOutcome;
        try {
          const alert = await loadAlert(tx, alertId);
          outcome = alert ? await linkAlert(tx, alert, rules, live) : 'closed_alert';
          await tx.query('RELEASE SAVEPOINT link_one');
        } catch (error) {
          await tx.query('ROLLBACK TO SAVEPOINT link_one');
          if (isConnectionLost(error)) throw error; // the whole batch is retried when the database is back
          logger?.error({ err: error, alertId }, 'the incident linker could not link an alert; skipped');
          outcome = 'failed';
        }
        run.outcomes[outcome] = (run.outcomes[outcome] ?? 0) + 1;
        outcomes.inc({ outcome });
      }
      await tx.query(`UPDATE incident_linker_cursor SET position = $1 WHERE id = 1`, [events.rows.at(-1)!.position]);
      return events.rowCount;
    });
    run.read += read;
    if (read < BATCH) return run;
  }
}

async function loadAlert(tx: Queryable, id: number): Promise<LinkableAlert | undefined> {
  const result = await tx.query(
    `SELECT id, kind, severity, state, lat, lon, district_id, last_seen_at, title_en FROM alerts WHERE id = $1 AND state IN ('new', 'acknowledged', 'assigned')`,
    [id],
  );
  if (!result.rowCount) return undefined;
  const row = result.rows[0];
  return { id, kind: row.kind, severity: row.severity, state: row.state, lat: row.lat, lon: row.lon, districtId: row.district_id, seenAt: row.last_seen_at, title: row.title_en };
}

const opens = (rule: LinkRule, alert: LinkableAlert) => rule.openingKinds.includes(alert.kind) && severityRank(alert.severity) >= severityRank(rule.openMinSeverity);

/** Applies the rules to one alert (linked already, or not yet) in the linker's transaction. */
export async function linkAlert(tx: Queryable, alert: LinkableAlert, allRules: LinkRule[], live?: LivePublisher): Promise<LinkOutcome> {
  const rules = allRules.filter((rule) => rule.alertKinds.includes(alert.kind)).sort((a, b) => a.rank - b.rank);
  const linkedTo = await incidentOfAlert(tx, alert.id);
  if (linkedTo !== undefined) {
    // Raised again: its incident takes a higher severity, and a better rule it now opens may relabel it.
    const active = await tx.query(`SELECT 1 FROM incidents WHERE id = $1 AND state IN ('open', 'dispatched', 'on_scene') FOR UPDATE`, [linkedTo]);
    if (!active.rowCount) return 'updated'; // its incident is resolved or closed: people decide
    const before = await getIncident(tx, linkedTo);
    await touchIncident(tx, linkedTo, { sourceAt: alert.seenAt, severity: alert.severity });
    const relabelled = await relabelIfBetter(tx, linkedTo, rules.filter((rule) => opens(rule, alert)));
    const after = await getIncident(tx, linkedTo);
    if (after.severity !== before.severity || relabelled) {
      await addIncidentEvent(tx, linkedTo, linker, {
        type: 'alert_escalated',
        data: { alertId: alert.id, severity: alert.severity, ...(relabelled ? { kind: { from: before.kind, to: after.kind } } : {}) },
      });
      await publishIncident(tx, live, linkedTo);
    }
    return 'updated';
  }
  if (!rules.length) return 'no_rule';
  if (alert.lat === null || alert.lon === null) return 'unplaced';

  for (const rule of rules) {
    const incidentId = await nearestJoinableIncident(tx, { lat: alert.lat, lon: alert.lon, at: alert.seenAt }, rule);
    if (incidentId === undefined) continue;
    if (!(await linkAlertRow(tx, incidentId, alert.id, rule.name))) return 'updated'; // a person linked it meanwhile
    await touchIncident(tx, incidentId, { sourceAt: alert.seenAt, severity: alert.severity });
    const before = await getIncident(tx, incidentId);
    const relabelled = opens(rule, alert) ? await relabelIfBetter(tx, incidentId, [rule]) : false;
    await addIncidentEvent(tx, incidentId, linker, {
      type: 'alert_linked',
      data: { alertId: alert.id, alertKind: alert.kind, severity: alert.severity, rule: rule.name, ...(relabelled ? { kind: { from: before.kind, to: rule.incidentKind } } : {}) },
    });
    await publishIncident(tx, live, incidentId);
    return 'joined';
  }

  const opening = rules.find((rule) => opens(rule, alert));
  if (!opening) return 'not_opening';
  const incidentId = await insertIncident(tx, {
    kind: opening.incidentKind,
    kindSetBy: 'rule',
    kindRuleRank: opening.rank,
    severity: alert.severity,
    lat: alert.lat,
    lon: alert.lon,
    districtId: alert.districtId,
    at: alert.seenAt,
  });
  await linkAlertRow(tx, incidentId, alert.id, opening.name);
  await addIncidentEvent(tx, incidentId, linker, { type: 'opened', data: { by: 'rule', rule: opening.name, alertId: alert.id, alertKind: alert.kind } });
  await publishIncident(tx, live, incidentId);
  return 'opened';
}

/** Relabels the incident with the best of these rules when it ranks better than the rule that chose its kind. */
async function relabelIfBetter(tx: Queryable, incidentId: number, rules: LinkRule[]): Promise<boolean> {
  const best = [...rules].sort((a, b) => a.rank - b.rank)[0];
  if (!best) return false;
  const current = await tx.query(`SELECT kind, kind_set_by, kind_rule_rank FROM incidents WHERE id = $1`, [incidentId]);
  const row = current.rows[0];
  if (row.kind_set_by !== 'rule' || row.kind === best.incidentKind || (row.kind_rule_rank !== null && Number(row.kind_rule_rank) <= best.rank)) return false;
  await relabelIncident(tx, incidentId, best.incidentKind, { rank: best.rank });
  return true;
}

/** The api role's worker: runs the linker every second (and at once at start, to catch up). */
export function createIncidentLinker(db: Database, logger: Logger, live?: LivePublisher, intervalMs = 1000): Component {
  const task = new PeriodicTask('incident-linker', () => linkNewAlerts(db, live, logger), logger, intervalMs, Math.min(1000, intervalMs));
  return { name: 'incident-linker', start: () => task.start(), stop: () => task.stop() };
}
