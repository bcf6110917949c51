// REST routes for private cameras, for engineers and admins: register owners (each gets a link to
// their owner page, shown once), register or replace a camera's consent, list them. Every change is
// audited in its transaction and announced to camera-ingest (announceConsentChange), which applies it
// within a second. The owner's own page (public, by link) is ingest/camera-owner/.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { CAN_ENGINEER } from '@cityops/contract/roles';
import { withTransaction } from '@cityops/core/database/pool';
import { notFound } from '@cityops/core/errors';
import type { RouteContext } from '@cityops/core/http/route-context';
import { cameraExists } from '../camera-repository.ts';
import { announceConsentChange } from '../change-notices.ts';
import { deviceId } from '../schemas.ts';
import { consentInput, OWNER_KINDS, sharingAt } from './consent.ts';
import { getConsent, insertOwner, listOwners, newLinkToken, replaceOwnerLink, saveConsent } from './owner-repository.ts';

/** The owner page's path; the web app serves it (dashboard/web/src/camera-owner/). */
export const ownerPagePath = (token: string) => `/camera-owner/${token}`;

const ownerInput = z.object({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(OWNER_KINDS),
  contact: z.string().trim().max(500).nullable().optional().describe('phone or e-mail; stored encrypted'),
});

const ownerView = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.enum(OWNER_KINDS),
  contact: z.string().nullable(),
  hasLink: z.boolean(),
  linkIssuedAt: z.date().nullable(),
  createdAt: z.date(),
  cameraIds: z.array(z.string()),
});

const consentView = z.object({
  cameraId: z.string(),
  ownerId: z.number(),
  sharesLive: z.boolean(),
  sharesAnalysis: z.boolean(),
  sharesClips: z.boolean(),
  hours: z.object({ from: z.string(), to: z.string() }).nullable(),
  timeZone: z.string(),
  clipRetentionDays: z.number(),
  givenAt: z.date(),
  endsAt: z.date().nullable(),
  pausedAt: z.date().nullable(),
  resumedAt: z.date().nullable(),
  endedAt: z.date().nullable(),
  updatedAt: z.date(),
  sharingNow: z.enum(['sharing', 'paused', 'ended', 'not_yet', 'outside_hours']),
});

const linkView = z.object({ path: z.string(), url: z.string().nullable() });

export const privateCameraRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db, secretBox, config } = context;
  // Shown once, at creation or replacement: only its sha256 is kept.
  const link = (token: string) => {
    const path = ownerPagePath(token);
    return { path, url: config.PUBLIC_URL ? new URL(path, config.PUBLIC_URL).toString() : null };
  };

  app.get(
    '/api/camera-owners',
    {
      config: { roles: CAN_ENGINEER },
      schema: { tags: ['private cameras'], summary: 'Owners of private cameras, with their cameras', response: { 200: z.object({ owners: z.array(ownerView) }) } },
    },
    async () => ({ owners: await listOwners(db, secretBox) }),
  );

  app.post(
    '/api/camera-owners',
    {
      config: { roles: CAN_ENGINEER },
      schema: {
        tags: ['private cameras'],
        summary: 'Register a camera owner; the answer holds their owner-page link, shown this once',
        body: ownerInput,
        response: { 201: z.object({ owner: ownerView, link: linkView }) },
      },
    },
    async (request, reply) => {
      const token = newLinkToken();
      const owner = await withTransaction(db, async (tx) => {
        const created = await insertOwner(tx, secretBox, request.body, token);
        // Never the contact or the token.
        await recordAudit(tx, request.actor, { action: 'create', entityType: 'camera_owner', entityId: String(created.id), details: { kind: created.kind } });
        return created;
      });
      return reply.code(201).send({ owner, link: link(token) });
    },
  );

  app.post(
    '/api/camera-owners/:id/link',
    {
      config: { roles: CAN_ENGINEER },
      schema: {
        tags: ['private cameras'],
        summary: 'A new owner-page link (the old one stops working), shown this once',
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: { 200: z.object({ link: linkView }) },
      },
    },
    async (request) => {
      const token = newLinkToken();
      await withTransaction(db, async (tx) => {
        await replaceOwnerLink(tx, request.params.id, token);
        await recordAudit(tx, request.actor, { action: 'link_replaced', entityType: 'camera_owner', entityId: String(request.params.id) });
      });
      return { link: link(token) };
    },
  );

  app.get(
    '/api/cameras/:id/consent',
    {
      config: { roles: CAN_ENGINEER },
      schema: { tags: ['private cameras'], summary: "A private camera's consent (404 for a city camera)", params: z.object({ id: deviceId }), response: { 200: z.object({ consent: consentView }) } },
    },
    async (request) => {
      const consent = await getConsent(db, request.params.id);
      if (!consent) throw notFound('consent', request.params.id, `consent of camera ${request.params.id} not found`);
      return { consent: { ...consent, sharingNow: sharingAt(consent, Date.now()).state } };
    },
  );

  app.put(
    '/api/cameras/:id/consent',
    {
      config: { roles: CAN_ENGINEER },
      schema: {
        tags: ['private cameras'],
        summary: 'Register or replace the consent of a private camera (a new consent is neither paused nor ended)',
        params: z.object({ id: deviceId }),
        body: consentInput,
        response: { 200: z.object({ consent: consentView }) },
      },
    },
    async (request) => {
      if (!(await cameraExists(db, request.params.id))) throw notFound('camera', request.params.id);
      const consent = await withTransaction(db, async (tx) => {
        const saved = await saveConsent(tx, request.params.id, request.body);
        const { ownerId, sharesLive, sharesAnalysis, sharesClips, hours, timeZone, clipRetentionDays, givenAt, endsAt } = request.body;
        await recordAudit(tx, request.actor, {
          action: 'consent_registered',
          entityType: 'camera',
          entityId: request.params.id,
          details: { ownerId, sharesLive, sharesAnalysis, sharesClips, hours, timeZone, clipRetentionDays, givenAt, endsAt },
        });
        await announceConsentChange(tx, request.params.id);
        return saved;
      });
      return { consent: { ...consent, sharingNow: sharingAt(consent, Date.now()).state } };
    },
  );
};
