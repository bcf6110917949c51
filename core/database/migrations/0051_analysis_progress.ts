// Analysis progress gets its own table: analytics workers write it every few seconds, the slot leader
// writes analysis_slots and analysis_camera_state; with both on the same rows, their transactions
// locked rows in different orders and deadlocked under load (seen in the slots bench).
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    -- Written only by the worker that leases the camera's slot (worker_id), never by the leader.
    CREATE TABLE analysis_progress (
      camera_id text PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
      worker_id text,
      claimed_at timestamptz,
      -- first analysed frame since this worker claimed the slot
      first_frame_at timestamptz,
      last_frame_at timestamptz,
      frames_analysed bigint NOT NULL DEFAULT 0,
      -- last analysed frame ever (kept across claims)
      last_analysed_at timestamptz
    );
    ALTER TABLE analysis_slots DROP COLUMN first_frame_at, DROP COLUMN last_frame_at, DROP COLUMN frames_analysed;
    ALTER TABLE analysis_camera_state DROP COLUMN last_analysed_at;
  `);
}
