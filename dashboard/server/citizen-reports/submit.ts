// A resident's report becomes a source of an incident, like a hotline call: it joins the nearest active
// incident of a compatible kind (the link rule of its incident kind says how near and how recent) or
// opens one, which also takes in the unlinked alerts that rule names nearby (a resident's flooding
// report beside a tide gauge's level II alert: one incident with both). All in one transaction, with
// the timeline line, the audit row and the live `incident:changed` to the command room.
//
// Reports that arrive together are stored together (core/database/group-commit.ts): one transaction
// and one COMMIT for the reports that came while the previous group was being written. What a group's
// reports share costs one statement per group, not one per report: the link rules with the lookup of
// their submission keys before the writes, their audit rows and the incident:changed of the incidents
// they opened or joined (each incident once, as it stands after the group) after them. Each report
// still gets its own answer, only after the COMMIT.
import { createHash, randomInt } from 'node:crypto';
import { recordAudits, systemActor, type Actor, type AuditEntry } from '@cityops/core/audit';
import { createGroupCommit } from '@cityops/core/database/group-commit';
import type { Queryable } from '@cityops/core/database/pool';
import { AppError, badRequest } from '@cityops/core/errors';
import { counter, histogram } from '@cityops/core/metrics';
import type { SecretBox } from '@cityops/core/secret-box';
import { districtAt, recentDistrictBoundaries } from '@cityops/devices/district-repository';
import type { AlertSeverity } from '@cityops/contract/alerts';
import { REPORT_INCIDENT_KIND, type ReportCategory, type ReportReceipt } from '@cityops/contract/citizen-reports';
import type { IncidentKind } from '@cityops/contract/incidents';
import type { LinkRule } from '../incidents/link-rules.ts';
import { publishIncidents, type IncidentDeps } from '../incidents/live.ts';
import {
  insertIncident,
  linkAlertRow,
  nearestJoinableIncident,
  touchIncident,
  unlinkedAlertsNear,
  worseSeverity,
  type JoinRule,
} from '../incidents/repository.ts';
import { insertReport, readsOfReportGroup, reportById, reportIdBySubmissionKey, type TimelineLine } from './repository.ts';
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

/**
 * One group written at a time: the reports that arrive meanwhile make the next group bigger, and what
 * a group shares (its reads, audit, notice, COMMIT) is paid by more reports. On the bench's crowd
 * (2 cores) one lane gave groups of 3.1 reports and 2.3-2.7 ms of PostgreSQL CPU per report, four lanes
 * groups of 1.5 and 3.7-4.1 ms, and as many reports a second or more. A group's statements are loopback round
 * trips of well under a millisecond: one lane is far from being the limit.
 */
const GROUP_LANES = 1;
/** Most reports in one transaction: a group holds its incidents' row locks until it commits. */
const MAX_GROUP = 16;

type ReportOutcome = { receipt: ReportReceipt; replayed: boolean; joined: boolean; incidentId: number };

/** One group's shared reads, and what its writes leave to be written once at its end. */
interface ReportGroup {
  rules: LinkRule[];
  /** The group's submission keys already stored before it began. */
  storedKeys: Map<string, number>;
  /** Keys stored by this group's earlier reports: a resend within the same group looks itself up. */
  keysWritten: Set<string>;
  audit: Array<{ actor: Actor; entry: AuditEntry }>;
  /** Incidents opened or joined, in the order of their first change. */
  changedIncidents: Set<number>;
}

export interface ReportReceiver {
  /** Stores the report on its incident; a resend of the same submission key answers the first receipt. */
  receive(input: ReportInput): Promise<{ receipt: ReportReceipt; replayed: boolean; incidentId: number }>;
}

/** One per process (per database): the reports it receives are grouped into shared transactions. */
export function createReportReceiver(deps: ReportDeps): ReportReceiver {
  const groups = createGroupCommit<ReportInput, ReportGroup, ReportOutcome>({
    db: deps.db,
    lanes: GROUP_LANES,
    maxGroup: MAX_GROUP,
    prepare: async (tx, inputs) => ({
      ...(await readsOfReportGroup(tx, inputs.map((input) => input.submissionKey))),
      keysWritten: new Set(),
      audit: [],
      changedIncidents: new Set(),
    }),
    write: (tx, input, group) => writeReport(tx, deps, input, group),
    finish: async (tx, group) => {
      await recordAudits(tx, group.audit);
      await publishIncidents(tx, deps.live, group.changedIncidents);
    },
  });
  return {
    async receive(input) {
      const started = performance.now();
      try {
        const outcome = await groups.submit(input).catch((error: unknown) => replayOfConcurrentSend(deps.db, input.submissionKey, error));
        received.inc({ category: input.category, outcome: outcome.replayed ? 'replayed' : outcome.joined ? 'joined' : 'opened' });
        handling.observe((performance.now() - started) / 1000);
        return { receipt: outcome.receipt, replayed: outcome.replayed, incidentId: outcome.incidentId };
      } catch (error) {
        received.inc({ category: input.category, outcome: error instanceof AppError ? error.code : 'error' });
        throw error;
      }
    },
  };
}

/**
 * The same report sent again while its first copy was being written in another group (a phone retrying
 * over a bad link): that group's row took the key first, so this copy answers as a resend of it.
 * Any other error is the caller's.
 */
async function replayOfConcurrentSend(db: Queryable, submissionKey: string, error: unknown): Promise<ReportOutcome> {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code !== '23505' || constraint !== 'citizen_reports_submission_key_key') throw error;
  const earlier = await reportIdBySubmissionKey(db, submissionKey);
  if (earlier === undefined) throw error;
  const report = await reportById(db, earlier);
  return { receipt: receiptOf(report.code, await publicState(db, report)), replayed: true, joined: false, incidentId: report.incidentId };
}

/** One report inside its group's transaction: the first receipt again for a known key, else stored. */
async function writeReport(tx: Queryable, deps: ReportDeps, input: ReportInput, group: ReportGroup): Promise<ReportOutcome> {
  const earlier = group.storedKeys.get(input.submissionKey) ?? (group.keysWritten.has(input.submissionKey) ? await reportIdBySubmissionKey(tx, input.submissionKey) : undefined);
  if (earlier !== undefined) {
    const report = await reportById(tx, earlier);
    return { receipt: receiptOf(report.code, await publicState(tx, report)), replayed: true, joined: false, incidentId: report.incidentId };
  }
  const stored = await storeReport(tx, deps, input, group);
  group.keysWritten.add(input.submissionKey);
  // A report that opened its incident is simply received; one that joined may find it in progress.
  const state = stored.joined ? await publicState(tx, await reportById(tx, stored.reportId)) : 'received';
  return { receipt: receiptOf(stored.code, state), replayed: false, joined: stored.joined, incidentId: stored.incidentId };
}

const receiptOf = (code: string, state: ReportReceipt['state']): ReportReceipt => ({ code, trackingPath: `/report/${code}`, state });

async function storeReport(tx: Queryable, deps: ReportDeps, input: ReportInput, group: ReportGroup): Promise<{ reportId: number; code: string; incidentId: number; joined: boolean }> {
  const districtId = await districtAt(tx, input.lat, input.lon, 3000, await recentDistrictBoundaries(tx, BOUNDARY_MAX_AGE_MS));
  if (districtId === null) throw badRequest('this place is outside the city: move the pin into one of its districts', 'lat', { reason: 'outside_city' });
  const kind = REPORT_INCIDENT_KIND[input.category];
  const rule = joinRuleFor(group.rules, kind);
  const place = { lat: input.lat, lon: input.lon, at: new Date() };
  const actor = residentActor(input.sourceAddress);
  const severity = REPORT_SEVERITY[input.category];

  let incidentId = await nearestJoinableIncident(tx, place, rule);
  const joined = incidentId !== undefined;
  // The lines before the report's own on the incident's timeline, written with the report.
  const linesBefore: TimelineLine[] = [];
  if (incidentId !== undefined) {
    await touchIncident(tx, incidentId, { sourceAt: place.at, severity });
  } else {
    incidentId = await insertIncident(tx, { kind, kindSetBy: 'rule', kindRuleRank: rule.rank ?? undefined, severity, lat: input.lat, lon: input.lon, districtId });
    linesBefore.push({ type: 'opened', data: { by: 'report', category: input.category } });
    linesBefore.push(...(await takeInNearbyAlerts(tx, incidentId, place, rule, severity)));
  }

  let reportId: number | undefined;
  let code = '';
  // Codes are random: a clash (one in 10^11 per pair) draws again.
  for (let attempt = 0; reportId === undefined; attempt++) {
    if (attempt === 5) throw new Error('could not draw a free report code');
    code = drawCode();
    reportId = await insertReport(
      tx,
      {
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
      },
      input.media,
      { actor, linesBefore },
    );
  }
  // The audit row and the operator's screen are written at the end of the group, in the same transaction.
  // The description is the resident's words, shown as text; the contact is personal: neither is copied into the audit.
  group.audit.push({
    actor,
    entry: {
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
    },
  });
  group.changedIncidents.add(incidentId);
  return { reportId, code, incidentId, joined };
}

/** The enabled link rule of the incident kind (the best-ranked), or the defaults for kinds no rule names. */
function joinRuleFor(rules: LinkRule[], kind: IncidentKind): JoinRule & { rank: number | null } {
  const rule = rules.find((candidate) => candidate.enabled && candidate.incidentKind === kind);
  return rule ? { ...rule } : { incidentKind: kind, ...DEFAULT_JOIN, rank: null };
}

/**
 * A new incident takes in the unlinked alerts its rule names nearby; its severity is the worst of them.
 * Answers the timeline lines of the alerts it took.
 */
async function takeInNearbyAlerts(
  tx: Queryable,
  incidentId: number,
  place: { lat: number; lon: number; at: Date },
  rule: JoinRule & { rank: number | null; name?: string },
  severity: AlertSeverity,
): Promise<TimelineLine[]> {
  let worst = severity;
  const lines: TimelineLine[] = [];
  for (const alert of await unlinkedAlertsNear(tx, place, rule)) {
    if (!(await linkAlertRow(tx, incidentId, alert.id, rule.name ?? null))) continue;
    worst = worseSeverity(worst, alert.severity);
    lines.push({ type: 'alert_linked', data: { alertId: alert.id, alertKind: alert.kind, severity: alert.severity, rule: rule.name ?? null, by: 'report' } });
  }
  if (worst !== severity) await touchIncident(tx, incidentId, { severity: worst });
  return lines;
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
