// Evidence clips as the api role reads them (alert_clips; the clip service of camera-ingest writes them).
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
