// An incident's timeline entries as sentences a person reads, in Vietnamese or English: every entry
// type the server writes (dashboard/server/incidents: lifecycle.ts, hotline.ts, linker.ts, dispatch.ts,
// escalation.ts). An unknown type still reads, by its name. Pure, so timeline-sentences.spec.ts checks
// every type in both languages.
import type { IncidentTimelineEntry } from '@cityops/contract/incidents';
import type { I18n } from '../i18n-core.ts';
import type { MessageKey } from '../messages.ts';

type Data = Record<string, unknown>;

const text = (value: unknown) => (value === null || value === undefined || value === '' ? '—' : String(value));
const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);
/** The linker and the escalation worker write as `system:<component>` (core/audit systemActor). */
const isSystemUser = (username: string) => username === 'system' || username.startsWith('system:');

function label(i18n: I18n, prefix: string, value: unknown): string {
  const key = `${prefix}.${String(value)}` as MessageKey;
  const translated = i18n.t(key);
  return translated === key ? text(value) : translated;
}

/** "kind from Fire to Flooding, severity from Minor to Major". */
function describeChanges(i18n: I18n, data: Data): string {
  const parts: string[] = [];
  for (const [field, change] of Object.entries(data)) {
    const { from, to } = (change ?? {}) as { from?: unknown; to?: unknown };
    if (field === 'kind') parts.push(i18n.t('timeline.change', { field: i18n.t('incident.kind').toLowerCase(), from: label(i18n, 'incidentKind', from), to: label(i18n, 'incidentKind', to) }));
    else if (field === 'severity') parts.push(i18n.t('timeline.change', { field: i18n.t('incident.severity').toLowerCase(), from: label(i18n, 'severity', from), to: label(i18n, 'severity', to) }));
    else parts.push(i18n.t('timeline.change', { field: label(i18n, 'timeline.field', field), from: text(from), to: text(to) }));
  }
  return parts.join(', ');
}

function relabelSuffix(i18n: I18n, data: Data): string {
  const kind = data.kind as { from?: unknown; to?: unknown } | undefined;
  return kind ? `; ${i18n.t('timeline.relabelled', { from: label(i18n, 'incidentKind', kind.from), to: label(i18n, 'incidentKind', kind.to) })}` : '';
}

function proposedTeam(i18n: I18n, data: Data): string {
  const team = data.proposedTeam as { name?: string } | null | undefined;
  return team?.name ?? i18n.t('timeline.noTeamFree');
}

/** The sentence of one entry, in the chosen language. */
export function describeEntry(i18n: I18n, entry: IncidentTimelineEntry): string {
  const data = entry.data ?? {};
  const user = isSystemUser(entry.username) ? i18n.t('timeline.system') : entry.username;
  const team = text(data.teamName);
  const deadline = label(i18n, 'incident.deadline', data.deadline);
  const t = i18n.t;
  switch (entry.type) {
    case 'opened':
      if (data.by === 'call') return t('timeline.opened.call', { line: text(data.line), user });
      if (data.by === 'report') return t('timeline.opened.report', { category: label(i18n, 'report.category', data.category) });
      if (data.by === 'rule') return t('timeline.opened.rule', { rule: text(data.rule), alertId: text(data.alertId), alertKind: label(i18n, 'kind', data.alertKind) });
      if (data.by === 'split') return t('timeline.opened.split', { user, fromId: text(data.fromId), alerts: count(data.alertIds), calls: count(data.callIds) });
      return t('timeline.opened.person', { user });
    case 'alert_linked':
      return (data.by === 'person' || !data.rule ? t('timeline.alert_linked.person', { user, alertId: text(data.alertId), alertKind: label(i18n, 'kind', data.alertKind) }) : t('timeline.alert_linked.rule', { rule: text(data.rule), alertId: text(data.alertId), alertKind: label(i18n, 'kind', data.alertKind) })) + relabelSuffix(i18n, data);
    case 'call':
      return t('timeline.call', { line: label(i18n, 'hotlineLine', data.line), kind: label(i18n, 'incidentKind', data.kind), user });
    case 'note':
      return t('timeline.note', { user });
    case 'state':
      return t('timeline.state', { user, from: label(i18n, 'incidentState', data.from), to: label(i18n, 'incidentState', data.to) });
    case 'reopened':
      return t('timeline.reopened', { user, from: label(i18n, 'incidentState', data.from) });
    case 'merged':
      return t('timeline.merged', { user, fromId: text(data.fromId), fromKind: label(i18n, 'incidentKind', data.fromKind), alerts: count(data.alertIds), calls: count(data.callIds) });
    case 'merged_into':
      return t('timeline.merged_into', { user, intoId: text(data.intoId) });
    case 'split':
      return t('timeline.split', { user, alerts: count(data.alertIds), calls: count(data.callIds), createdId: text(data.createdId) });
    case 'edited': {
      const changes = describeChanges(i18n, data);
      return changes ? t('timeline.edited', { user, changes }) : t('timeline.editedNothing', { user });
    }
    case 'assigned':
      return t('timeline.assigned', { user, team, acknowledgeBy: data.acknowledgeBy ? i18n.time(String(data.acknowledgeBy)) : '—', arriveBy: data.arriveBy ? i18n.time(String(data.arriveBy)) : '—' });
    case 'acknowledged':
      return t('timeline.acknowledged', { team, user });
    case 'arrived':
      return t('timeline.arrived', { team, user });
    case 'reminder':
      return t('timeline.reminder', { team, deadline });
    case 'supervisor_alerted':
      return t('timeline.supervisor_alerted', { team, deadline });
    case 'next_team_proposed':
      return t('timeline.next_team_proposed', { team, deadline, proposed: proposedTeam(i18n, data) });
    case 'team_deleted':
      return t('timeline.team_deleted', { team, proposed: proposedTeam(i18n, data) });
    case 'assignment_ended':
      return t('timeline.assignment_ended', { team, reason: label(i18n, 'incident.endReason', data.reason) });
    case 'alert_escalated':
      return t('timeline.alert_escalated', { alertId: text(data.alertId), severity: label(i18n, 'severity', data.severity) }) + relabelSuffix(i18n, data);
    case 'report':
      return t('timeline.report', { category: label(i18n, 'report.category', data.category), code: text(data.code) });
    case 'report_rejected':
      return t('timeline.report_rejected', { user, code: text(data.code) });
    case 'report_rated':
      return t('timeline.report_rated', { code: text(data.code), stars: text(data.stars) });
    default:
      return t('timeline.unknown', { user, type: entry.type });
  }
}
