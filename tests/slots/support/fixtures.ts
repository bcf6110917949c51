// Plain-SQL fixtures for analysis slot tests: many cameras at once, their cheap-tier rows, sensors in
// alarm, pins. (Registering through the device API would be slower and is tested elsewhere.)
import type { Queryable } from '../../../core/database/pool.ts';

export interface CameraSpot {
  id: string;
  lat: number;
  lon: number;
  analysis?: unknown;
  detectFps?: number;
}

/** Cameras on a grid around Hồ Chí Minh City, about 2.2 km apart (farther than the sensor radius), ids `<prefix>-0000`... */
export function cameraGrid(prefix: string, count: number): CameraSpot[] {
  const side = Math.ceil(Math.sqrt(count));
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${String(i).padStart(4, '0')}`,
    lat: 10.70 + Math.floor(i / side) * 0.02,
    lon: 106.60 + (i % side) * 0.02,
  }));
}

export async function insertCameras(db: Queryable, cameras: CameraSpot[]): Promise<void> {
  await db.query(
    `INSERT INTO cameras (id, name, rtsp_url, lat, lon, detect_fps, analysis)
     SELECT id, 'Camera ' || id, 'rtsp://127.0.0.1:1/' || id, lat, lon, fps, analysis
       FROM unnest($1::text[], $2::float8[], $3::float8[], $4::float8[], $5::jsonb[]) AS c(id, lat, lon, fps, analysis)`,
    [
      cameras.map((c) => c.id),
      cameras.map((c) => c.lat),
      cameras.map((c) => c.lon),
      cameras.map((c) => c.detectFps ?? 2),
      cameras.map((c) => JSON.stringify(c.analysis ?? { zones: [], lines: [] })),
    ],
  );
}

/**
 * Cheap-tier rows as camera-ingest would write them. `lastFrameAt: 'infinity'` keeps a stream fresh
 * for a run on a simulated clock.
 */
export async function setActivity(
  db: Queryable,
  cameraIds: string[],
  motionScore: number | ((id: string) => number),
  options: { online?: boolean; lastFrameAt?: 'now' | 'infinity' } = {},
): Promise<void> {
  const scores = cameraIds.map((id) => (typeof motionScore === 'number' ? motionScore : motionScore(id)));
  const lastFrameAt = options.lastFrameAt === 'infinity' ? `'infinity'::timestamptz` : 'now()';
  await db.query(
    `INSERT INTO camera_activity (camera_id, motion_score, motion_peak, frames, stream_online, last_frame_at, reported_by)
     SELECT id, score, score, 10, $3, ${lastFrameAt}, 'test' FROM unnest($1::text[], $2::real[]) AS a(id, score)
     ON CONFLICT (camera_id) DO UPDATE SET motion_score = EXCLUDED.motion_score, stream_online = EXCLUDED.stream_online,
       last_frame_at = EXCLUDED.last_frame_at`,
    [cameraIds, scores, options.online ?? true],
  );
}

/** A sensor at a place with its live level, as sensor ingest keeps it in sensor_state. */
export async function setSensorLevel(db: Queryable, id: string, at: { lat: number; lon: number }, level: number): Promise<void> {
  await db.query(
    `INSERT INTO sensors (id, name, kind, unit, lat, lon, level1, level2, level3) VALUES ($1, $1, 'tide_level', 'm', $2, $3, 1.5, 1.6, 1.7)
     ON CONFLICT (id) DO NOTHING`,
    [id, at.lat, at.lon],
  );
  await db.query(
    `INSERT INTO sensor_state (sensor_id, last_value, last_seen_at, status, level)
     VALUES ($1, 1.6 + $2::int * 0.01, now(), CASE WHEN $2::int = 0 THEN 'ok' ELSE 'level' || $2::int END, $2::int)
     ON CONFLICT (sensor_id) DO UPDATE SET level = EXCLUDED.level, status = EXCLUDED.status, last_seen_at = now()`,
    [id, level],
  );
}

export async function pin(db: Queryable, cameraId: string, at: Date): Promise<void> {
  await db.query(`INSERT INTO analysis_pins (camera_id, pinned_at, pinned_by) VALUES ($1, $2, 'test') ON CONFLICT (camera_id) DO UPDATE SET pinned_at = $2`, [
    cameraId,
    at,
  ]);
}

export async function slotTable(db: Queryable): Promise<Map<string, { reason: string; workerId: string | null }>> {
  const result = await db.query<{ camera_id: string; reason: string; worker_id: string | null }>('SELECT camera_id, reason, worker_id FROM analysis_slots');
  return new Map(result.rows.map((row) => [row.camera_id, { reason: row.reason, workerId: row.worker_id }]));
}

export { waitFor } from '../../support/wait.ts';
