// What the owner page shows of the audit log: every look at the owner's cameras since their consent
// was given (live view opened on a camera-ingest worker, a snapshot, an evidence clip watched or exported
// for the police: dashboard/server/alerts/evidence-routes.ts), with the
// username of who looked. Accountability is the point: an owner who shares with the city may see which
// operator watched, as the city's own audit log does.
import type { Queryable } from '@cityops/core/database/pool';

export type ViewKind = 'live' | 'snapshot' | 'clip';

export interface CameraView {
  at: Date;
  cameraId: string;
  cameraName: string;
  kind: ViewKind;
  viewer: string;
}

/** The newest `limit` views of these cameras (each counted from its consent's given_at). */
export async function viewsOfCameras(db: Queryable, cameraIds: string[], limit = 100): Promise<CameraView[]> {
  const result = await db.query<CameraView>(
    `SELECT v.at, v.camera_id AS "cameraId", c.name AS "cameraName", v.kind, v.viewer FROM (
       SELECT a.at, a.entity_id AS camera_id, CASE a.action WHEN 'live_view_started' THEN 'live' ELSE 'snapshot' END AS kind, a.username AS viewer
         FROM audit_log a
        WHERE a.entity_type = 'camera' AND a.entity_id = ANY($1::text[]) AND a.action IN ('live_view_started', 'snapshot_viewed')
       UNION ALL
       SELECT a.at, al.source_id, 'clip', a.username
         FROM audit_log a JOIN alerts al ON a.entity_id = al.id::text AND al.source_type = 'camera'
        WHERE a.entity_type = 'alert' AND a.action IN ('clip_viewed', 'evidence.view', 'evidence.export') AND al.source_id = ANY($1::text[])
     ) v
     JOIN cameras c ON c.id = v.camera_id
     JOIN camera_consents cc ON cc.camera_id = v.camera_id AND v.at >= cc.given_at
     ORDER BY v.at DESC LIMIT $2`,
    [cameraIds, limit],
  );
  return result.rows;
}

/**
 * A camera's health for its owner: the state camera-ingest stored, or offline when no live worker
 * holds the camera (as ingest/camera/status-repository.ts reports it), and its last picture.
 */
export async function cameraHealth(db: Queryable, cameraId: string): Promise<{ state: 'online' | 'degraded' | 'offline'; lastFrameAt: Date | null }> {
  const result = await db.query(
    `SELECT CASE WHEN EXISTS (SELECT 1 FROM camera_leases l JOIN camera_workers w ON w.worker_id = l.worker_id
                              WHERE l.camera_id = c.id AND l.expires_at > now() AND w.expires_at > now())
                 THEN coalesce(s.state, 'offline') ELSE 'offline' END AS state,
            s.last_frame_at AS "lastFrameAt"
       FROM cameras c LEFT JOIN camera_status s ON s.camera_id = c.id WHERE c.id = $1`,
    [cameraId],
  );
  return result.rows[0] ?? { state: 'offline', lastFrameAt: null };
}
