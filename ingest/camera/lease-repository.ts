// Which camera-ingest worker pulls which camera, in PostgreSQL. A camera's lease row is free when it
// has expired; workers take free rows with FOR UPDATE SKIP LOCKED (two workers never wait on, or take,
// the same camera), renew theirs on each heartbeat, and give back what exceeds their fair share.
import type { Queryable } from '@cityops/core/database/pool';

export interface WorkerRegistration {
  workerId: string;
  host: string;
  pid: number;
  liveUrl: string | null;
  leaseSeconds: number;
}

export async function heartbeatWorker(db: Queryable, worker: WorkerRegistration): Promise<void> {
  await db.query(
    `INSERT INTO camera_workers (worker_id, host, pid, live_url, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
     ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = now(), live_url = EXCLUDED.live_url, expires_at = EXCLUDED.expires_at`,
    [worker.workerId, worker.host, worker.pid, worker.liveUrl, worker.leaseSeconds],
  );
}

/** A stopping worker gives its cameras back at once instead of letting the leases run out. */
export async function retireWorker(db: Queryable, workerId: string): Promise<void> {
  await db.query(`UPDATE camera_leases SET worker_id = NULL, expires_at = '-infinity' WHERE worker_id = $1`, [workerId]);
  await db.query('DELETE FROM camera_workers WHERE worker_id = $1', [workerId]);
}

/** Live workers and enabled cameras, for the fair share; also creates lease rows for new cameras. */
export async function fleetSize(db: Queryable): Promise<{ workers: number; cameras: number }> {
  await db.query(
    `INSERT INTO camera_leases (camera_id) SELECT id FROM cameras c
     WHERE NOT EXISTS (SELECT 1 FROM camera_leases l WHERE l.camera_id = c.id) ON CONFLICT DO NOTHING`,
  );
  const result = await db.query(
    `SELECT (SELECT count(*) FROM camera_workers WHERE expires_at > now()) AS workers,
            (SELECT count(*) FROM cameras WHERE enabled) AS cameras`,
  );
  return { workers: Number(result.rows[0].workers), cameras: Number(result.rows[0].cameras) };
}

/**
 * Extends this worker's leases on enabled cameras; returns the cameras it still holds. A camera missing
 * from the answer was taken over (this worker was silent past its lease) or disabled: stop pulling it.
 */
export async function renewLeases(db: Queryable, workerId: string, leaseSeconds: number): Promise<string[]> {
  const result = await db.query(
    `UPDATE camera_leases l SET expires_at = now() + make_interval(secs => $2)
     FROM cameras c WHERE c.id = l.camera_id AND c.enabled AND l.worker_id = $1
     RETURNING l.camera_id`,
    [workerId, leaseSeconds],
  );
  return result.rows.map((row) => row.camera_id as string).sort();
}

/** Takes up to `count` free cameras (expired or never leased). */
export async function acquireLeases(db: Queryable, workerId: string, count: number, leaseSeconds: number): Promise<string[]> {
  if (count <= 0) return [];
  const result = await db.query(
    `WITH free AS (
       SELECT l.camera_id FROM camera_leases l JOIN cameras c ON c.id = l.camera_id
       WHERE c.enabled AND l.expires_at < now()
       ORDER BY l.camera_id
       FOR UPDATE OF l SKIP LOCKED
       LIMIT $2
     )
     UPDATE camera_leases l SET worker_id = $1, acquired_at = now(), expires_at = now() + make_interval(secs => $3)
     FROM free WHERE l.camera_id = free.camera_id
     RETURNING l.camera_id`,
    [workerId, count, leaseSeconds],
  );
  return result.rows.map((row) => row.camera_id as string).sort();
}

export async function releaseLeases(db: Queryable, workerId: string, cameraIds: string[]): Promise<void> {
  if (!cameraIds.length) return;
  await db.query(
    `UPDATE camera_leases SET worker_id = NULL, expires_at = '-infinity' WHERE worker_id = $1 AND camera_id = ANY($2)`,
    [workerId, cameraIds],
  );
}

export interface CameraHolder {
  workerId: string;
  liveUrl: string | null;
}

/** The live worker holding a camera (for live view, snapshots), if any. */
export async function cameraHolder(db: Queryable, cameraId: string): Promise<CameraHolder | undefined> {
  const result = await db.query(
    `SELECT w.worker_id AS "workerId", w.live_url AS "liveUrl" FROM camera_leases l
     JOIN camera_workers w ON w.worker_id = l.worker_id
     WHERE l.camera_id = $1 AND l.expires_at > now() AND w.expires_at > now()`,
    [cameraId],
  );
  return result.rows[0];
}

/** Forgets workers gone for an hour (their leases expired long ago). */
export async function pruneWorkers(db: Queryable): Promise<void> {
  await db.query(`DELETE FROM camera_workers WHERE expires_at < now() - interval '1 hour'`);
}

/** Ids of the workers whose registration has not expired. */
export async function liveWorkerIds(db: Queryable): Promise<Set<string>> {
  const live = await db.query('SELECT worker_id FROM camera_workers WHERE expires_at > now()');
  return new Set(live.rows.map((row) => row.worker_id as string));
}
