// Analytics workers take slots with leases, like camera-ingest workers take cameras: each worker
// heartbeats, renews the leases it holds, and claims free or expired rows (FOR UPDATE SKIP LOCKED, so
// workers never wait on each other) up to its fair share, ceil(slots / live workers). A worker that
// dies stops renewing; its rows expire and the others claim them within one lease time. A worker that
// joins makes the others' share smaller: they give back their newest rows.
import { hostname } from 'node:os';
import type { Database } from '@cityops/core/database/pool';
import { withTransaction } from '@cityops/core/database/pool';

export interface LeaseBalance {
  held: string[];
  claimed: string[];
  givenBack: string[];
  share: number;
  liveWorkers: number;
}

export class SlotLeaseRepository {
  constructor(
    private readonly db: Database,
    readonly workerId: string,
    private readonly leaseMs: number,
  ) {}

  async heartbeat(capacity: number, msPerFrame?: number): Promise<void> {
    await this.db.query(
      `INSERT INTO analysis_workers (worker_id, hostname, capacity, ms_per_frame, heartbeat_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (worker_id) DO UPDATE SET capacity = EXCLUDED.capacity, ms_per_frame = EXCLUDED.ms_per_frame, heartbeat_at = now()`,
      [this.workerId, hostname(), Math.max(0, Math.floor(capacity)), msPerFrame ?? null],
    );
  }

  /** Renews this worker's leases, then claims or gives back rows to reach its fair share. */
  async balance(): Promise<LeaseBalance> {
    return withTransaction(this.db, async (tx) => {
      // Rows are locked in camera order, as the leader locks them (applyPlan): no deadlock between the two.
      const renewed = await tx.query<{ camera_id: string; assigned_at: Date }>(
        `UPDATE analysis_slots SET lease_expires_at = now() + $2 * INTERVAL '1 millisecond'
          WHERE camera_id IN (SELECT camera_id FROM analysis_slots WHERE worker_id = $1 ORDER BY camera_id FOR UPDATE)
          RETURNING camera_id, assigned_at`,
        [this.workerId, this.leaseMs],
      );
      const counts = await tx.query<{ slots: number; workers: number }>(
        `SELECT (SELECT count(*)::int FROM analysis_slots) AS slots,
                (SELECT count(*)::int FROM analysis_workers WHERE heartbeat_at > now() - $1 * INTERVAL '1 millisecond') AS workers`,
        [this.leaseMs],
      );
      const { slots } = counts.rows[0];
      const liveWorkers = Math.max(1, counts.rows[0].workers);
      const share = Math.ceil(slots / liveWorkers);
      let held = renewed.rows.map((row) => row.camera_id);
      let claimed: string[] = [];
      let givenBack: string[] = [];
      if (held.length < share) {
        const result = await tx.query<{ camera_id: string }>(
          `UPDATE analysis_slots SET worker_id = $1, lease_expires_at = now() + $2 * INTERVAL '1 millisecond'
            WHERE camera_id IN (
              SELECT camera_id FROM analysis_slots
               WHERE worker_id IS NULL OR lease_expires_at IS NULL OR lease_expires_at < now()
               ORDER BY assigned_at, camera_id
               LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING camera_id`,
          [this.workerId, this.leaseMs, share - held.length],
        );
        claimed = result.rows.map((row) => row.camera_id);
        held = [...held, ...claimed];
        if (claimed.length) {
          // Progress of a claim starts from nothing: first_frame_at is this worker's first frame.
          await tx.query(
            `INSERT INTO analysis_progress AS p (camera_id, worker_id, claimed_at)
             SELECT id, $1, now() FROM unnest($2::text[]) AS u(id) ORDER BY id
             ON CONFLICT (camera_id) DO UPDATE SET worker_id = EXCLUDED.worker_id, claimed_at = EXCLUDED.claimed_at,
               first_frame_at = NULL, last_frame_at = NULL, frames_analysed = 0`,
            [this.workerId, claimed],
          );
        }
      } else if (held.length > share) {
        givenBack = renewed.rows
          .sort((a, b) => b.assigned_at.getTime() - a.assigned_at.getTime())
          .slice(0, held.length - share)
          .map((row) => row.camera_id);
        await tx.query(`UPDATE analysis_slots SET worker_id = NULL, lease_expires_at = NULL WHERE worker_id = $1 AND camera_id = ANY($2::text[])`, [
          this.workerId,
          givenBack,
        ]);
        held = held.filter((id) => !givenBack.includes(id));
      }
      return { held, claimed, givenBack, share, liveWorkers };
    });
  }

  /** Frames analysed since the last call, per camera; the first frame of a claim sets first_frame_at. */
  async recordFrames(progress: { cameraId: string; frames: number }[]): Promise<void> {
    if (progress.length === 0) return;
    const sorted = [...progress].sort((a, b) => (a.cameraId < b.cameraId ? -1 : a.cameraId > b.cameraId ? 1 : 0));
    // analysis_progress only: the leader never writes it, so this cannot block or deadlock a plan.
    await this.db.query(
      `UPDATE analysis_progress p SET first_frame_at = coalesce(p.first_frame_at, now()), last_frame_at = now(),
              last_analysed_at = now(), frames_analysed = p.frames_analysed + u.frames
         FROM unnest($2::text[], $3::int[]) AS u(camera_id, frames)
        WHERE p.camera_id = u.camera_id AND p.worker_id = $1`,
      [this.workerId, sorted.map((entry) => entry.cameraId), sorted.map((entry) => entry.frames)],
    );
  }

  /** On a clean stop: the rows go back at once instead of after the lease expiry. */
  async releaseAll(): Promise<void> {
    await this.db.query(`UPDATE analysis_slots SET worker_id = NULL, lease_expires_at = NULL WHERE worker_id = $1`, [this.workerId]);
    await this.db.query(`DELETE FROM analysis_workers WHERE worker_id = $1`, [this.workerId]);
  }
}
