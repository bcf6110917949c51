// The slot scheduler's inputs in PostgreSQL: per enabled camera its liveness, motion, pin, time-of-day
// windows and last slot; alerts on cameras; sensors in alarm. signals.ts turns the rows into CameraSignals.
import type { Queryable } from '@cityops/core/database/pool';

export interface CameraRow {
  id: string;
  lat: number | null;
  lon: number | null;
  motion_score: number | null;
  online: boolean;
  pinned_at_ms: number | null;
  pinned_by: string | null;
  windows: unknown;
  last_served_ms: number | null;
}

/**
 * Every enabled camera. Online: camera-ingest reported a frame within `streamStaleMs` of `now`
 * (camera_activity) and its health state (camera_status) is not offline.
 */
export async function readCameraRows(db: Queryable, now: Date, streamStaleMs: number): Promise<CameraRow[]> {
  const result = await db.query<CameraRow>(
    `SELECT c.id, c.lat, c.lon, a.motion_score,
            coalesce(a.stream_online AND a.last_frame_at > $1::timestamptz - $2 * INTERVAL '1 millisecond', false)
              AND coalesce(cs.state <> 'offline', true) AS online,
            (extract(epoch FROM p.pinned_at) * 1000)::float8 AS pinned_at_ms, p.pinned_by,
            pr.windows,
            (extract(epoch FROM s.last_served_at) * 1000)::float8 AS last_served_ms
       FROM cameras c
       LEFT JOIN camera_activity a ON a.camera_id = c.id
       LEFT JOIN camera_status cs ON cs.camera_id = c.id
       LEFT JOIN analysis_pins p ON p.camera_id = c.id
       LEFT JOIN analysis_priorities pr ON pr.camera_id = c.id
       LEFT JOIN analysis_camera_state s ON s.camera_id = c.id
      WHERE c.enabled`,
    [now, streamStaleMs],
  );
  return result.rows;
}

export interface CameraEventRow {
  source_id: string;
  id: number;
  kind: string;
  at_ms: number;
  open: boolean;
}

/** Per camera, its newest alert that is open or was seen within `recentEventMs`, leaving out `skipKinds`. */
export async function readCameraEvents(db: Queryable, now: Date, recentEventMs: number, skipKinds: readonly string[]): Promise<CameraEventRow[]> {
  const result = await db.query<CameraEventRow>(
    `SELECT DISTINCT ON (source_id) source_id, id, kind, (extract(epoch FROM last_seen_at) * 1000)::float8 AS at_ms,
            (state IN ('new', 'acknowledged', 'assigned') AND auto_cleared_at IS NULL) AS open
       FROM alerts
      WHERE source_type = 'camera' AND kind <> ALL($3::text[])
        AND ((state IN ('new', 'acknowledged', 'assigned') AND auto_cleared_at IS NULL)
             OR last_seen_at > $1::timestamptz - $2 * INTERVAL '1 millisecond')
      ORDER BY source_id, last_seen_at DESC`,
    [now, recentEventMs, skipKinds],
  );
  return result.rows;
}

export interface SensorAlarmRow {
  id: string;
  lat: number;
  lon: number;
  level: number;
}

/** Enabled, placed, online sensors whose live alarm level is at least `minLevel`. */
export async function readSensorsInAlarm(db: Queryable, minLevel: number): Promise<SensorAlarmRow[]> {
  // sensor_state (sensor ingest) holds each sensor's live alarm level; an offline sensor's level is stale.
  const result = await db.query<SensorAlarmRow>(
    `SELECT se.id, se.lat, se.lon, st.level
       FROM sensor_state st JOIN sensors se ON se.id = st.sensor_id
      WHERE st.level >= $1 AND NOT st.offline AND se.enabled AND se.lat IS NOT NULL AND se.lon IS NOT NULL`,
    [minLevel],
  );
  return result.rows;
}
