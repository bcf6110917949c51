// Photos on an incident, and the proof-of-fix rule: a kind whose dispatch policy requires a photo is
// resolved only with a photo taken since the team was sent (or since the incident opened, without one).
import type { Actor } from '@cityops/core/audit';
import type { Queryable } from '@cityops/core/database/pool';
import { AppError, notFound } from '@cityops/core/errors';
import type { IncidentView } from '@cityops/contract/incidents';
import type { CheckedPhoto } from '../photo-upload.ts';
import { policyFor } from './dispatch-policies.ts';

export interface IncidentPhotoView {
  id: number;
  at: string;
  username: string;
  contentType: string;
  width: number;
  height: number;
}

export async function addIncidentPhoto(tx: Queryable, incidentId: number, photo: CheckedPhoto, actor: Actor): Promise<number> {
  const inserted = await tx.query(
    `INSERT INTO incident_photos (incident_id, content_type, width, height, bytes, user_id, username) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [incidentId, photo.contentType, photo.width, photo.height, photo.bytes, actor.userId ?? null, actor.username],
  );
  return Number(inserted.rows[0].id);
}

export async function photosOf(db: Queryable, incidentId: number): Promise<IncidentPhotoView[]> {
  const result = await db.query(`SELECT id, at, username, content_type, width, height FROM incident_photos WHERE incident_id = $1 ORDER BY id`, [incidentId]);
  return result.rows.map((row) => ({ id: Number(row.id), at: row.at.toISOString(), username: row.username, contentType: row.content_type, width: row.width, height: row.height }));
}

export async function incidentPhoto(db: Queryable, incidentId: number, photoId: number): Promise<{ bytes: Buffer; contentType: string }> {
  const result = await db.query(`SELECT bytes, content_type FROM incident_photos WHERE incident_id = $1 AND id = $2`, [incidentId, photoId]);
  if (!result.rowCount) throw notFound('photo', photoId, `photo ${photoId} of incident ${incidentId} not found`);
  return { bytes: result.rows[0].bytes, contentType: result.rows[0].content_type };
}

/** Refuses to resolve a kind that needs proof when no photo was taken since the team was sent. */
export async function assertProofOfFix(tx: Queryable, incident: IncidentView): Promise<void> {
  const policy = await policyFor(tx, incident.kind, incident.severity);
  if (!policy.requiresPhoto) return;
  const proof = await tx.query(
    `SELECT 1 FROM incident_photos p WHERE p.incident_id = $1
       AND p.at >= COALESCE((SELECT max(assigned_at) FROM incident_assignments WHERE incident_id = $1), (SELECT opened_at FROM incidents WHERE id = $1))
     LIMIT 1`,
    [incident.id],
  );
  if (!proof.rowCount) {
    throw new AppError('invalid_transition', `a ${incident.kind.replace('_', ' ')} incident is resolved with a photo of the fix: attach one`, 'photo');
  }
}
