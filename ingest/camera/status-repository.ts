// Camera health in PostgreSQL: written by the worker pulling the camera (on every state change, and
// its counters every few seconds), read by the api role. A status whose worker no longer holds the
// camera is reported as offline/unassigned, so a dead worker cannot leave a camera looking online.
import type { Queryable } from '@cityops/core/database/pool';
import type { CameraStatus } from './pipeline.ts';

export interface StoredCameraStatus extends Omit<CameraStatus, 'reason' | 'decode'> {
  reason: string | null;
  decode: CameraStatus['decode'] | null;
  bufferBytes: number;
  clipBytes: number;
  workerId: string | null;
  updatedAt: Date | null;
}

export interface DiskUse {
  bufferBytes: number;
  clipBytes: number;
}

/** Writes many cameras' status in one statement. */
export async function saveCameraStatuses(db: Queryable, workerId: string, statuses: Array<CameraStatus & DiskUse>): Promise<void> {
  if (!statuses.length) return;
  const rows = statuses.map((status) => ({
    camera_id: status.cameraId,
    state: status.state,
    reason: status.reason,
    message: status.message,
    fps: status.fps,
    target_fps: status.targetFps,
    frames_received: status.framesReceived,
    frames_delivered: status.framesDelivered,
    frames_dropped: status.framesDropped,
    restarts: status.restarts,
    last_frame_at: status.lastFrameAt?.toISOString() ?? null,
    codec: status.codec,
    width: status.width,
    height: status.height,
    picture: status.picture,
    live_view: status.liveView,
    buffer_bytes: status.bufferBytes,
    clip_bytes: status.clipBytes,
    since: status.since.toISOString(),
    decode: status.decode,
  }));
  await db.query(
    `INSERT INTO camera_status (camera_id, state, reason, message, fps, target_fps, frames_received, frames_delivered,
       frames_dropped, restarts, last_frame_at, codec, width, height, picture, live_view, buffer_bytes, clip_bytes,
       worker_id, since, decode, updated_at)
     SELECT r.camera_id, r.state, r.reason, r.message, r.fps, r.target_fps, r.frames_received, r.frames_delivered,
       r.frames_dropped, r.restarts, r.last_frame_at, r.codec, r.width, r.height,
       ARRAY(SELECT jsonb_array_elements_text(r.picture)), r.live_view, r.buffer_bytes, r.clip_bytes, $2, r.since, r.decode, now()
     FROM jsonb_to_recordset($1::jsonb) AS r(camera_id text, state text, reason text, message text, fps real, target_fps real,
       frames_received bigint, frames_delivered bigint, frames_dropped bigint, restarts integer, last_frame_at timestamptz,
       codec text, width integer, height integer, picture jsonb, live_view boolean, buffer_bytes bigint, clip_bytes bigint,
       since timestamptz, decode text)
     WHERE EXISTS (SELECT 1 FROM cameras c WHERE c.id = r.camera_id)
     ON CONFLICT (camera_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason, message = EXCLUDED.message,
       fps = EXCLUDED.fps, target_fps = EXCLUDED.target_fps, frames_received = EXCLUDED.frames_received,
       frames_delivered = EXCLUDED.frames_delivered, frames_dropped = EXCLUDED.frames_dropped, restarts = EXCLUDED.restarts,
       last_frame_at = EXCLUDED.last_frame_at, codec = EXCLUDED.codec, width = EXCLUDED.width, height = EXCLUDED.height,
       picture = EXCLUDED.picture, live_view = EXCLUDED.live_view, buffer_bytes = EXCLUDED.buffer_bytes,
       clip_bytes = EXCLUDED.clip_bytes, worker_id = EXCLUDED.worker_id, since = EXCLUDED.since, decode = EXCLUDED.decode,
       updated_at = now()`,
    [JSON.stringify(rows), workerId],
  );
}

const statusColumns = `c.id AS "cameraId",
  CASE WHEN held.camera_id IS NULL THEN 'offline' ELSE COALESCE(s.state, 'offline') END AS state,
  CASE WHEN held.camera_id IS NULL THEN (CASE WHEN c.enabled THEN 'unassigned' ELSE 'disabled' END) ELSE COALESCE(s.reason, CASE WHEN s.state IS NULL THEN 'connecting' END) END AS reason,
  CASE WHEN held.camera_id IS NULL THEN (CASE WHEN c.enabled THEN 'no camera-ingest worker holds this camera' ELSE 'the camera is disabled' END) ELSE s.message END AS message,
  COALESCE(s.fps, 0) AS fps, COALESCE(s.target_fps, c.detect_fps) AS "targetFps",
  COALESCE(s.frames_received, 0) AS "framesReceived", COALESCE(s.frames_delivered, 0) AS "framesDelivered",
  COALESCE(s.frames_dropped, 0) AS "framesDropped", COALESCE(s.restarts, 0) AS restarts, s.last_frame_at AS "lastFrameAt",
  s.codec, s.width, s.height, COALESCE(s.picture, '{}') AS picture, COALESCE(s.live_view AND held.camera_id IS NOT NULL, false) AS "liveView",
  COALESCE(s.buffer_bytes, 0) AS "bufferBytes", COALESCE(s.clip_bytes, 0) AS "clipBytes",
  held.worker_id AS "workerId", COALESCE(s.since, c.created_at) AS since, s.updated_at AS "updatedAt",
  CASE WHEN held.camera_id IS NULL THEN NULL ELSE s.decode END AS decode`;

const statusFrom = `FROM cameras c
  LEFT JOIN camera_status s ON s.camera_id = c.id
  LEFT JOIN LATERAL (
    SELECT l.camera_id, l.worker_id FROM camera_leases l JOIN camera_workers w ON w.worker_id = l.worker_id
    WHERE l.camera_id = c.id AND l.expires_at > now() AND w.expires_at > now()
  ) held ON true`;

export async function listCameraStatuses(db: Queryable): Promise<StoredCameraStatus[]> {
  return (await db.query(`SELECT ${statusColumns} ${statusFrom} ORDER BY c.id`)).rows;
}

export async function getCameraStatus(db: Queryable, cameraId: string): Promise<StoredCameraStatus | undefined> {
  return (await db.query(`SELECT ${statusColumns} ${statusFrom} WHERE c.id = $1`, [cameraId])).rows[0];
}
