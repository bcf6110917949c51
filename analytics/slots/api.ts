// REST routes of analysis slots: which cameras are analysed and why (command-room staff), pin and
// unpin (operators, audited), time-of-day priority windows (engineers, audited).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { CAN_ENGINEER, CAN_OPERATE, CAN_VIEW } from '@cityops/contract/roles';
import { notify } from '@cityops/core/database/notification-bus';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import { notFound } from '@cityops/core/errors';
import type { RouteContext } from '@cityops/core/http/route-context';
import { cameraName } from '@cityops/devices/camera-repository';
import { slotsWake } from './notifications.ts';
import { SLOT_REASONS } from './scheduler.ts';
import {
  countPins,
  listCameraAnalysis,
  listPins,
  listSlots,
  listSlotWorkers,
  pinCamera,
  readSchedulerState,
  saveTimeOfDayWindows,
  unpinCamera,
} from './slot-repository.ts';
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
  const name = await cameraName(db, cameraId);
  if (name === undefined) throw notFound('camera', cameraId);
  return name;
}

export const slotRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
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
        listSlotWorkers(db),
        listPins(db),
      ]);
      return {
        slotCount: state?.slotCount ?? null,
        slotSource: state?.slotSource ?? null,
        leader: state?.leader ?? null,
        ranAt: state?.ranAt ?? null,
        roundRobinReserve: state?.roundRobinReserve ?? 0,
        notices: state?.notices ?? [],
        slots,
        workers: workers.map((row) => ({
          workerId: row.worker_id,
          hostname: row.hostname,
          capacity: row.capacity,
          msPerFrame: row.ms_per_frame,
          heartbeatAt: iso(row.heartbeat_at)!,
          slots: row.slots,
        })),
        pins: pins.map((row) => ({ cameraId: row.camera_id, pinnedAt: iso(row.pinned_at)!, pinnedBy: row.pinned_by, note: row.note, analysed: row.analysed })),
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
      const rows = await listCameraAnalysis(db);
      return {
        cameras: rows.map((row) => ({
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
        const pinnedAt = await pinCamera(tx, { cameraId: request.params.cameraId, userId: request.user?.id ?? null, pinnedBy: request.actor.username, note });
        const pinnedCount = await countPins(tx);
        const state = await readSchedulerState(tx);
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
        await notify(tx, slotsWake, `pin:${request.params.cameraId}`);
        return {
          pin: { cameraId: request.params.cameraId, pinnedAt: iso(pinnedAt)!, pinnedBy: request.actor.username, note },
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
        const wasPinned = await unpinCamera(tx, request.params.cameraId);
        if (wasPinned) {
          await recordAudit(tx, request.actor, { action: 'unpin', entityType: 'camera_analysis', entityId: request.params.cameraId });
          await notify(tx, slotsWake, `unpin:${request.params.cameraId}`);
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
        await saveTimeOfDayWindows(tx, request.params.cameraId, request.body.windows);
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
