// REST routes of residents' reports. Public on purpose (config: { public: true }), for residents without
// an account: sending a report (/api/public/reports, rate-limited per network address and per device)
// and following it by its code. For the command room (sessions and roles): the reports with their
// contact details (operators and admins only), their photos and clip, and rejecting spam with a reason.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError, badRequest, notFound, issueReason } from '@cityops/core/errors';
import { takeRequests, type RateTake } from '@cityops/core/http/rate-limit';
import type { RouteContext } from '@cityops/core/http/route-context';
import { createLivePublisher } from '@cityops/core/live/publisher';
import { createMediaStore, reportMediaDirOf } from '@cityops/core/media-store';
import { CAN_OPERATE, CAN_VIEW } from '@cityops/contract/roles';
import { REPORT_CATEGORIES, REPORT_LIMITS, type ReportCategory } from '@cityops/contract/citizen-reports';
import { sendFileRange } from '../byte-range.ts';
import { rateReport, rejectReport } from './actions.ts';
import { cleanClip, cleanPhoto, saveMedia, type CleanedMedia } from './report-media.ts';
import { incidentPhoto, incidentProgress, listReports, mediaOf, reportByCode, reportById, type MediaLocation } from './repository.ts';
import { operatorView, publicView } from './public-view.ts';
import { createReportReceiver, normalizeCode } from './submit.ts';
import { receiptSchema, publicReportSchema, reportViewSchema, reportListQuery, rejectBody, ratingBody } from './schemas.ts';

const tags = ['citizen reports'];
/** The report page's random id of the phone, in the form and in the X-Device-Id header. */
const deviceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8 to 64 letters, digits, - or _');

export const citizenReportRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db, config, secretBox } = context;
  const deps = { db, live: createLivePublisher(db), secrets: secretBox };
  const reports = createReportReceiver(deps);

  /** What each limit counts, for the 429's message. */
  const limitNames: Record<string, string> = {
    'reports-address': 'reports per network address',
    'reports-device': 'reports per device',
    'report-reads': 'report page requests per address',
  };
  /** 429 with Retry-After when the caller is over any of the limits, all counted in one statement. */
  async function limit(reply: FastifyReply, takes: RateTake[]): Promise<void> {
    const decision = await takeRequests(db, takes);
    if (decision.allowed) return;
    const perMinute = takes.find((take) => take.bucket === decision.bucket)!.perMinute;
    reply.header('retry-after', String(decision.retryAfterSeconds));
    throw new AppError('too_many_attempts', `at most ${perMinute} ${limitNames[decision.bucket]} a minute; your report is kept on your phone: retry in ${decision.retryAfterSeconds} s`);
  }
  const readLimit = (request: FastifyRequest, reply: FastifyReply) => limit(reply, [{ bucket: 'report-reads', key: request.ip, perMinute: config.REPORT_READS_PER_MINUTE }]);
  const deviceTake = (deviceId: string): RateTake => ({ bucket: 'reports-device', key: deviceId, perMinute: config.REPORTS_PER_MINUTE_PER_DEVICE });

  async function reportOfCode(code: string) {
    const normalized = normalizeCode(code);
    const report = normalized ? await reportByCode(db, normalized) : undefined;
    if (!report) throw notFound('report', code.slice(0, 20));
    return report;
  }

  const mediaStore = createMediaStore(reportMediaDirOf(config));
  /** A photo or clip from its file (with Range, for the clip's player) or, for rows from before the files, its bytes. */
  const sendMedia = async (request: FastifyRequest, reply: FastifyReply, media: MediaLocation | undefined, what: 'photo' | 'clip') => {
    if (!media) throw notFound(what);
    reply.type(media.contentType).header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff');
    if ('bytes' in media) return reply.send(media.bytes);
    const file = await mediaStore.locate(media.fileName);
    if (!file) {
      // The row outlived its file: a restore without REPORT_MEDIA_DIR, or a file deleted by hand.
      request.log.error({ file: media.fileName, dir: mediaStore.dir }, 'a report\'s media file is missing from the media store');
      throw notFound(what);
    }
    return sendFileRange(reply, request.headers.range, file);
  };

  // ---- residents ----
  app.post(
    '/api/public/reports',
    {
      config: { public: true },
      // The address (and the device, when the page names it in a header) is counted before the body is
      // read: a flood costs one upsert per request, not its upload.
      preHandler: async (request, reply) => {
        const device = request.headers['x-device-id'];
        await limit(reply, [{ bucket: 'reports-address', key: request.ip, perMinute: config.REPORTS_PER_MINUTE_PER_ADDRESS }, ...(typeof device === 'string' ? [deviceTake(device)] : [])]);
      },
      schema: {
        tags,
        summary: 'Send a report (multipart: category, lat, lon, description, contact?, deviceId?, takenAt?; files photo (0-3) and clip (0-1, ≤ 30 s))',
        headers: z.looseObject({
          'idempotency-key': z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, '8 to 128 letters, digits, - or _').optional(),
          'x-device-id': deviceIdSchema.optional(),
        }),
        response: { 201: receiptSchema, 200: receiptSchema },
      },
    },
    async (request, reply) => {
      const form = await readReportForm(request);
      // A device named in the form but not in the header (an older page) is counted now.
      if (form.deviceId && form.deviceId !== request.headers['x-device-id']) await limit(reply, [deviceTake(form.deviceId)]);
      const cleaned: CleanedMedia[] = [];
      for (const photo of form.photos) cleaned.push(await cleanPhoto(photo));
      if (form.clip) cleaned.push(await cleanClip(form.clip, config.FFMPEG_PATH));
      // The files first, then the transaction that names them; a report that is not stored leaves no file.
      const media = await saveMedia(mediaStore, cleaned);
      const outcome = await reports.receive({
        submissionKey: request.headers['idempotency-key'] ?? randomUUID(),
        category: form.category,
        lat: form.lat,
        lon: form.lon,
        description: form.description,
        contact: form.contact,
        deviceId: form.deviceId ?? request.headers['x-device-id'],
        submittedAt: form.takenAt,
        media,
        sourceAddress: request.ip,
      }).catch(async (error: unknown) => {
        // A refusal is certain not to be stored. After a database error the COMMIT may still have
        // happened: its files are left to the sweep, which deletes them only if no row names them.
        if (error instanceof AppError) await mediaStore.remove(media.map((item) => item.fileName));
        throw error;
      });
      if (outcome.replayed) {
        // A resend of a stored report: the first report's files are the ones kept.
        await mediaStore.remove(media.map((item) => item.fileName));
        reply.header('idempotent-replayed', 'true');
      }
      return reply.code(outcome.replayed ? 200 : 201).send(outcome.receipt);
    },
  );

  const codeParams = z.object({ code: z.string().min(1).max(40) });
  app.get(
    '/api/public/reports/:code',
    { config: { public: true }, preHandler: readLimit, schema: { tags, summary: 'What the resident may see of their report', params: codeParams, response: { 200: publicReportSchema } } },
    async (request) => publicView(db, await reportOfCode(request.params.code)),
  );
  app.get(
    '/api/public/reports/:code/photos/:position',
    { config: { public: true }, preHandler: readLimit, schema: { tags, summary: 'One of the resident\'s photos (as stored: no EXIF)', params: codeParams.extend({ position: z.coerce.number().int().min(0).max(2) }) } },
    async (request, reply) => {
      const report = await reportOfCode(request.params.code);
      return sendMedia(request, reply, await mediaOf(db, report.id, 'photo', request.params.position), 'photo');
    },
  );
  app.get(
    '/api/public/reports/:code/clip',
    { config: { public: true }, preHandler: readLimit, schema: { tags, summary: 'The resident\'s clip (re-encoded, no sound)', params: codeParams } },
    async (request, reply) => sendMedia(request, reply, await mediaOf(db, (await reportOfCode(request.params.code)).id, 'clip', 0), 'clip'),
  );
  app.get(
    '/api/public/reports/:code/resolution-photo',
    { config: { public: true }, preHandler: readLimit, schema: { tags, summary: 'The team\'s photo of the fix, once the report is resolved', params: codeParams } },
    async (request, reply) => {
      const report = await reportOfCode(request.params.code);
      const view = await publicView(db, report);
      const progress = await incidentProgress(db, report.incidentId);
      if (!view.resolution?.photoPath || progress.resolutionPhotoId === null) throw notFound('photo', '', 'photo of the fix not found');
      return sendMedia(request, reply, await incidentPhoto(db, progress.resolutionPhotoId), 'photo');
    },
  );
  app.post(
    '/api/public/reports/:code/rating',
    { config: { public: true }, preHandler: readLimit, schema: { tags, summary: 'Rate the handling 1-5 with a comment, once the report is resolved (once)', params: codeParams, body: ratingBody, response: { 201: publicReportSchema } } },
    async (request, reply) => {
      const report = await reportOfCode(request.params.code);
      return reply.code(201).send(await rateReport(deps, report.code, request.body, request.ip));
    },
  );

  // ---- the command room ----
  const idParams = z.object({ id: z.coerce.number().int().positive() });
  /** Contact details are for the people who call residents back: operators and admins. */
  const view = async (request: FastifyRequest, report: Awaited<ReturnType<typeof reportById>>) => {
    const full = await operatorView(db, secretBox, report);
    return CAN_OPERATE.includes(request.user!.role) ? full : { ...full, contact: null };
  };
  app.get(
    '/api/reports',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'Residents\' reports, newest first (contact details for operators and admins only)', querystring: reportListQuery, response: { 200: z.object({ reports: z.array(reportViewSchema) }) } } },
    async (request) => {
      const query = request.query;
      const rows = await listReports(db, { incidentId: query.incident, categories: query.category, districtIds: query.district, rejected: query.rejected, before: query.before, limit: query.limit });
      return { reports: await Promise.all(rows.map((row) => view(request, row))) };
    },
  );
  app.get(
    '/api/reports/:id',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'One report', params: idParams, response: { 200: z.object({ report: reportViewSchema }) } } },
    async (request) => ({ report: await view(request, await reportById(db, request.params.id)) }),
  );
  app.get(
    '/api/reports/:id/photos/:position',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'A photo of the report', params: idParams.extend({ position: z.coerce.number().int().min(0).max(2) }) } },
    async (request, reply) => sendMedia(request, reply, await mediaOf(db, request.params.id, 'photo', request.params.position), 'photo'),
  );
  app.get(
    '/api/reports/:id/clip',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'The report\'s clip', params: idParams } },
    async (request, reply) => sendMedia(request, reply, await mediaOf(db, request.params.id, 'clip', 0), 'clip'),
  );
  app.post(
    '/api/reports/:id/reject',
    {
      config: { roles: CAN_OPERATE },
      schema: { tags, summary: 'Reject the report (spam, not the city\'s business) with a reason the resident is shown', params: idParams, body: rejectBody, response: { 200: z.object({ report: reportViewSchema, incidentClosed: z.boolean() }) } },
    },
    async (request) => {
      const { incidentClosed } = await rejectReport(deps, request.actor, request.params.id, request.body.reason.trim());
      return { report: await view(request, await reportById(db, request.params.id)), incidentClosed };
    },
  );
};

interface ReportForm {
  category: ReportCategory;
  lat: number;
  lon: number;
  description: string;
  contact?: string;
  deviceId?: string;
  takenAt: Date;
  photos: Buffer[];
  clip?: Buffer;
}

/** Reads and checks the multipart form; every refusal names its field. Files are checked by content later. */
async function readReportForm(request: FastifyRequest): Promise<ReportForm> {
  if (!request.isMultipart()) throw badRequest('send multipart/form-data: category, lat, lon, description and photo files', 'category', { reason: 'multipart_required' });
  const fields: Record<string, string> = {};
  const photos: Buffer[] = [];
  let clip: Buffer | undefined;
  const parts = request.parts({
    limits: { fileSize: REPORT_LIMITS.maxClipBytes, files: REPORT_LIMITS.maxPhotos + 1, fields: 10, fieldSize: REPORT_LIMITS.descriptionMaxChars * 4 },
  });
  for await (const part of parts) {
    if (part.type === 'field') {
      fields[part.fieldname] = String(part.value);
      continue;
    }
    const isPhoto = part.fieldname === 'photo';
    if (!isPhoto && part.fieldname !== 'clip') {
      part.file.resume();
      throw badRequest(`unexpected file "${part.fieldname}": send photos as photo and the clip as clip`, part.fieldname, { reason: 'unexpected_file', params: { field: part.fieldname } });
    }
    if (isPhoto && photos.length === REPORT_LIMITS.maxPhotos) throw badRequest(`at most ${REPORT_LIMITS.maxPhotos} photos`, 'photo', { reason: 'too_many_files', params: { maximum: REPORT_LIMITS.maxPhotos, what: 'photo' } });
    if (!isPhoto && clip) throw badRequest('at most one clip', 'clip', { reason: 'too_many_files', params: { maximum: 1, what: 'clip' } });
    let bytes: Buffer;
    try {
      bytes = await part.toBuffer();
    } catch {
      throw new AppError('too_large', `the ${isPhoto ? 'photo' : 'clip'} is larger than ${Math.round((isPhoto ? REPORT_LIMITS.maxPhotoBytes : REPORT_LIMITS.maxClipBytes) / 1048576)} MB`, part.fieldname);
    }
    if (isPhoto && bytes.length > REPORT_LIMITS.maxPhotoBytes) throw new AppError('too_large', `the photo is larger than ${REPORT_LIMITS.maxPhotoBytes / 1048576} MB`, 'photo');
    if (!bytes.length) continue; // an empty file input
    if (isPhoto) photos.push(bytes);
    else clip = bytes;
  }
  return { ...checkFields(fields), photos, clip };
}

const formFields = z.object({
  category: z.enum(REPORT_CATEGORIES, { error: `choose one of: ${REPORT_CATEGORIES.join(', ')}` }),
  lat: z.coerce.number({ error: 'lat must be a number' }).min(-90).max(90),
  lon: z.coerce.number({ error: 'lon must be a number' }).min(-180).max(180),
  description: z.string().max(REPORT_LIMITS.descriptionMaxChars, `at most ${REPORT_LIMITS.descriptionMaxChars} characters`).default(''),
  contact: z
    .string()
    .max(REPORT_LIMITS.contactMaxChars)
    .transform((text) => text.trim())
    .refine((text) => text === '' || /^\+?[0-9 .-]{8,20}$/.test(text) || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text), 'a phone number (8 to 20 digits) or an e-mail address')
    .optional(),
  deviceId: deviceIdSchema.optional(),
  takenAt: z.iso.datetime({ offset: true }).optional(),
});

function checkFields(fields: Record<string, string>): Omit<ReportForm, 'photos' | 'clip'> {
  const parsed = formFields.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? 'category');
    throw badRequest(`${field}: ${issue.message}`, field, issueReason(issue as unknown as { code: string } & Record<string, unknown>));
  }
  const { takenAt, contact, description, ...rest } = parsed.data;
  const now = Date.now();
  // A report that waited on the phone keeps when it was made, within reason: never in the future, at most a week back.
  const taken = takenAt ? Math.min(now, Math.max(now - 7 * 86_400_000, Date.parse(takenAt))) : now;
  return { ...rest, description: description.trim(), contact: contact || undefined, takenAt: new Date(taken) };
}
