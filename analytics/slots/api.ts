// REST routes of analysis slots: which cameras are analysed and why (command-room staff), pin and
// unpin (operators, audited), time-of-day priority windows (engineers, audited).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { CAN_ENGINEER, CAN_OPERATE, CAN_VIEW } from '@cityops/contract/roles';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import { notFound } from '@cityops/core/errors';
import type { ApiContext } from '@cityops/dashboard/server/context';
import { SLOTS_WAKE_CHANNEL } from './notifications.ts';
import { SLOT_REASONS } from './scheduler.ts';
import { listSlots, readSchedulerState } from './slot-repository.ts';
import { timeOfDayWindowsSchema } from './time-of-day.ts';

const cameraParams = z.object({ cameraId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a camera id') });

const noticeView = z.object({ code: z.string(), message: z.string() }).passthrough();
const slotView = z.object({
  cameraId: z.string(),
  cameraName: z.string(),
  reason: z.enum(SLOT_REASONS),
  detail: z.record(z.string(), z.unknown()),
  since: z.string(),
  workerId: z.string().nullable(),
  leaseExpiresAt: z.string().nullable(),
  firstFrameAt: z.string().nullable(),
  lastFrameAt: z.string().nullable(),
  framesAnalysed: z.number(),
});
const slotsResponse = z.object({
  slotCount: z.number().nullable().describe('slots the scheduler used in its last round; null before its first round'),
  slotSource: z.enum(['config', 'measured']).nullable(),
  leader: z.string().nullable(),
  ranAt: z.string().nullable(),
  roundRobinReserve: z.number(),
  notices: z.array(noticeView),
  slots: z.array(slotView),
  workers: z.array(z.object({ workerId: z.string(), hostname: z.string(), capacity: z.number(), msPerFrame: z.number().nullable(), heartbeatAt: z.string(), slots: z.number() })),
  pins: z.array(z.object({ cameraId: z.string(), pinnedAt: z.string(), pinnedBy: z.string(), note: z.string(), analysed: z.boolean() })),
});

const cameraStatus = z.object({
  cameraId: z.string(),
  name: z.string(),
  analysed: z.boolean(),
  reason: z.enum(SLOT_REASONS).nullable(),
  streamOnline: z.boolean().nullable().describe('null when camera-ingest has not reported this camera yet'),
  motionScore: z.number().nullable(),
  lastFrameAt: z.string().nullable(),
  lastServedAt: z.string().nullable(),
  lastAnalysedAt: z.string().nullable(),
  pinned: z.boolean(),
  timeOfDay: timeOfDayWindowsSchema,
});

// 'infinity' timestamps (allowed by PostgreSQL) become Invalid Date in JS: shown as unknown, not a 500.
const iso = (value: Date | null | undefined) => {
  const time = value ? new Date(value).getTime() : Number.NaN;
  return Number.isFinite(time) ? new Date(time).toISOString() : null;
};

async function assertCamera(db: Queryable, cameraId: string): Promise<string> {
  const result = await db.query<{ name: string }>('SELECT name FROM cameras WHERE id = $1', [cameraId]);
  if (!result.rowCount) throw notFound(`camera ${cameraId}`);
  return result.rows[0].name;
}

export const slotRoutes: FastifyPluginAsync<ApiContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db } = context;

  app.get(
    '/api/analysis/slots',
    {
      config: { roles: CAN_VIEW },
      schema: { tags: ['analysis'], summary: 'Cameras holding an analysis slot now, and why', response: { 200: slotsResponse } },
    },
    async () => {
      const [state, slots, workers, pins] = await Promise.all([
        readSchedulerState(db),
        listSlots(db),
        db.query(
          `SELECT w.worker_id, w.hostname, w.capacity, w.ms_per_frame, w.heartbeat_at,
                  (SELECT count(*)::int FROM analysis_slots s WHERE s.worker_id = w.worker_id AND s.lease_expires_at > now()) AS slots
             FROM analysis_workers w ORDER BY w.worker_id`,
        ),
        db.query(
          `SELECT p.camera_id, p.pinned_at, p.pinned_by, p.note, EXISTS (SELECT 1 FROM analysis_slots s WHERE s.camera_id = p.camera_id) AS analysed
             FROM analysis_pins p ORDER BY p.pinned_at DESC`,
        ),
      ]);
      return {
        slotCount: state?.slotCount ?? null,
        slotSource: state?.slotSource ?? null,
        leader: state?.leader ?? null,
        ranAt: state?.ranAt ?? null,
        roundRobinReserve: state?.roundRobinReserve ?? 0,
        notices: state?.notices ?? [],
        slots,
        workers: workers.rows.map((row) => ({
          workerId: row.worker_id,
          hostname: row.hostname,
          capacity: row.capacity,
          msPerFrame: row.ms_per_frame,
          heartbeatAt: iso(row.heartbeat_at)!,
          slots: row.slots,
        })),
        pins: pins.rows.map((row) => ({ cameraId: row.camera_id, pinnedAt: iso(row.pinned_at)!, pinnedBy: row.pinned_by, note: row.note, analysed: row.analysed })),
      };
    },
  );

  app.get(
    '/api/analysis/cameras',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['analysis'],
        summary: 'Every enabled camera: cheap-tier motion and liveness, whether it is analysed and why',
        response: { 200: z.object({ cameras: z.array(cameraStatus) }) },
      },
    },
    async () => {
      const result = await db.query(
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
      return {
        cameras: result.rows.map((row) => ({
          cameraId: row.id,
          name: row.name,
          analysed: row.analysed,
          reason: row.reason,
          streamOnline: row.stream_online,
          motionScore: row.motion_score,
          lastFrameAt: iso(row.last_frame_at),
          lastServedAt: iso(row.last_served_at),
          lastAnalysedAt: iso(row.last_analysed_at),
          pinned: row.pinned,
          timeOfDay: timeOfDayWindowsSchema.safeParse(row.windows).data ?? [],
        })),
      };
    },
  );

  app.put(
    '/api/analysis/pins/:cameraId',
    {
      config: { roles: CAN_OPERATE },
      schema: {
        tags: ['analysis'],
        summary: 'Pin a camera: it is analysed before any other (audited)',
        params: cameraParams,
        body: z.object({ note: z.string().max(500).optional() }),
        response: {
          200: z.object({
            pin: z.object({ cameraId: z.string(), pinnedAt: z.string(), pinnedBy: z.string(), note: z.string() }),
            pinnedCount: z.number(),
            slotCount: z.number().nullable(),
            warning: z.string().optional(),
          }),
        },
      },
    },
    async (request) =>
      withTransaction(db, async (tx) => {
        await assertCamera(tx, request.params.cameraId);
        const note = request.body.note ?? '';
        // Pinning again refreshes the time: the most recent pins win when there are more pins than slots.
        const pinned = await tx.query(
          `INSERT INTO analysis_pins (camera_id, pinned_at, pinned_by_user_id, pinned_by, note) VALUES ($1, now(), $2, $3, $4)
           ON CONFLICT (camera_id) DO UPDATE SET pinned_at = now(), pinned_by_user_id = EXCLUDED.pinned_by_user_id,
             pinned_by = EXCLUDED.pinned_by, note = EXCLUDED.note
           RETURNING pinned_at`,
          [request.params.cameraId, request.user?.id ?? null, request.actor.username, note],
        );
        const count = await tx.query<{ pins: number }>('SELECT count(*)::int AS pins FROM analysis_pins');
        const state = await readSchedulerState(tx);
        const pinnedCount = count.rows[0].pins;
        const slotCount = state?.slotCount ?? null;
        const warning =
          slotCount !== null && pinnedCount > slotCount
            ? `${pinnedCount} cameras are pinned but there are ${slotCount} analysis slots: only the ${slotCount} most recent pins are analysed`
            : undefined;
        await recordAudit(tx, request.actor, {
          action: 'pin',
          entityType: 'camera_analysis',
          entityId: request.params.cameraId,
          details: { note, pinnedCount, slotCount, ...(warning ? { warning } : {}) },
        });
        await tx.query('SELECT pg_notify($1, $2)', [SLOTS_WAKE_CHANNEL, `pin:${request.params.cameraId}`]);
        return {
          pin: { cameraId: request.params.cameraId, pinnedAt: iso(pinned.rows[0].pinned_at)!, pinnedBy: request.actor.username, note },
          pinnedCount,
          slotCount,
          ...(warning ? { warning } : {}),
        };
      }),
  );

  app.delete(
    '/api/analysis/pins/:cameraId',
    {
      config: { roles: CAN_OPERATE },
      schema: { tags: ['analysis'], summary: 'Unpin a camera (audited)', params: cameraParams, response: { 200: z.object({ wasPinned: z.boolean() }) } },
    },
    async (request) =>
      withTransaction(db, async (tx) => {
        await assertCamera(tx, request.params.cameraId);
        const removed = await tx.query('DELETE FROM analysis_pins WHERE camera_id = $1', [request.params.cameraId]);
        const wasPinned = (removed.rowCount ?? 0) > 0;
        if (wasPinned) {
          await recordAudit(tx, request.actor, { action: 'unpin', entityType: 'camera_analysis', entityId: request.params.cameraId });
          await tx.query('SELECT pg_notify($1, $2)', [SLOTS_WAKE_CHANNEL, `unpin:${request.params.cameraId}`]);
        }
        return { wasPinned };
      }),
  );

  app.put(
    '/api/analysis/cameras/:cameraId/time-of-day',
    {
      config: { roles: CAN_ENGINEER },
      schema: {
        tags: ['analysis'],
        summary: 'Time-of-day priority windows of a camera (local time, SLOT_TIME_ZONE; audited)',
        params: cameraParams,
        body: z.object({ windows: timeOfDayWindowsSchema }),
        response: { 200: z.object({ cameraId: z.string(), windows: timeOfDayWindowsSchema }) },
      },
    },
    async (request) =>
      withTransaction(db, async (tx) => {
        await assertCamera(tx, request.params.cameraId);
        await tx.query(
          `INSERT INTO analysis_priorities (camera_id, windows, updated_at) VALUES ($1, $2, now())
           ON CONFLICT (camera_id) DO UPDATE SET windows = EXCLUDED.windows, updated_at = now()`,
          [request.params.cameraId, JSON.stringify(request.body.windows)],
        );
        await recordAudit(tx, request.actor, {
          action: 'set_time_of_day',
          entityType: 'camera_analysis',
          entityId: request.params.cameraId,
          details: { windows: request.body.windows },
        });
        return { cameraId: request.params.cameraId, windows: request.body.windows };
      }),
  );
};
