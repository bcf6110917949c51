// REST routes of camera ingest, served by the api role: camera health, signed live-view URLs (each
// issue audited), snapshots for drawing zones, and evidence clips. Video itself never passes through
// the api role: the browser gets a short-lived signed URL on the camera-ingest worker that pulls the
// camera, and snapshots are fetched from that worker server-side.
import { createReadStream, existsSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { CAN_ENGINEER, CAN_VIEW } from '@cityops/contract/roles';
import { AppError, notFound, type ErrorCode } from '@cityops/core/errors';
import type { RouteContext } from '@cityops/core/http/route-context';
import { cameraExists } from '@cityops/devices/camera-repository';
import { deviceId } from '@cityops/devices/schemas';
import { notSharedMessage, sharingAt } from '@cityops/devices/private-cameras/consent';
import { getConsent } from '@cityops/devices/private-cameras/owner-repository';
import { discoverOnvifDevices, readOnvifStreams } from '../onvif/onvif-client.ts';
import { OnvifTargets } from '../onvif/onvif-targets.ts';
import { findClipFile, listClips } from './clip-repository.ts';
import { cameraHolder } from './lease-repository.ts';
import { loadLiveSigningKey, signedLiveUrl, signedSnapshotUrl } from './live-signing.ts';
import { getCameraStatus, listCameraStatuses } from './status-repository.ts';

const idParams = z.object({ id: deviceId });

const cameraStatusView = z.object({
  cameraId: z.string(),
  state: z.enum(['online', 'degraded', 'offline']),
  reason: z.string().nullable(),
  message: z.string().nullable(),
  fps: z.number(),
  targetFps: z.number(),
  framesReceived: z.number(),
  framesDelivered: z.number(),
  framesDropped: z.number(),
  restarts: z.number(),
  lastFrameAt: z.date().nullable(),
  codec: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  picture: z.array(z.string()),
  liveView: z.boolean(),
  /** What ffmpeg decodes now (null when no worker holds the camera or it has not said yet). */
  decode: z.enum(['all', 'keyframes']).nullable(),
  bufferBytes: z.number(),
  clipBytes: z.number(),
  workerId: z.string().nullable(),
  since: z.date(),
  updatedAt: z.date().nullable(),
});

const clipView = z.object({
  alertId: z.number(),
  state: z.enum(['pending', 'saved', 'failed', 'deleted']),
  triggerAt: z.date(),
  clipStartAt: z.date().nullable(),
  durationSeconds: z.number().nullable(),
  bytes: z.number().nullable(),
  error: z.string().nullable(),
  deleteAfter: z.date().nullable(),
});

/** The refusals of a camera-ingest worker's snapshot URL (live-server.ts) that the api role passes on as they are. */
const WORKER_SNAPSHOT_REFUSALS: readonly ErrorCode[] = ['no_picture', 'not_here', 'unsigned', 'expired', 'bad_signature', 'not_shared'];
const snapshotRefusal = (code: unknown): ErrorCode => WORKER_SNAPSHOT_REFUSALS.find((known) => known === code) ?? 'no_picture';
async function assertCameraExists(context: RouteContext, id: string): Promise<void> {
  if (!(await cameraExists(context.db, id))) throw notFound('camera', id);
}

/**
 * Refuses to show a private camera its owner does not share live now (devices/private-cameras/); the
 * worker checks again when the video is opened. True for a private camera that may be shown (its
 * viewings are then audited for its owner), false for a city camera.
 */
async function assertViewable(context: RouteContext, id: string): Promise<boolean> {
  const consent = await getConsent(context.db, id);
  if (!consent) return false;
  const sharing = sharingAt(consent, Date.now());
  if (!sharing.live) throw new AppError('not_shared', notSharedMessage(sharing));
  return true;
}

export const cameraIngestRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  let signingKey: Buffer | undefined;
  const key = async () => (signingKey ??= await loadLiveSigningKey(context.db, context.secretBox));

  app.get(
    '/api/cameras/status',
    {
      config: { roles: CAN_VIEW },
      schema: { tags: ['cameras'], summary: 'Health of every camera', response: { 200: z.object({ cameras: z.array(cameraStatusView) }) } },
    },
    async () => ({ cameras: await listCameraStatuses(context.db) }),
  );

  app.get(
    '/api/cameras/:id/status',
    {
      config: { roles: CAN_VIEW },
      schema: { tags: ['cameras'], summary: 'Health of one camera', params: idParams, response: { 200: z.object({ status: cameraStatusView }) } },
    },
    async (request) => {
      const status = await getCameraStatus(context.db, request.params.id);
      if (!status) throw notFound('camera', request.params.id);
      return { status };
    },
  );

  app.post(
    '/api/cameras/:id/live',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['cameras'],
        summary: 'A short-lived signed HTTP-FLV URL for live view (mpegts.js); each issue is audited',
        params: idParams,
        response: { 200: z.object({ url: z.string(), format: z.literal('flv'), expiresAt: z.date() }) },
      },
    },
    async (request) => {
      const cameraId = request.params.id;
      await assertCameraExists(context, cameraId);
      await assertViewable(context, cameraId);
      const holder = await cameraHolder(context.db, cameraId);
      if (!holder?.liveUrl) throw new AppError('camera_unassigned', 'no camera-ingest worker pulls this camera right now; try again shortly');
      const status = await getCameraStatus(context.db, cameraId);
      if (status && !status.liveView && status.codec === 'hevc') {
        throw new AppError('live_unavailable', 'this camera sends H.265, which the live relay (FLV) cannot carry; set the camera to H.264 for live view');
      }
      // The relay would accept the viewer and send nothing (it waits for the camera): say so instead.
      if (status?.state === 'offline') {
        throw new AppError('camera_offline', `the camera sends no picture right now${status.message ? ` (${status.message})` : ''}; try again when it is back online`);
      }
      const ttl = context.config.CAMERA_LIVE_URL_TTL_SECONDS;
      const { url, expiresAt } = signedLiveUrl(holder.liveUrl, await key(), cameraId, ttl, String(request.user!.id));
      await recordAudit(context.db, request.actor, {
        action: 'live_url_issued',
        entityType: 'camera',
        entityId: cameraId,
        details: { worker: holder.workerId, expiresAt: expiresAt.toISOString() },
      });
      return { url, format: 'flv' as const, expiresAt };
    },
  );

  app.get(
    '/api/cameras/:id/snapshot',
    {
      config: { roles: CAN_VIEW },
      schema: { tags: ['cameras'], summary: 'The latest picture of a camera as JPEG (letterbox removed), for drawing zones', params: idParams },
    },
    async (request, reply) => {
      const cameraId = request.params.id;
      await assertCameraExists(context, cameraId);
      const privateCamera = await assertViewable(context, cameraId);
      const holder = await cameraHolder(context.db, cameraId);
      if (!holder?.liveUrl) throw new AppError('camera_unassigned', 'no camera-ingest worker pulls this camera right now');
      let response: Response;
      try {
        response = await fetch(signedSnapshotUrl(holder.liveUrl, await key(), cameraId, 'api'), { signal: AbortSignal.timeout(10_000) });
      } catch (error) {
        throw new AppError('worker_unreachable', `the camera-ingest worker did not answer: ${(error as Error).message}`);
      }
      if (response.status !== 200) {
        const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
        throw new AppError(snapshotRefusal(body?.error?.code), body?.error?.message ?? `the worker answered ${response.status}`);
      }
      // Every look at a private camera is shown to its owner; city cameras' snapshots are not audited (as before).
      if (privateCamera) await recordAudit(context.db, request.actor, { action: 'snapshot_viewed', entityType: 'camera', entityId: cameraId });
      return reply.type('image/jpeg').header('cache-control', 'no-store').send(Buffer.from(await response.arrayBuffer()));
    },
  );

  app.get(
    '/api/cameras/:id/clips',
    {
      config: { roles: CAN_VIEW },
      schema: { tags: ['cameras'], summary: 'Evidence clips of a camera, newest first', params: idParams, response: { 200: z.object({ clips: z.array(clipView) }) } },
    },
    async (request) => {
      await assertCameraExists(context, request.params.id);
      return { clips: await listClips(context.db, request.params.id) };
    },
  );

  app.get(
    '/api/cameras/:id/clips/:alertId',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['cameras'],
        summary: 'The MP4 evidence clip of an alert (10 s before to 20 s after)',
        params: z.object({ id: deviceId, alertId: z.coerce.number().int().positive() }),
      },
    },
    async (request, reply) => {
      const clip = await findClipFile(context.db, request.params.id, request.params.alertId);
      if (!clip) throw notFound('alert_clip', request.params.alertId, `clip of alert ${request.params.alertId} not found`);
      if (clip.state !== 'saved' || !clip.filePath || !existsSync(clip.filePath)) {
        throw new AppError(`clip_${clip.state}`, clip.state === 'pending' ? 'the clip is not saved yet (20 s after the alert)' : `the clip is ${clip.state}`);
      }
      await recordAudit(context.db, request.actor, { action: 'clip_viewed', entityType: 'alert', entityId: String(request.params.alertId) });
      return reply.type('video/mp4').header('content-length', clip.bytes).send(createReadStream(clip.filePath));
    },
  );

  // ---- ONVIF: find cameras and their stream URLs instead of typing them ----
  const onvifTargets = new OnvifTargets();
  app.post(
    '/api/cameras/onvif/discover',
    {
      config: { roles: CAN_ENGINEER },
      schema: {
        tags: ['cameras'],
        summary: 'WS-Discovery of ONVIF cameras on the api host\'s network segment',
        body: z.object({ timeoutMs: z.number().int().min(500).max(15_000).default(3000) }),
        response: {
          200: z.object({
            devices: z.array(z.object({ urn: z.string(), xaddrs: z.array(z.string()), name: z.string().nullable(), hardware: z.string().nullable(), location: z.string().nullable() })),
          }),
        },
      },
    },
    async (request) => {
      const devices = await discoverOnvifDevices({ timeoutMs: request.body.timeoutMs, logger: request.log });
      onvifTargets.remember(devices);
      return { devices };
    },
  );

  app.post(
    '/api/cameras/onvif/streams',
    {
      config: { roles: CAN_ENGINEER },
      schema: {
        tags: ['cameras'],
        summary: 'Media profiles of an ONVIF device with their RTSP URLs (credentials are not echoed back)',
        body: z.object({
          deviceUrl: z.string().max(2000).describe('ONVIF device service URL, from discovery (xaddrs)'),
          username: z.string().max(200).optional(),
          password: z.string().max(200).optional(),
        }),
        response: {
          200: z.object({
            manufacturer: z.string().nullable(),
            model: z.string().nullable(),
            serialNumber: z.string().nullable(),
            firmwareVersion: z.string().nullable(),
            profiles: z.array(
              z.object({
                token: z.string(),
                name: z.string().nullable(),
                encoding: z.string().nullable(),
                width: z.number().nullable(),
                height: z.number().nullable(),
                fps: z.number().nullable(),
                rtspUrl: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const url = await onvifTargets.check(request.body.deviceUrl, context.db);
      const streams = await readOnvifStreams({ url, username: request.body.username, password: request.body.password, logger: request.log });
      // The device address only: the body holds a password.
      await recordAudit(context.db, request.actor, { action: 'onvif_read', entityType: 'onvif_device', entityId: url.host });
      return streams;
    },
  );
};
