// The residents' reports' SQL: the rows, their media, and the facts of the incident a resident may see.
import type { Actor } from '@cityops/core/audit';
import type { Queryable } from '@cityops/core/database/pool';
import { notFound } from '@cityops/core/errors';
import type { ReportCategory } from '@cityops/contract/citizen-reports';
import type { IncidentState } from '@cityops/contract/incidents';
import { asRule, type LinkRule } from '../incidents/link-rules.ts';
import type { StoredMedia } from './report-media.ts';

export interface ReportRow {
  id: number;
  code: string;
  incidentId: number;
  category: ReportCategory;
  description: string;
  lat: number;
  lon: number;
  districtId: string | null;
  submittedAt: Date;
  receivedAt: Date;
  contactEncrypted: string | null;
  contactDeletedAt: Date | null;
  rejectedAt: Date | null;
  rejectedByName: string | null;
  rejectionReason: string | null;
  ratingStars: number | null;
  ratingComment: string | null;
  ratedAt: Date | null;
  photoCount: number;
  hasClip: boolean;
}

const reportSelect = `SELECT r.*,
    (SELECT count(*) FROM citizen_report_media m WHERE m.report_id = r.id AND m.kind = 'photo') AS photo_count,
    EXISTS (SELECT 1 FROM citizen_report_media m WHERE m.report_id = r.id AND m.kind = 'clip') AS has_clip
  FROM citizen_reports r`;

function asReport(row: Record<string, unknown>): ReportRow {
  return {
    id: Number(row.id),
    code: String(row.code),
    incidentId: Number(row.incident_id),
    category: row.category as ReportCategory,
    description: String(row.description),
    lat: Number(row.lat),
    lon: Number(row.lon),
    districtId: (row.district_id as string | null) ?? null,
    submittedAt: row.submitted_at as Date,
    receivedAt: row.received_at as Date,
    contactEncrypted: (row.contact_encrypted as string | null) ?? null,
    contactDeletedAt: (row.contact_deleted_at as Date | null) ?? null,
    rejectedAt: (row.rejected_at as Date | null) ?? null,
    rejectedByName: (row.rejected_by_name as string | null) ?? null,
    rejectionReason: (row.rejection_reason as string | null) ?? null,
    ratingStars: row.rating_stars === null ? null : Number(row.rating_stars),
    ratingComment: (row.rating_comment as string | null) ?? null,
    ratedAt: (row.rated_at as Date | null) ?? null,
    photoCount: Number(row.photo_count),
    hasClip: Boolean(row.has_clip),
  };
}

export async function reportByCode(db: Queryable, code: string): Promise<ReportRow | undefined> {
  const result = await db.query(`${reportSelect} WHERE r.code = $1`, [code]);
  return result.rowCount ? asReport(result.rows[0]) : undefined;
}

export async function reportById(db: Queryable, id: number, lock = false): Promise<ReportRow> {
  const result = await db.query(`${reportSelect} WHERE r.id = $1${lock ? ' FOR UPDATE OF r' : ''}`, [id]);
  if (!result.rowCount) throw notFound('report', id);
  return asReport(result.rows[0]);
}

export async function reportIdBySubmissionKey(db: Queryable, key: string): Promise<number | undefined> {
  const result = await db.query({ name: 'citizen-report-by-key', text: `SELECT id FROM citizen_reports WHERE submission_key = $1`, values: [key] });
  return result.rowCount ? Number(result.rows[0].id) : undefined;
}

/** The reports already stored under any of `keys`: submission key → report id. */
/**
 * What a group of reports reads before its writes, in one round trip: the incident link rules, and
 * which of its submission keys are already stored (with their report's id).
 */
export async function readsOfReportGroup(db: Queryable, keys: string[]): Promise<{ rules: LinkRule[]; storedKeys: Map<string, number> }> {
  const result = await db.query({
    name: 'citizen-report-group-reads',
    text: `SELECT (SELECT coalesce(jsonb_agg(to_jsonb(rule) ORDER BY rule.rank, rule.id), '[]') FROM incident_link_rules rule) AS rules,
                  (SELECT coalesce(jsonb_object_agg(submission_key, id), '{}') FROM citizen_reports WHERE submission_key = ANY($1::text[])) AS stored`,
    values: [keys],
  });
  const { rules, stored } = result.rows[0] as { rules: Record<string, unknown>[]; stored: Record<string, number> };
  return { rules: rules.map(asRule), storedKeys: new Map(Object.entries(stored).map(([key, id]) => [key, Number(id)])) };
}

export interface ReportFilter {
  incidentId?: number;
  categories?: ReportCategory[];
  districtIds?: string[];
  /** 'rejected', 'accepted' (not rejected), or both. */
  rejected?: boolean;
  before?: number;
  limit: number;
}

export async function listReports(db: Queryable, filter: ReportFilter): Promise<ReportRow[]> {
  const result = await db.query(
    `${reportSelect}
     WHERE ($1::bigint IS NULL OR r.incident_id = $1)
       AND ($2::text[] IS NULL OR r.category = ANY($2))
       AND ($3::text[] IS NULL OR r.district_id = ANY($3))
       AND ($4::boolean IS NULL OR (r.rejected_at IS NOT NULL) = $4)
       AND ($5::bigint IS NULL OR r.id < $5)
     ORDER BY r.id DESC LIMIT $6`,
    [filter.incidentId ?? null, filter.categories ?? null, filter.districtIds ?? null, filter.rejected ?? null, filter.before ?? null, filter.limit],
  );
  return result.rows.map(asReport);
}

export interface NewReport {
  code: string;
  submissionKey: string;
  incidentId: number;
  category: ReportCategory;
  description: string;
  lat: number;
  lon: number;
  districtId: string | null;
  submittedAt: Date;
  contactEncrypted: string | null;
  deviceHash: string | null;
}

/** A line of the incident's timeline written with the report, before the report's own line. */
export interface TimelineLine {
  type: string;
  note?: string;
  data?: Record<string, unknown>;
}

/**
 * Inserts the report, its media rows and its incident's timeline lines in one statement (one round trip
 * instead of one per row): `linesBefore` (the incident opened, the alerts it took in), then the
 * report's own line, which names the report's id. Undefined when its code was taken, in which case
 * nothing was inserted and the caller draws another. The media's files are already in the media store:
 * the rows only name them.
 */
export async function insertReport(tx: Queryable, report: NewReport, media: StoredMedia[], timeline: { actor: Actor; linesBefore: TimelineLine[] }): Promise<number | undefined> {
  const params: unknown[] = [report.code, report.submissionKey, report.incidentId, report.category, report.description, report.lat, report.lon, report.districtId, report.submittedAt, report.contactEncrypted, report.deviceHash];
  let photos = 0;
  const mediaRows = media.map((item) => {
    const at = params.push(item.kind, item.kind === 'photo' ? photos++ : 0, item.contentType, item.width, item.height, item.durationSeconds, item.fileName) - 6;
    return `($${at}::text, $${at + 1}::smallint, $${at + 2}::text, $${at + 3}::int, $${at + 4}::int, $${at + 5}::real, $${at + 6}::text)`;
  });
  const insertMedia = mediaRows.length
    ? `, media AS (INSERT INTO citizen_report_media (report_id, kind, position, content_type, width, height, duration_seconds, file_name)
         SELECT report.id, m.* FROM report, (VALUES ${mediaRows.join(', ')}) AS m (kind, position, content_type, width, height, duration_seconds, file_name))`
    : '';
  // The resident's words are the note; the contact is personal and stays out of the timeline.
  const lines = [...timeline.linesBefore, { type: 'report', note: report.description || undefined, data: { code: report.code, category: report.category } }];
  const actorAt = params.push(timeline.actor.userId ?? null, timeline.actor.username) - 1;
  const lineRows = lines.map((line, index) => {
    const at = params.push(line.type, line.note ?? null, JSON.stringify(line.data ?? {})) - 2;
    return `(${index}, $${at}::text, $${at + 1}::text, $${at + 2}::jsonb)`;
  });
  const last = lines.length - 1;
  // Named per media layout and number of lines: parsed and planned once per connection.
  const result = await tx.query({
    name: `citizen-report-insert-${media.map((item) => item.kind).join('-')}-${lines.length}`,
    text: `WITH report AS (
       INSERT INTO citizen_reports (code, submission_key, incident_id, category, description, lat, lon, district_id, submitted_at, contact_encrypted, device_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (code) DO NOTHING RETURNING id)${insertMedia},
     timeline AS (INSERT INTO incident_events (incident_id, at, type, user_id, username, note, data)
       SELECT $3, now(), line.type, $${actorAt}::bigint, $${actorAt + 1}::text, line.note,
              CASE WHEN line.position = ${last} THEN jsonb_build_object('reportId', report.id) || line.data ELSE line.data END
       FROM report, (VALUES ${lineRows.join(', ')}) AS line (position, type, note, data) ORDER BY line.position),
     touched AS (UPDATE incidents SET updated_at = clock_timestamp() WHERE id = $3 AND EXISTS (SELECT 1 FROM report))
     SELECT id FROM report`,
    values: params,
  });
  return result.rowCount ? Number(result.rows[0].id) : undefined;
}

/** Where a photo or clip is: a file of the media store, or (rows from before migration 0121) the row's bytes. */
export type MediaLocation = { contentType: string } & ({ fileName: string } | { bytes: Buffer });

export async function mediaOf(db: Queryable, reportId: number, kind: 'photo' | 'clip', position: number): Promise<MediaLocation | undefined> {
  const result = await db.query(`SELECT content_type, file_name, bytes FROM citizen_report_media WHERE report_id = $1 AND kind = $2 AND position = $3`, [reportId, kind, position]);
  if (!result.rowCount) return undefined;
  const row = result.rows[0];
  return row.file_name ? { contentType: row.content_type, fileName: row.file_name } : { contentType: row.content_type, bytes: row.bytes };
}

/** The names among `names` that a report's row still refers to (the media sweep keeps those files). */
export async function referencedMediaFiles(db: Queryable, names: string[]): Promise<Set<string>> {
  const result = await db.query<{ file_name: string }>(`SELECT file_name FROM citizen_report_media WHERE file_name = ANY($1::text[])`, [names]);
  return new Set(result.rows.map((row) => row.file_name));
}

export async function markRejected(tx: Queryable, id: number, by: { userId?: number; username: string }, reason: string): Promise<void> {
  await tx.query(`UPDATE citizen_reports SET rejected_at = now(), rejected_by = $2, rejected_by_name = $3, rejection_reason = $4 WHERE id = $1`, [
    id,
    by.userId ?? null,
    by.username,
    reason,
  ]);
}

/** Records the rating once; false when the report was rated already. */
export async function recordRating(tx: Queryable, id: number, stars: number, comment: string | null): Promise<boolean> {
  const result = await tx.query(`UPDATE citizen_reports SET rating_stars = $2, rating_comment = $3, rated_at = now() WHERE id = $1 AND rated_at IS NULL`, [id, stars, comment]);
  return result.rowCount === 1;
}

/** How many residents' reports, not rejected, an incident holds. */
export async function acceptedReportCount(db: Queryable, incidentId: number): Promise<number> {
  const result = await db.query(`SELECT count(*) AS n FROM citizen_reports WHERE incident_id = $1 AND rejected_at IS NULL`, [incidentId]);
  return Number(result.rows[0].n);
}

/** Whether the incident has any source besides this report: an alert, a call, another accepted report. */
export async function hasOtherSources(db: Queryable, incidentId: number, reportId: number): Promise<boolean> {
  const result = await db.query(
    `SELECT EXISTS (SELECT 1 FROM incident_alerts WHERE incident_id = $1)
         OR EXISTS (SELECT 1 FROM hotline_calls WHERE incident_id = $1)
         OR EXISTS (SELECT 1 FROM citizen_reports WHERE incident_id = $1 AND id <> $2 AND rejected_at IS NULL) AS other`,
    [incidentId, reportId],
  );
  return Boolean(result.rows[0].other);
}

/** The facts of a report's incident a resident may be told (following merges to where it went). */
export interface IncidentProgress {
  incidentId: number;
  state: IncidentState;
  resolvedAt: Date | null;
  closedAt: Date | null;
  handledBy: string | null;
  resolutionNote: string | null;
  resolutionPhotoId: number | null;
  closeNote: string | null;
  reportedBy: number;
}

export async function incidentProgress(db: Queryable, incidentId: number): Promise<IncidentProgress> {
  // A merged incident is closed and points to the one that carries on: follow it (a few hops at most).
  let id = incidentId;
  for (let hop = 0; hop < 10; hop++) {
    const next = await db.query(`SELECT merged_into_id FROM incidents WHERE id = $1`, [id]);
    if (!next.rowCount || next.rows[0].merged_into_id === null) break;
    id = Number(next.rows[0].merged_into_id);
  }
  const result = await db.query(
    `SELECT i.state, i.resolved_at, i.closed_at,
       (SELECT ag.name FROM incident_handoffs h JOIN agencies ag ON ag.id = h.agency_id WHERE h.incident_id = i.id ORDER BY h.id DESC LIMIT 1) AS handoff_agency,
       (SELECT COALESCE(ag.name, a.team_name) FROM incident_assignments a LEFT JOIN teams t ON t.id = a.team_id LEFT JOIN agencies ag ON ag.id = t.agency_id
          WHERE a.incident_id = i.id ORDER BY (a.ended_at IS NULL) DESC, a.id DESC LIMIT 1) AS assigned,
       (SELECT e.note FROM incident_events e WHERE e.incident_id = i.id AND e.type = 'state' AND e.data->>'to' = 'resolved' ORDER BY e.id DESC LIMIT 1) AS resolution_note,
       (SELECT e.note FROM incident_events e WHERE e.incident_id = i.id AND e.type = 'state' AND e.data->>'to' = 'closed' ORDER BY e.id DESC LIMIT 1) AS close_note,
       -- The photo sent with the resolution, else the last one taken before it (the proof of the fix).
       CASE WHEN i.resolved_at IS NOT NULL THEN COALESCE(
         (SELECT (e.data->>'photoId')::bigint FROM incident_events e WHERE e.incident_id = i.id AND e.type = 'state' AND e.data->>'to' = 'resolved' ORDER BY e.id DESC LIMIT 1),
         (SELECT p.id FROM incident_photos p WHERE p.incident_id = i.id AND p.at <= i.resolved_at ORDER BY p.id DESC LIMIT 1)) END AS resolution_photo_id,
       (SELECT count(*) FROM citizen_reports r WHERE r.incident_id = i.id AND r.rejected_at IS NULL) AS reported_by
     FROM incidents i WHERE i.id = $1`,
    [id],
  );
  const row = result.rows[0];
  return {
    incidentId: id,
    state: row.state,
    resolvedAt: row.resolved_at,
    closedAt: row.closed_at,
    handledBy: row.handoff_agency ?? row.assigned ?? null,
    resolutionNote: row.resolution_note ?? null,
    resolutionPhotoId: row.resolution_photo_id === null ? null : Number(row.resolution_photo_id),
    closeNote: row.close_note ?? null,
    reportedBy: Number(row.reported_by),
  };
}

export async function incidentPhoto(db: Queryable, photoId: number): Promise<{ contentType: string; bytes: Buffer } | undefined> {
  const result = await db.query(`SELECT content_type, bytes FROM incident_photos WHERE id = $1`, [photoId]);
  return result.rowCount ? { contentType: result.rows[0].content_type, bytes: result.rows[0].bytes } : undefined;
}

/** Wipes the contact details of reports whose incident was resolved (or that were rejected) over `days` ago. */
export async function wipeOldContacts(db: Queryable, days: number): Promise<number> {
  const result = await db.query(
    `UPDATE citizen_reports r SET contact_encrypted = NULL, contact_deleted_at = now()
     FROM incidents i
     WHERE i.id = r.incident_id AND r.contact_encrypted IS NOT NULL
       AND (COALESCE(i.resolved_at, i.closed_at) < now() - make_interval(days => $1) OR r.rejected_at < now() - make_interval(days => $1))`,
    [days],
  );
  return result.rowCount ?? 0;
}
