// The cheap tier's rows (camera_activity): motion and stream liveness per camera, written by
// camera-ingest, read by the slot scheduler. Times are stored in the database clock (ages are sent,
// not the ingest machine's timestamps), so clock skew between machines cannot make a stream look dead.
import { notify } from '@cityops/core/database/notification-bus';
import type { Queryable } from '@cityops/core/database/pool';
import { slotsWake } from './notifications.ts';

export interface ActivityReport {
  cameraId: string;
  motionScore: number;
  motionPeak: number;
  frames: number;
  /** How long ago (at report time) the last frame arrived, ms. */
  lastFrameAgeMs: number;
}

/** Upserts one row per camera in one statement; reports for unknown (deleted) cameras are skipped. */
export async function recordActivity(db: Queryable, reports: ActivityReport[], reporter: string): Promise<number> {
  if (reports.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO camera_activity AS a (camera_id, motion_score, motion_peak, frames, stream_online, last_frame_at, reported_at, reported_by)
     SELECT r.camera_id, r.score, r.peak, r.frames, true, now() - r.age_ms * INTERVAL '1 millisecond', now(), $6
       FROM unnest($1::text[], $2::real[], $3::real[], $4::int[], $5::float8[]) AS r(camera_id, score, peak, frames, age_ms)
       JOIN cameras c ON c.id = r.camera_id
     ON CONFLICT (camera_id) DO UPDATE SET
       motion_score = EXCLUDED.motion_score, motion_peak = EXCLUDED.motion_peak, frames = EXCLUDED.frames,
       stream_online = true, last_frame_at = EXCLUDED.last_frame_at, reported_at = EXCLUDED.reported_at,
       reported_by = EXCLUDED.reported_by`,
    [
      reports.map((r) => r.cameraId),
      reports.map((r) => r.motionScore),
      reports.map((r) => r.motionPeak),
      reports.map((r) => r.frames),
      reports.map((r) => Math.max(0, r.lastFrameAgeMs)),
      reporter,
    ],
  );
  return result.rowCount ?? 0;
}

/** The stream of this camera died: it stops counting as watchable now, and the scheduler is woken. */
export async function markStreamDown(db: Queryable, cameraId: string, reporter: string): Promise<void> {
  await db.query(
    `INSERT INTO camera_activity AS a (camera_id, stream_online, reported_at, reported_by)
     SELECT id, false, now(), $2 FROM cameras WHERE id = $1
     ON CONFLICT (camera_id) DO UPDATE SET stream_online = false, reported_at = now(), reported_by = EXCLUDED.reported_by`,
    [cameraId, reporter],
  );
  await notify(db, slotsWake, `stream_down:${cameraId}`);
}
