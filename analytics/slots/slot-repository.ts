// The slot table and what surrounds it in PostgreSQL: current holders, writing a plan, the leader's
// last decision, live workers' capacity. The SQL of analysis slots lives here and in slot-leases.ts.
import { notify } from '@cityops/core/database/notification-bus';
import type { Queryable } from '@cityops/core/database/pool';
import { slotsChanged } from './notifications.ts';
import type { SchedulerNotice, SlotAssignment, SlotHolder, SlotPlan, SlotReason } from './scheduler.ts';
import type { TimeOfDayWindow } from './time-of-day.ts';

export async function readHolders(db: Queryable): Promise<SlotHolder[]> {
  const result = await db.query<{ camera_id: string; since_ms: number; reason: SlotReason }>(
    `SELECT camera_id, (extract(epoch FROM assigned_at) * 1000)::float8 AS since_ms, reason FROM analysis_slots`,
  );
  return result.rows.map((row) => ({ cameraId: row.camera_id, sinceMs: row.since_ms, reason: row.reason }));
}

/** The cameras holding a slot now. */
export async function slotCameraIds(db: Queryable): Promise<Set<string>> {
  const result = await db.query<{ camera_id: string }>('SELECT camera_id FROM analysis_slots');
  return new Set(result.rows.map((row) => row.camera_id));
}

export interface AppliedPlan {
  added: string[];
  removed: string[];
  /** Cameras that kept their slot but for another reason now. */
  reasonChanged: string[];
}

/**
 * Makes the slot table match the plan (inside the caller's transaction) and marks every holder as
 * served now. Only rows that go, come or change reason are written: the others (and their leases) are
 * not even locked, so workers renewing leases never wait for a round that does not concern them. The
 * detail of a row is the "why" at the moment the reason was given. `holders` is the table as read at
 * the start of the round (only the leader adds, removes or re-labels rows).
 */
export async function applyPlan(tx: Queryable, plan: SlotPlan, nowMs: number, holders: readonly SlotHolder[]): Promise<AppliedPlan> {
  const current = new Map(holders.map((holder) => [holder.cameraId, holder]));
  const planned = new Set(plan.assignments.map((assignment) => assignment.cameraId));
  const leaving = holders.filter((holder) => !planned.has(holder.cameraId)).map((holder) => holder.cameraId);
  const relabelled = plan.assignments.filter((a) => current.has(a.cameraId) && current.get(a.cameraId)!.reason !== a.reason);
  const arriving = plan.assignments.filter((a) => !current.has(a.cameraId));
  // Lock what changes in camera order, as workers renewing leases do: no deadlock between them.
  const touched = [...leaving, ...relabelled.map((a) => a.cameraId)].sort();
  if (touched.length) await tx.query('SELECT camera_id FROM analysis_slots WHERE camera_id = ANY($1::text[]) ORDER BY camera_id FOR UPDATE', [touched]);
  const removed = leaving.length
    ? (await tx.query<{ camera_id: string }>('DELETE FROM analysis_slots WHERE camera_id = ANY($1::text[]) RETURNING camera_id', [leaving])).rows.map((row) => row.camera_id)
    : [];
  if (relabelled.length) {
    await tx.query(
      `UPDATE analysis_slots s SET reason = u.reason, detail = u.detail
         FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS u(camera_id, reason, detail) WHERE s.camera_id = u.camera_id`,
      [relabelled.map((a) => a.cameraId), relabelled.map((a) => a.reason), relabelled.map((a) => JSON.stringify(a.detail))],
    );
  }
  const added = arriving.length
    ? (
        await tx.query<{ camera_id: string }>(
          `INSERT INTO analysis_slots (camera_id, reason, detail, assigned_at)
           SELECT p.camera_id, p.reason, p.detail, to_timestamp(p.since_ms / 1000.0)
             FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::float8[]) AS p(camera_id, reason, detail, since_ms)
             JOIN cameras c ON c.id = p.camera_id
           ON CONFLICT (camera_id) DO NOTHING
           RETURNING camera_id`,
          [arriving.map((a) => a.cameraId), arriving.map((a) => a.reason), arriving.map((a) => JSON.stringify(a.detail)), arriving.map((a) => a.sinceMs)],
        )
      ).rows.map((row) => row.camera_id)
    : [];
  const ids = plan.assignments.map((assignment) => assignment.cameraId);
  if (ids.length > 0) {
    await tx.query(
      `INSERT INTO analysis_camera_state AS st (camera_id, last_served_at)
       SELECT u.id, to_timestamp($2 / 1000.0) FROM unnest($1::text[]) AS u(id) JOIN cameras c ON c.id = u.id
       ON CONFLICT (camera_id) DO UPDATE SET last_served_at = EXCLUDED.last_served_at`,
      [ids, nowMs],
    );
  }
  const applied: AppliedPlan = { added, removed, reasonChanged: relabelled.map((a) => a.cameraId) };
  if (applied.added.length || applied.removed.length) {
    // Delivered at commit: camera-ingest refreshes its slot set, workers claim the new rows.
    await notify(tx, slotsChanged, JSON.stringify({ added: applied.added.length, removed: applied.removed.length }));
  }
  return applied;
}

export interface SchedulerState {
  leader: string;
  ranAt: string;
  slotCount: number;
  slotSource: 'config' | 'measured';
  roundRobinReserve: number;
  notices: SchedulerNotice[];
}

export async function readSchedulerState(db: Queryable): Promise<SchedulerState | undefined> {
  const result = await db.query(
    `SELECT leader, ran_at AS "ranAt", slot_count AS "slotCount", slot_source AS "slotSource",
            round_robin_reserve AS "roundRobinReserve", notices FROM analysis_scheduler_state`,
  );
  const row = result.rows[0];
  return row ? { ...row, ranAt: new Date(row.ranAt).toISOString() } : undefined;
}

export async function writeSchedulerState(tx: Queryable, state: Omit<SchedulerState, 'ranAt'> & { ranAtMs: number }): Promise<void> {
  await tx.query(
    `INSERT INTO analysis_scheduler_state (id, leader, ran_at, slot_count, slot_source, round_robin_reserve, notices)
     VALUES (true, $1, to_timestamp($2 / 1000.0), $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET leader = EXCLUDED.leader, ran_at = EXCLUDED.ran_at, slot_count = EXCLUDED.slot_count,
       slot_source = EXCLUDED.slot_source, round_robin_reserve = EXCLUDED.round_robin_reserve, notices = EXCLUDED.notices`,
    [state.leader, state.ranAtMs, state.slotCount, state.slotSource, state.roundRobinReserve, JSON.stringify(state.notices)],
  );
}

/** Sum of the measured capacity of workers whose heartbeat is within the lease time. */
export async function liveWorkerCapacity(db: Queryable, nowMs: number, leaseMs: number): Promise<{ workers: number; capacity: number }> {
  const result = await db.query<{ workers: number; capacity: number }>(
    `SELECT count(*)::int AS workers, coalesce(sum(capacity), 0)::int AS capacity
       FROM analysis_workers WHERE heartbeat_at > to_timestamp($1 / 1000.0) - $2 * INTERVAL '1 millisecond'`,
    [nowMs, leaseMs],
  );
  return result.rows[0];
}

export interface SlotView extends Pick<SlotAssignment, 'cameraId' | 'reason' | 'detail'> {
  cameraName: string;
  since: string;
  workerId: string | null;
  leaseExpiresAt: string | null;
  firstFrameAt: string | null;
  lastFrameAt: string | null;
  framesAnalysed: number;
}

export async function listSlots(db: Queryable): Promise<SlotView[]> {
  const result = await db.query(
    `SELECT s.camera_id AS "cameraId", c.name AS "cameraName", s.reason, s.detail, s.assigned_at AS since,
            s.worker_id AS "workerId", s.lease_expires_at AS "leaseExpiresAt",
            CASE WHEN p.worker_id = s.worker_id THEN p.first_frame_at END AS "firstFrameAt",
            CASE WHEN p.worker_id = s.worker_id THEN p.last_frame_at END AS "lastFrameAt",
            CASE WHEN p.worker_id = s.worker_id THEN p.frames_analysed ELSE 0 END AS "framesAnalysed"
       FROM analysis_slots s JOIN cameras c ON c.id = s.camera_id
       LEFT JOIN analysis_progress p ON p.camera_id = s.camera_id
      ORDER BY array_position(ARRAY['pinned', 'alert', 'sensor_alarm', 'motion', 'time_of_day', 'round_robin'], s.reason), s.assigned_at, s.camera_id`,
  );
  return result.rows.map((row) => ({
    ...row,
    since: iso(row.since)!,
    leaseExpiresAt: iso(row.leaseExpiresAt),
    firstFrameAt: iso(row.firstFrameAt),
    lastFrameAt: iso(row.lastFrameAt),
  }));
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

// ---- what the api shows and changes: workers, pins, per-camera analysis state, time-of-day windows ----

export interface SlotWorkerRow {
  worker_id: string;
  hostname: string;
  capacity: number;
  ms_per_frame: number | null;
  heartbeat_at: Date;
  /** Slots whose lease this worker holds now. */
  slots: number;
}

export async function listSlotWorkers(db: Queryable): Promise<SlotWorkerRow[]> {
  const result = await db.query<SlotWorkerRow>(
    `SELECT w.worker_id, w.hostname, w.capacity, w.ms_per_frame, w.heartbeat_at,
            (SELECT count(*)::int FROM analysis_slots s WHERE s.worker_id = w.worker_id AND s.lease_expires_at > now()) AS slots
       FROM analysis_workers w ORDER BY w.worker_id`,
  );
  return result.rows;
}

export interface PinRow {
  camera_id: string;
  pinned_at: Date;
  pinned_by: string;
  note: string;
  analysed: boolean;
}

/** Pins, most recent first, each with whether its camera holds a slot now. */
export async function listPins(db: Queryable): Promise<PinRow[]> {
  const result = await db.query<PinRow>(
    `SELECT p.camera_id, p.pinned_at, p.pinned_by, p.note, EXISTS (SELECT 1 FROM analysis_slots s WHERE s.camera_id = p.camera_id) AS analysed
       FROM analysis_pins p ORDER BY p.pinned_at DESC`,
  );
  return result.rows;
}

export interface CameraAnalysisRow {
  id: string;
  name: string;
  analysed: boolean;
  reason: SlotReason | null;
  stream_online: boolean | null;
  motion_score: number | null;
  last_frame_at: Date | null;
  last_served_at: Date | null;
  last_analysed_at: Date | null;
  pinned: boolean;
  /** As stored (JSON); the caller validates it. */
  windows: unknown;
}

/** Every enabled camera with its cheap-tier activity, slot, pin and time-of-day windows. */
export async function listCameraAnalysis(db: Queryable): Promise<CameraAnalysisRow[]> {
  const result = await db.query<CameraAnalysisRow>(
    `SELECT c.id, c.name, s.camera_id IS NOT NULL AS analysed, s.reason, a.stream_online, a.motion_score, a.last_frame_at,
            st.last_served_at, ap.last_analysed_at, p.camera_id IS NOT NULL AS pinned, coalesce(pr.windows, '[]') AS windows
       FROM cameras c
       LEFT JOIN analysis_slots s ON s.camera_id = c.id
       LEFT JOIN camera_activity a ON a.camera_id = c.id
       LEFT JOIN analysis_camera_state st ON st.camera_id = c.id
       LEFT JOIN analysis_progress ap ON ap.camera_id = c.id
       LEFT JOIN analysis_pins p ON p.camera_id = c.id
       LEFT JOIN analysis_priorities pr ON pr.camera_id = c.id
      WHERE c.enabled ORDER BY c.id`,
  );
  return result.rows;
}

/** Pins a camera, or refreshes its pin's time (the most recent pins win when there are more pins than slots). Returns the pin time. */
export async function pinCamera(tx: Queryable, pin: { cameraId: string; userId: number | null; pinnedBy: string; note: string }): Promise<Date> {
  const result = await tx.query<{ pinned_at: Date }>(
    `INSERT INTO analysis_pins (camera_id, pinned_at, pinned_by_user_id, pinned_by, note) VALUES ($1, now(), $2, $3, $4)
     ON CONFLICT (camera_id) DO UPDATE SET pinned_at = now(), pinned_by_user_id = EXCLUDED.pinned_by_user_id,
       pinned_by = EXCLUDED.pinned_by, note = EXCLUDED.note
     RETURNING pinned_at`,
    [pin.cameraId, pin.userId, pin.pinnedBy, pin.note],
  );
  return result.rows[0].pinned_at;
}

export async function countPins(db: Queryable): Promise<number> {
  const result = await db.query<{ pins: number }>('SELECT count(*)::int AS pins FROM analysis_pins');
  return result.rows[0].pins;
}

/** Removes a camera's pin; false when it had none. */
export async function unpinCamera(tx: Queryable, cameraId: string): Promise<boolean> {
  const removed = await tx.query('DELETE FROM analysis_pins WHERE camera_id = $1', [cameraId]);
  return (removed.rowCount ?? 0) > 0;
}

export async function saveTimeOfDayWindows(tx: Queryable, cameraId: string, windows: TimeOfDayWindow[]): Promise<void> {
  await tx.query(
    `INSERT INTO analysis_priorities (camera_id, windows, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (camera_id) DO UPDATE SET windows = EXCLUDED.windows, updated_at = now()`,
    [cameraId, JSON.stringify(windows)],
  );
}

