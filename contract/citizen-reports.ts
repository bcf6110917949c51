// Residents' reports: a problem in the street with a category, a place, photos and a clip, sent from the
// public page /report without an account. The report joins or opens an incident (like a hotline call) and
// the resident follows it by a short code. What the resident may see (PublicReportView) and what an
// operator sees (ReportView, with the contact details) are two types, so the server cannot hand one out
// for the other by accident.
import type { IncidentKind } from './incidents.ts';

export const REPORT_CATEGORIES = [
  'flooding',
  'traffic_accident',
  'traffic_jam',
  'fallen_tree',
  'broken_streetlight',
  'sidewalk_encroachment',
  'illegal_parking',
  'garbage',
  'fire_smoke',
  'other',
] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

/** The incident a report of each category opens (a traffic jam is handled like a stalled vehicle: the congestion rule's kind). */
export const REPORT_INCIDENT_KIND: Record<ReportCategory, IncidentKind> = {
  flooding: 'flooding',
  traffic_accident: 'traffic_accident',
  traffic_jam: 'stalled_vehicle',
  fallen_tree: 'infrastructure_fault',
  broken_streetlight: 'infrastructure_fault',
  sidewalk_encroachment: 'public_order',
  illegal_parking: 'public_order',
  garbage: 'other',
  fire_smoke: 'fire',
  other: 'other',
};

/**
 * What the resident is told: received (waiting for the command room), in progress (a team or an agency is
 * on it), resolved (with the team's note and proof photo), not accepted (an operator rejected it, with why).
 */
export const PUBLIC_REPORT_STATES = ['received', 'in_progress', 'resolved', 'not_accepted'] as const;
export type PublicReportState = (typeof PUBLIC_REPORT_STATES)[number];

export const REPORT_LIMITS = {
  maxPhotos: 3,
  /** Per photo as sent (the page shrinks to ~300 kB first; a camera original is 3-10 MB). */
  maxPhotoBytes: 12 * 1024 * 1024,
  maxClipBytes: 40 * 1024 * 1024,
  maxClipSeconds: 30,
  descriptionMaxChars: 1000,
  contactMaxChars: 120,
  commentMaxChars: 1000,
} as const;

/**
 * POST /api/public/reports, multipart/form-data. Fields: category, lat, lon, description, contact
 * (optional phone number or e-mail), deviceId (optional: a random id the page keeps, for the per-device
 * limit), takenAt (optional ISO time the resident pressed send, for reports that waited offline);
 * files: photo (0-3), clip (0-1, at most 30 s). Header Idempotency-Key: a resend of the same report
 * answers the first one's code. Answer 201 (or 200 on a resend):
 */
export interface ReportReceipt {
  code: string;
  /** Path of the tracking page, /report/{code}. */
  trackingPath: string;
  state: PublicReportState;
}

/** GET /api/public/reports/{code}: only what the resident may see (no contact, no operator names). */
export interface PublicReportView {
  code: string;
  category: ReportCategory;
  description: string;
  lat: number;
  lon: number;
  districtName: string | null;
  submittedAt: string;
  state: PublicReportState;
  /** The agency (or, for the city's own teams, the team) handling it, once one is. */
  handledBy: string | null;
  /** How many residents reported the same situation (this one included). */
  reportedBy: number;
  /** Paths of the resident's own photos and clip (re-encoded, without EXIF). */
  photoPaths: string[];
  clipPath: string | null;
  resolution: { at: string; note: string | null; photoPath: string | null } | null;
  rejection: { at: string; reason: string } | null;
  rating: { stars: number; comment: string | null; at: string } | null;
}

/** POST /api/public/reports/{code}/rating, once the report is resolved; once. */
export interface ReportRatingInput {
  stars: 1 | 2 | 3 | 4 | 5;
  comment?: string;
}

/** What operators see: the report with its contact details (until REPORT_CONTACT_DAYS after resolution). */
export interface ReportView {
  id: number;
  code: string;
  incidentId: number;
  category: ReportCategory;
  description: string;
  lat: number;
  lon: number;
  districtId: string | null;
  submittedAt: string;
  receivedAt: string;
  /** null when none was given or once deleted after resolution. */
  contact: string | null;
  contactDeletedAt: string | null;
  photoCount: number;
  hasClip: boolean;
  rejectedAt: string | null;
  rejectedBy: string | null;
  rejectionReason: string | null;
  rating: { stars: number; comment: string | null; at: string } | null;
  publicState: PublicReportState;
}

/** POST /api/reports/{id}/reject. */
export interface ReportRejectInput {
  reason: string;
}

/** GET /api/reports/figures?from&to&by=category|district|agency (and .csv): how residents' reports were handled. */
export interface ReportFigureRow {
  /** The category, district id or agency name; '' for none (no district, no agency). */
  group: string;
  reports: number;
  rejected: number;
  resolved: number;
  /** Median minutes from receipt to the first team acknowledging, and to resolution. */
  medianToAcknowledgeMinutes: number | null;
  medianToResolveMinutes: number | null;
  ratings: number;
  averageStars: number | null;
}

export interface ReportFigures {
  from: string;
  to: string;
  by: 'category' | 'district' | 'agency';
  rows: ReportFigureRow[];
}
