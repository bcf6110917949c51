// Residents' reports put straight into citizen_reports (with the incident each one needs), for the open
// data tests: they read reports, whatever API files them.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../../core/database/pool.ts';

export interface ReportRow {
  category: string;
  lat: number;
  lon: number;
  districtId?: string | null;
  description?: string;
  contact?: string;
  deviceHash?: string;
  receivedAt?: Date;
  incidentState?: 'open' | 'dispatched' | 'on_scene' | 'resolved' | 'closed';
  rejectedReason?: string;
  rating?: { stars: number; comment: string };
}

const codePart = () => Array.from(randomBytes(4), (byte) => '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ'[byte % 34]).join('');

/** One report, and its own incident in the given state. Returns the report's id, code and incident. */
export async function addReport(db: Queryable, report: ReportRow): Promise<{ id: number; code: string; incidentId: number }> {
  const state = report.incidentState ?? 'open';
  const incident = await db.query(
    `INSERT INTO incidents (kind, severity, state, title, lat, lon, district_id, resolved_at, closed_at)
     VALUES ('other', 'minor', $1, 'Phản ánh', $2, $3, $4, CASE WHEN $1 IN ('resolved', 'closed') THEN now() END, CASE WHEN $1 = 'closed' THEN now() END) RETURNING id`,
    [state, report.lat, report.lon, report.districtId ?? null],
  );
  const incidentId = Number(incident.rows[0].id);
  const code = `${codePart()}-${codePart()}`;
  const receivedAt = report.receivedAt ?? new Date();
  const inserted = await db.query(
    `INSERT INTO citizen_reports (code, submission_key, incident_id, category, description, lat, lon, district_id, submitted_at, received_at,
                                  contact_encrypted, device_hash, rejected_at, rejection_reason, rating_stars, rating_comment, rated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, CASE WHEN $12::text IS NOT NULL THEN now() END, $12, $13, $14, CASE WHEN $13::smallint IS NOT NULL THEN now() END)
     RETURNING id`,
    [
      code,
      randomBytes(12).toString('hex'),
      incidentId,
      report.category,
      report.description ?? '',
      report.lat,
      report.lon,
      report.districtId ?? null,
      receivedAt,
      report.contact ?? null,
      report.deviceHash ?? null,
      report.rejectedReason ?? null,
      report.rating?.stars ?? null,
      report.rating?.comment ?? null,
    ],
  );
  return { id: Number(inserted.rows[0].id), code, incidentId };
}
