// An alert's evidence at hand: its snapshot and evidence clips, listed for whoever may see the alert;
// a clip played in the browser and a clip downloaded for handing to the police, both audited.
//
// Opening a clip is one audited POST that returns a short-lived signed URL (HMAC over the clip and the
// user, the live-view signing key); the <video> then asks that URL for ranges as it plays and seeks,
// and those range requests are not audited: one `evidence.view` per opening, not one per range.
// The police download reads the file once, hashes exactly those bytes, records the SHA-256 in the audit
// log before sending and returns it in a header, so the receiver can check the file they were given.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { AppError, forbidden, notFound } from '@cityops/core/errors';
import type { RouteContext } from '@cityops/core/http/route-context';
import { ANY_ROLE, FIELD_WORK } from '@cityops/contract/roles';
import { EVIDENCE_SHA256_HEADER, type AlertEvidence, type EvidenceViewGrant } from '@cityops/contract/evidence';
import { listClipsOfAlert, type AlertClip } from '@cityops/ingest/camera/clip-repository';
import { checkCameraAccess, loadLiveSigningKey, signCameraAccess } from '@cityops/ingest/camera/live-signing';
import { sendFileRange } from '../byte-range.ts';
import { getAlert, getSnapshotFacts } from './repository.ts';
import { alertScopeOf, assertCanSeeEvidence } from './visibility.ts';

/** How long an opened clip's URL plays: long enough to watch and seek a 30 s clip a few times. */
const VIEW_URL_TTL_SECONDS = 15 * 60;

const clipParams = z.object({ id: z.coerce.number().int().positive(), clipId: z.coerce.number().int().positive() });

const evidenceSchema: z.ZodType<AlertEvidence> = z.object({
  snapshots: z.array(z.object({ url: z.string(), at: z.string(), bytes: z.number(), contentType: z.string() })),
  clips: z.array(
    z.object({
      clipId: z.number(),
      cameraId: z.string(),
      cameraName: z.string(),
      cameraNameEn: z.string().nullable(),
      state: z.enum(['pending', 'saved', 'failed', 'deleted']),
      triggerAt: z.string(),
      clipStartAt: z.string().nullable(),
      durationSeconds: z.number().nullable(),
      bytes: z.number().nullable(),
    }),
  ),
});
const viewGrantSchema: z.ZodType<EvidenceViewGrant> = z.object({ url: z.string(), expiresAt: z.string() });

/** What the signature covers: this clip of this alert (the camera id in the signed text is the clip's key). */
const signedClipKey = (alertId: number, clip: AlertClip) => `${clip.cameraId}\n${alertId}\n${clip.alertId}`;

/** A file name a police officer's machine accepts and a reader understands: alert, camera, clip start. */
function exportFileName(alertId: number, clip: AlertClip): string {
  const start = `${(clip.clipStartAt ?? clip.triggerAt).toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
  return `cityops-alert-${alertId}-${clip.cameraId.replace(/[^A-Za-z0-9._-]/g, '_')}-${start}.mp4`;
}

export const evidenceRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db } = context;
  let signingKey: Buffer | undefined;
  const key = async () => (signingKey ??= await loadLiveSigningKey(db, context.secretBox));

  /** Refuses evidence the user may not see (403, 404 for no alert); the rule is `assertCanSeeEvidence`'s. */
  const assertVisible = async (request: FastifyRequest, alertId: number) => {
    const [scope, alert] = await Promise.all([alertScopeOf(db, request.user!), getAlert(db, alertId)]);
    await assertCanSeeEvidence(db, scope, alert);
  };

  /** The saved clip of the alert, with its file on disk; a refusal saying why not otherwise. */
  const savedClip = async (alertId: number, clipId: number): Promise<AlertClip & { filePath: string }> => {
    const clip = (await listClipsOfAlert(db, alertId)).find((candidate) => candidate.alertId === clipId);
    if (!clip) throw notFound('alert_clip', alertId, `clip ${clipId} of alert ${alertId} not found`);
    if (clip.state !== 'saved' || !clip.filePath || !existsSync(clip.filePath)) {
      throw new AppError(`clip_${clip.state === 'saved' ? 'deleted' : clip.state}`, clip.state === 'pending' ? 'the clip is not saved yet (20 s after the alert)' : `the clip is ${clip.state === 'saved' ? 'missing from the clip store' : clip.state}`);
    }
    return clip as AlertClip & { filePath: string };
  };
  const auditDetails = (alertId: number, clip: AlertClip) => ({ alertId, cameraId: clip.cameraId, clipId: clip.alertId });

  app.get(
    '/api/alerts/:id/evidence',
    {
      config: { roles: ANY_ROLE },
      schema: {
        tags: ['alerts'],
        summary: 'The alert\'s snapshot and evidence clips (time, length, size); no bytes',
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: { 200: evidenceSchema },
      },
    },
    async (request) => {
      const alertId = request.params.id;
      await assertVisible(request, alertId);
      const [snapshot, clips] = await Promise.all([getSnapshotFacts(db, alertId), listClipsOfAlert(db, alertId)]);
      return {
        snapshots: snapshot ? [{ url: `/api/alerts/${alertId}/snapshot`, at: snapshot.at.toISOString(), bytes: snapshot.bytes, contentType: snapshot.contentType }] : [],
        clips: clips.map((clip) => ({
          clipId: clip.alertId,
          cameraId: clip.cameraId,
          cameraName: clip.cameraName,
          cameraNameEn: clip.cameraNameEn,
          state: clip.state,
          triggerAt: clip.triggerAt.toISOString(),
          clipStartAt: clip.clipStartAt?.toISOString() ?? null,
          durationSeconds: clip.durationSeconds,
          bytes: clip.bytes,
        })),
      };
    },
  );

  app.post(
    '/api/alerts/:id/clips/:clipId/view',
    {
      config: { roles: ANY_ROLE },
      schema: {
        tags: ['alerts'],
        summary: 'Open an evidence clip: audited once, answers a signed URL the player reads ranges of',
        params: clipParams,
        response: { 200: viewGrantSchema },
      },
    },
    async (request) => {
      const { id: alertId, clipId } = request.params;
      await assertVisible(request, alertId);
      const clip = await savedClip(alertId, clipId);
      const expiresAt = Math.floor(Date.now() / 1000) + VIEW_URL_TTL_SECONDS;
      const signed = signCameraAccess(await key(), 'evidence', signedClipKey(alertId, clip), expiresAt, String(request.user!.id));
      await recordAudit(db, request.actor, { action: 'evidence.view', entityType: 'alert', entityId: String(alertId), details: auditDetails(alertId, clip) });
      return { url: `/api/alerts/${alertId}/clips/${clipId}/video?${new URLSearchParams({ ...signed })}`, expiresAt: new Date(expiresAt * 1000).toISOString() };
    },
  );

  app.get(
    '/api/alerts/:id/clips/:clipId/video',
    {
      config: { roles: ANY_ROLE },
      schema: {
        tags: ['alerts'],
        summary: 'The MP4 of an opened clip (the signed URL of /view; Range requests answered with 206)',
        params: clipParams,
        querystring: z.object({ exp: z.string().optional(), sub: z.string().optional(), sig: z.string().optional() }),
      },
    },
    async (request, reply) => {
      const { id: alertId, clipId } = request.params;
      await assertVisible(request, alertId);
      const clip = await savedClip(alertId, clipId);
      const query = new URLSearchParams(Object.entries(request.query).filter((entry): entry is [string, string] => entry[1] !== undefined));
      const check = checkCameraAccess(await key(), 'evidence', signedClipKey(alertId, clip), query);
      // The URL is the user's own opening: another user's link, an old one or none means open it again (audited).
      if (!check.ok || check.subject !== String(request.user!.id)) throw forbidden('this clip link is not yours or has expired; open the clip again');
      const { size } = await stat(clip.filePath);
      reply.type('video/mp4').header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff');
      return sendFileRange(reply, request.headers.range, { path: clip.filePath, bytes: size });
    },
  );

  app.get(
    '/api/alerts/:id/clips/:clipId/download',
    {
      config: { roles: FIELD_WORK },
      schema: {
        tags: ['alerts'],
        summary: 'Export an evidence clip for the police: the MP4 as an attachment, its SHA-256 in X-Content-SHA256 and in the audit log',
        params: clipParams,
      },
    },
    async (request, reply) => {
      const { id: alertId, clipId } = request.params;
      await assertVisible(request, alertId);
      const clip = await savedClip(alertId, clipId);
      // Read once and send exactly what was hashed (a clip is a few MB; the file cannot change between
      // hashing and sending).
      const bytes = await readFile(clip.filePath);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const fileName = exportFileName(alertId, clip);
      await recordAudit(db, request.actor, {
        action: 'evidence.export',
        entityType: 'alert',
        entityId: String(alertId),
        details: { ...auditDetails(alertId, clip), sha256, size: bytes.length, fileName },
      });
      return reply
        .type('video/mp4')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .header(EVIDENCE_SHA256_HEADER, sha256)
        .header('cache-control', 'private, no-store')
        .header('content-length', bytes.length)
        .send(bytes);
    },
  );
};
