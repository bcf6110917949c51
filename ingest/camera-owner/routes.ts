// The camera owner's page, by link (no account): GET what their cameras do and who looked at them;
// POST pause, resume or end sharing of one camera. Public on purpose (the unguessable link is the
// credential; only its sha256 is stored) and rate-limited per address before anything is read. Every
// owner action is audited in its transaction and announced to camera-ingest, which stops live view and
// analysis frames of the camera within a second (devices/private-cameras/README.md).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit, type Actor } from '@cityops/core/audit';
import { withTransaction } from '@cityops/core/database/pool';
import { AppError, notFound } from '@cityops/core/errors';
import type { RouteContext } from '@cityops/core/http/route-context';
import { takeRequest } from '@cityops/core/http/rate-limit';
import { announceConsentChange } from '@cityops/devices/change-notices';
import { OWNER_KINDS, sharingAt, type Consent } from '@cityops/devices/private-cameras/consent';
import { applyOwnerAction, ownerByLinkToken, ownerConsents, type OwnerAction } from '@cityops/devices/private-cameras/owner-repository';
import { deviceId } from '@cityops/devices/schemas';
import { cameraName } from '@cityops/devices/camera-repository';
import { cameraHealth, viewsOfCameras } from './views-repository.ts';

const RATE_BUCKET = 'camera-owner';
const token = z.string().regex(/^[A-Za-z0-9_-]{20,64}$/, 'an owner link');

const ownerCameraView = z.object({
  id: z.string(),
  name: z.string(),
  health: z.object({ state: z.enum(['online', 'degraded', 'offline']), lastFrameAt: z.date().nullable() }),
  sharesLive: z.boolean(),
  sharesAnalysis: z.boolean(),
  sharesClips: z.boolean(),
  hours: z.object({ from: z.string(), to: z.string() }).nullable(),
  timeZone: z.string(),
  clipRetentionDays: z.number(),
  givenAt: z.date(),
  endsAt: z.date().nullable(),
  pausedAt: z.date().nullable(),
  endedAt: z.date().nullable(),
  sharingNow: z.enum(['sharing', 'paused', 'ended', 'not_yet', 'outside_hours']),
});

const ownerPageView = z.object({
  owner: z.object({ name: z.string(), kind: z.enum(OWNER_KINDS) }),
  cameras: z.array(ownerCameraView),
  views: z.array(z.object({ at: z.date(), cameraId: z.string(), cameraName: z.string(), kind: z.enum(['live', 'snapshot', 'clip']), viewer: z.string() })),
});

const AUDIT_ACTIONS: Record<OwnerAction, string> = { pause: 'owner_paused_sharing', resume: 'owner_resumed_sharing', end: 'owner_ended_sharing' };

export const cameraOwnerRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db, config } = context;

  // Counted before the token is looked up: guessing links costs the guesser their quota.
  const rateLimit = async (request: FastifyRequest, reply: FastifyReply) => {
    const decision = await takeRequest(db, RATE_BUCKET, request.ip, config.CAMERA_OWNER_REQUESTS_PER_MINUTE);
    if (!decision.allowed) {
      reply.header('retry-after', String(decision.retryAfterSeconds));
      throw new AppError('too_many_attempts', `too many requests from this address; retry in ${decision.retryAfterSeconds} s`);
    }
  };

  const ownerOf = async (linkToken: string) => {
    const owner = await ownerByLinkToken(db, linkToken);
    if (!owner) throw notFound('owner_link', '', 'this link is not valid (it may have been replaced by a newer one): ask the city for your current link');
    return owner;
  };

  const cameraOf = async (consent: Consent): Promise<z.infer<typeof ownerCameraView>> => {
    return {
      id: consent.cameraId,
      name: (await cameraName(db, consent.cameraId)) ?? consent.cameraId,
      health: await cameraHealth(db, consent.cameraId),
      sharesLive: consent.sharesLive,
      sharesAnalysis: consent.sharesAnalysis,
      sharesClips: consent.sharesClips,
      hours: consent.hours,
      timeZone: consent.timeZone,
      clipRetentionDays: consent.clipRetentionDays,
      givenAt: consent.givenAt,
      endsAt: consent.endsAt,
      pausedAt: consent.pausedAt,
      endedAt: consent.endedAt,
      sharingNow: sharingAt(consent, Date.now()).state,
    };
  };

  app.get(
    '/api/camera-owner/:token',
    {
      config: { public: true },
      onRequest: rateLimit,
      schema: {
        security: [],
        tags: ['private cameras'],
        summary: "A camera owner's page (by their link): their cameras' health, what is shared, and every view of them",
        params: z.object({ token }),
        response: { 200: ownerPageView },
      },
    },
    async (request, reply) => {
      const owner = await ownerOf(request.params.token);
      const consents = await ownerConsents(db, owner.id);
      const cameras = [];
      for (const consent of consents) cameras.push(await cameraOf(consent));
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      return { owner: { name: owner.name, kind: owner.kind }, cameras, views: await viewsOfCameras(db, consents.map((consent) => consent.cameraId)) };
    },
  );

  app.post(
    '/api/camera-owner/:token/cameras/:cameraId/:action',
    {
      config: { public: true },
      onRequest: rateLimit,
      schema: {
        security: [],
        tags: ['private cameras'],
        summary: 'The owner pauses, resumes or ends sharing of one camera, effective within seconds; end is final from the link',
        params: z.object({ token, cameraId: deviceId, action: z.enum(['pause', 'resume', 'end']) }),
        response: { 200: z.object({ camera: ownerCameraView }) },
      },
    },
    async (request) => {
      const { cameraId, action } = request.params;
      const owner = await ownerOf(request.params.token);
      const consent = await withTransaction(db, async (tx) => {
        const changed = await applyOwnerAction(tx, owner.id, cameraId, action);
        const actor: Actor = { username: `camera owner #${owner.id}`, sourceAddress: request.ip };
        await recordAudit(tx, actor, { action: AUDIT_ACTIONS[action], entityType: 'camera', entityId: cameraId, details: { ownerId: owner.id } });
        await announceConsentChange(tx, cameraId);
        return changed;
      });
      return { camera: await cameraOf(consent) };
    },
  );
};
