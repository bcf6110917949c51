// A resident's report becomes a source of an incident, like a hotline call: it joins the nearest active
// incident of a compatible kind (the link rule of its incident kind says how near and how recent) or
// opens one, which also takes in the unlinked alerts that rule names nearby (a resident's flooding
// report beside a tide gauge's level II alert: one incident with both). All in one transaction, with
// the timeline line, the audit row and the live `incident:changed` to the command room.
import { createHash, randomInt } from 'node:crypto';
import { recordAudit, systemActor, type Actor } from '@cityops/core/audit';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import { AppError } from '@cityops/core/errors';
import { counter, histogram } from '@cityops/core/metrics';
import type { SecretBox } from '@cityops/core/secret-box';
import { districtAt, recentDistrictBoundaries } from '@cityops/devices/district-repository';
import type { AlertSeverity } from '@cityops/contract/alerts';
import { REPORT_INCIDENT_KIND, type ReportCategory, type ReportReceipt } from '@cityops/contract/citizen-reports';
import type { IncidentKind } from '@cityops/contract/incidents';
import { listLinkRules } from '../incidents/link-rules.ts';
import { publishIncident, type IncidentDeps } from '../incidents/live.ts';
import {
  addIncidentEvent,
  insertIncident,
  linkAlertRow,
  nearestJoinableIncident,
  touchIncident,
  unlinkedAlertsNear,
  worseSeverity,
  type JoinRule,
} from '../incidents/repository.ts';
import { insertMedia, insertReport, reportById, reportIdBySubmissionKey } from './repository.ts';
import { publicState } from './public-view.ts';
import type { StoredMedia } from './report-media.ts';

const received = counter('cityops_citizen_reports_total', 'residents\' reports received, by category and outcome', ['category', 'outcome']);
const handling = histogram('cityops_citizen_report_seconds', 'time to store a resident\'s report and join it to an incident (media already cleaned)', [], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);

/** Incidents without a link rule of their kind join a resident's report within this place and time. */
const DEFAULT_JOIN: Omit<JoinRule, 'incidentKind'> = { alertKinds: [], distanceM: 300, windowMinutes: 60 };

/** A city's boundaries are megabytes of GeoJSON: read once per half minute, not once per report. */
const BOUNDARY_MAX_AGE_MS = 30_000;

/** A resident sees what one person saw: a report opens at most a major incident until someone confirms it. */
const REPORT_SEVERITY: Record<ReportCategory, AlertSeverity> = {
  fire_smoke: 'major',
  traffic_accident: 'major',
  flooding: 'minor',
  traffic_jam: 'minor',
  fallen_tree: 'minor',
  broken_streetlight: 'info',
  sidewalk_encroachment: 'info',
  illegal_parking: 'info',
  garbage: 'info',
  other: 'minor',
};

/** The resident in the audit trail and on the timeline: nobody, from an address. */
const residentActor = (address: string): Actor => ({ ...systemActor('resident-report'), username: 'resident', sourceAddress: address });

export interface ReportInput {
  /** The page's Idempotency-Key. */
  submissionKey: string;
  category: ReportCategory;
  lat: number;
  lon: number;
  description: string;
  contact?: string;
  deviceId?: string;
  submittedAt: Date;
  media: StoredMedia[];
  sourceAddress: string;
}

export interface ReportDeps extends IncidentDeps {
  secrets: SecretBox;
}

/** Stores the report on its incident; a resend of the same submission key answers the first receipt. */
export async function receiveReport(deps: ReportDeps, input: ReportInput): Promise<{ receipt: ReportReceipt; replayed: boolean; incidentId: number }> {
  const started = performance.now();
  try {
    const outcome = await withTransaction(deps.db, async (tx) => {
      const earlier = await reportIdBySubmissionKey(tx, input.submissionKey);
      const stored = earlier === undefined ? await storeReport(tx, deps, input) : undefined;
      const report = await reportById(tx, earlier ?? stored!.reportId);
      // A report that opened its incident is simply received; one that joined may find it in progress.
      const state = stored && !stored.joined ? 'received' : await publicState(tx, report);
      return { report, state, replayed: earlier !== undefined, joined: stored?.joined ?? false };
    });
    const { report, state } = outcome;
    received.inc({ category: input.category, outcome: outcome.replayed ? 'replayed' : outcome.joined ? 'joined' : 'opened' });
    handling.observe((performance.now() - started) / 1000);
    return { receipt: { code: report.code, trackingPath: `/report/${report.code}`, state }, replayed: outcome.replayed, incidentId: report.incidentId };
  } catch (error) {
    received.inc({ category: input.category, outcome: error instanceof AppError ? error.code : 'error' });
    throw error;
  }
}

async function storeReport(tx: Queryable, deps: ReportDeps, input: ReportInput): Promise<{ reportId: number; joined: boolean }> {
  const districtId = await districtAt(tx, input.lat, input.lon, 3000, await recentDistrictBoundaries(tx, BOUNDARY_MAX_AGE_MS));
  if (districtId === null) throw new AppError('invalid', 'this place is outside the city: move the pin into one of its districts', 'lat');
  const kind = REPORT_INCIDENT_KIND[input.category];
  const rule = await joinRuleFor(tx, kind);
  const place = { lat: input.lat, lon: input.lon, at: new Date() };
  const actor = residentActor(input.sourceAddress);
  const severity = REPORT_SEVERITY[input.category];

  let incidentId = await nearestJoinableIncident(tx, place, rule);
  const joined = incidentId !== undefined;
  if (incidentId !== undefined) {
    await touchIncident(tx, incidentId, { sourceAt: place.at, severity });
  } else {
    incidentId = await insertIncident(tx, { kind, kindSetBy: 'rule', kindRuleRank: rule.rank ?? undefined, severity, lat: input.lat, lon: input.lon, districtId });
    await addIncidentEvent(tx, incidentId, actor, { type: 'opened', data: { by: 'report', category: input.category } });
    await takeInNearbyAlerts(tx, incidentId, place, rule, severity, actor);
  }

  let reportId: number | undefined;
  let code = '';
  // Codes are random: a clash (one in 10^11 per pair) draws again.
  for (let attempt = 0; reportId === undefined; attempt++) {
    if (attempt === 5) throw new Error('could not draw a free report code');
    code = drawCode();
    reportId = await insertReport(tx, {
      code,
      submissionKey: input.submissionKey,
      incidentId,
      category: input.category,
      description: input.description,
      lat: input.lat,
      lon: input.lon,
      districtId,
      submittedAt: input.submittedAt,
      contactEncrypted: input.contact ? deps.secrets.encrypt(input.contact) : null,
      deviceHash: input.deviceId ? createHash('sha256').update(input.deviceId).digest('hex') : null,
    });
  }
  await insertMedia(tx, reportId, input.media);
  // The description is the resident's words, shown as text; the contact is personal: neither is copied into the audit.
  await addIncidentEvent(tx, incidentId, actor, { type: 'report', note: input.description || undefined, data: { reportId, code, category: input.category } });
  await recordAudit(tx, actor, {
    action: joined ? 'report_joined' : 'report',
    entityType: 'citizen_report',
    entityId: String(reportId),
    details: {
      incidentId,
      category: input.category,
      photos: input.media.filter((item) => item.kind === 'photo').length,
      clip: input.media.some((item) => item.kind === 'clip'),
      contactGiven: Boolean(input.contact),
    },
  });
  await publishIncident(tx, deps.live, incidentId);
  return { reportId, joined };
}

/** The enabled link rule of the incident kind (the best-ranked), or the defaults for kinds no rule names. */
async function joinRuleFor(tx: Queryable, kind: IncidentKind): Promise<JoinRule & { rank: number | null }> {
  const rule = (await listLinkRules(tx)).find((candidate) => candidate.enabled && candidate.incidentKind === kind);
  return rule ? { ...rule } : { incidentKind: kind, ...DEFAULT_JOIN, rank: null };
}

/** A new incident takes in the unlinked alerts its rule names nearby; its severity is the worst of them. */
async function takeInNearbyAlerts(
  tx: Queryable,
  incidentId: number,
  place: { lat: number; lon: number; at: Date },
  rule: JoinRule & { rank: number | null; name?: string },
  severity: AlertSeverity,
  actor: Actor,
): Promise<void> {
  let worst = severity;
  for (const alert of await unlinkedAlertsNear(tx, place, rule)) {
    if (!(await linkAlertRow(tx, incidentId, alert.id, rule.name ?? null))) continue;
    worst = worseSeverity(worst, alert.severity);
    await addIncidentEvent(tx, incidentId, actor, { type: 'alert_linked', data: { alertId: alert.id, alertKind: alert.kind, severity: alert.severity, rule: rule.name ?? null, by: 'report' } });
  }
  if (worst !== severity) await touchIncident(tx, incidentId, { severity: worst });
}

/** Digits and capitals without 0/O, 1/I/L: a code read out over the phone is not misheard. */
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export function drawCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What residents type: lower case, without the dash, with spaces. */
export function normalizeCode(text: string): string | undefined {
  const compact = text.toUpperCase().replace(/[\s-]/g, '');
  return /^[0-9A-Z]{8}$/.test(compact) ? `${compact.slice(0, 4)}-${compact.slice(4)}` : undefined;
}
