// Evidence clips in alert_clips: the api role reads them; the clip service of camera-ingest claims, saves,
// fails and expires them.
import type { Queryable } from '@cityops/core/database/pool';

export type ClipState = 'pending' | 'saved' | 'failed' | 'deleted';

export interface ClipView {
  alertId: number;
  state: ClipState;
  triggerAt: Date;
  clipStartAt: Date | null;
  durationSeconds: number | null;
  bytes: number | null;
  error: string | null;
  deleteAfter: Date | null;
}

/** The newest 200 clips of a camera, newest first. */
export async function listClips(db: Queryable, cameraId: string): Promise<ClipView[]> {
  const result = await db.query<ClipView>(
    `SELECT alert_id AS "alertId", state, trigger_at AS "triggerAt", clip_start_at AS "clipStartAt",
            duration_seconds AS "durationSeconds", bytes, error, delete_after AS "deleteAfter"
     FROM alert_clips WHERE camera_id = $1 ORDER BY trigger_at DESC LIMIT 200`,
    [cameraId],
  );
  return result.rows;
}

/** Where the clip of one alert of a camera is, and whether it is there yet. */
export async function findClipFile(db: Queryable, cameraId: string, alertId: number): Promise<{ state: ClipState; filePath: string | null; bytes: number | null } | undefined> {
  const result = await db.query(`SELECT state, file_path, bytes FROM alert_clips WHERE camera_id = $1 AND alert_id = $2`, [cameraId, alertId]);
  const row = result.rows[0];
  return row && { state: row.state, filePath: row.file_path, bytes: row.bytes };
}

export interface AlertClip extends ClipView {
  cameraId: string;
  /** The camera's names (local and English), for screens; the id when the camera was deleted. */
  cameraName: string;
  cameraNameEn: string | null;
  filePath: string | null;
}

/** The evidence clips of an alert (today one at most: the clip of a camera alert, keyed by the alert). */
export async function listClipsOfAlert(db: Queryable, alertId: number): Promise<AlertClip[]> {
  const result = await db.query<AlertClip>(
    `SELECT c.alert_id AS "alertId", c.camera_id AS "cameraId", COALESCE(cam.name, c.camera_id) AS "cameraName", cam.name_en AS "cameraNameEn",
            c.state, c.trigger_at AS "triggerAt", c.clip_start_at AS "clipStartAt", c.duration_seconds AS "durationSeconds", c.bytes, c.error,
            c.delete_after AS "deleteAfter", c.file_path AS "filePath"
     FROM alert_clips c LEFT JOIN cameras cam ON cam.id = c.camera_id WHERE c.alert_id = $1 ORDER BY c.trigger_at`,
    [alertId],
  );
  return result.rows;
}

export interface PendingClip {
  alertId: number;
  cameraId: string;
  triggerAt: Date;
}

/**
 * Claims the oldest due pending clip of the given cameras for this worker; a claim older than two minutes
 * is taken over (its worker died). SKIP LOCKED: two workers never take the same clip.
 */
export async function claimDueClip(db: Queryable, workerId: string, cameras: string[], waitSeconds: number): Promise<PendingClip | undefined> {
  const result = await db.query(
    `UPDATE alert_clips SET worker_id = $1 WHERE alert_id = (
       SELECT alert_id FROM alert_clips
       WHERE state = 'pending' AND camera_id = ANY($2) AND trigger_at + make_interval(secs => $3) <= now()
         AND (worker_id IS NULL OR worker_id = $1 OR created_at < now() - interval '2 minutes')
       ORDER BY trigger_at LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING alert_id AS "alertId", camera_id AS "cameraId", trigger_at AS "triggerAt"`,
    [workerId, cameras, waitSeconds],
  );
  return result.rows[0];
}

export interface SavedClip {
  filePath: string;
  bytes: number;
  clipStart: Date;
  durationSeconds: number;
  retentionSeconds: number;
}

export async function markClipSaved(db: Queryable, alertId: number, clip: SavedClip): Promise<void> {
  await db.query(
    `UPDATE alert_clips SET state = 'saved', file_path = $2, bytes = $3, clip_start_at = $4, duration_seconds = $5,
       saved_at = now(), delete_after = now() + make_interval(secs => $6), error = NULL
     WHERE alert_id = $1`,
    [alertId, clip.filePath, clip.bytes, clip.clipStart, clip.durationSeconds, clip.retentionSeconds],
  );
}

export async function markClipFailed(db: Queryable, alertId: number, error: string): Promise<void> {
  await db.query(`UPDATE alert_clips SET state = 'failed', error = $2 WHERE alert_id = $1`, [alertId, error]);
}

/** Marks up to 500 saved clips past their retention deleted; returns their files, for the caller to remove. */
export async function expireSavedClips(db: Queryable): Promise<string[]> {
  const expired = await db.query<{ file_path: string }>(
    `UPDATE alert_clips SET state = 'deleted' WHERE alert_id IN (
       SELECT alert_id FROM alert_clips WHERE state = 'saved' AND delete_after < now() LIMIT 500 FOR UPDATE SKIP LOCKED)
     RETURNING file_path`,
  );
  return expired.rows.map((row) => row.file_path);
}

/** Bytes of saved clips per camera, for the given cameras (cameras without clips are absent). */
export async function savedClipBytes(db: Queryable, cameras: string[]): Promise<Map<string, number>> {
  const result = await db.query(
    `SELECT camera_id, sum(bytes)::bigint AS bytes FROM alert_clips WHERE state = 'saved' AND camera_id = ANY($1) GROUP BY camera_id`,
    [cameras],
  );
  return new Map(result.rows.map((row) => [row.camera_id as string, Number(row.bytes)]));
}
