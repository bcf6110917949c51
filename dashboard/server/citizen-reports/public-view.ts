// What the resident is told about their report (PublicReportView: no contact, no operator's name, no
// other resident's words) and what an operator sees (ReportView, with the contact while it is kept).
import type { Queryable } from '@cityops/core/database/pool';
import type { SecretBox } from '@cityops/core/secret-box';
import type { PublicReportState, PublicReportView, ReportView } from '@cityops/contract/citizen-reports';
import { incidentProgress, type IncidentProgress, type ReportRow } from './repository.ts';

async function districtName(db: Queryable, districtId: string | null): Promise<string | null> {
  if (!districtId) return null;
  const result = await db.query(`SELECT name FROM districts WHERE id = $1`, [districtId]);
  return result.rowCount ? String(result.rows[0].name) : null;
}

function stateOf(report: ReportRow, progress: IncidentProgress): PublicReportState {
  if (report.rejectedAt) return 'not_accepted';
  if (progress.resolvedAt) return 'resolved';
  // Closed without being resolved (a false alarm, a duplicate): the resident is told it was not taken up.
  if (progress.state === 'closed') return 'not_accepted';
  if (progress.state === 'dispatched' || progress.state === 'on_scene' || progress.handledBy) return 'in_progress';
  return 'received';
}

export async function publicState(db: Queryable, report: ReportRow): Promise<PublicReportState> {
  return stateOf(report, await incidentProgress(db, report.incidentId));
}

const mediaBase = (code: string) => `/api/public/reports/${code}`;

export async function publicView(db: Queryable, report: ReportRow): Promise<PublicReportView> {
  const progress = await incidentProgress(db, report.incidentId);
  const state = stateOf(report, progress);
  const base = mediaBase(report.code);
  const closedUnresolved = state === 'not_accepted' && !report.rejectedAt;
  return {
    code: report.code,
    category: report.category,
    description: report.description,
    lat: report.lat,
    lon: report.lon,
    districtName: await districtName(db, report.districtId),
    submittedAt: report.submittedAt.toISOString(),
    state,
    handledBy: state === 'in_progress' || state === 'resolved' ? progress.handledBy : null,
    reportedBy: Math.max(1, progress.reportedBy),
    photoPaths: Array.from({ length: report.photoCount }, (_, index) => `${base}/photos/${index}`),
    clipPath: report.hasClip ? `${base}/clip` : null,
    resolution:
      state === 'resolved' && progress.resolvedAt
        ? { at: progress.resolvedAt.toISOString(), note: progress.resolutionNote, photoPath: progress.resolutionPhotoId ? `${base}/resolution-photo` : null }
        : null,
    rejection: report.rejectedAt
      ? { at: report.rejectedAt.toISOString(), reason: report.rejectionReason ?? '' }
      : closedUnresolved && progress.closedAt
        ? { at: progress.closedAt.toISOString(), reason: progress.closeNote ?? 'closed by the command room without action' }
        : null,
    rating: report.ratedAt ? { stars: report.ratingStars!, comment: report.ratingComment, at: report.ratedAt.toISOString() } : null,
  };
}

export async function operatorView(db: Queryable, secrets: SecretBox, report: ReportRow): Promise<ReportView> {
  return {
    id: report.id,
    code: report.code,
    incidentId: report.incidentId,
    category: report.category,
    description: report.description,
    lat: report.lat,
    lon: report.lon,
    districtId: report.districtId,
    submittedAt: report.submittedAt.toISOString(),
    receivedAt: report.receivedAt.toISOString(),
    contact: report.contactEncrypted ? secrets.decrypt(report.contactEncrypted) : null,
    contactDeletedAt: report.contactDeletedAt?.toISOString() ?? null,
    photoCount: report.photoCount,
    hasClip: report.hasClip,
    rejectedAt: report.rejectedAt?.toISOString() ?? null,
    rejectedBy: report.rejectedByName,
    rejectionReason: report.rejectionReason,
    rating: report.ratedAt ? { stars: report.ratingStars!, comment: report.ratingComment, at: report.ratedAt.toISOString() } : null,
    publicState: await publicState(db, report),
  };
}
