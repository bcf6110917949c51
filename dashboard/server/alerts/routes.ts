// REST routes of alerts: lists and history, detail, the lifecycle actions, photos and snapshots, CSV
// export, CAP 1.2 documents, the Atom feed of active alerts and manual alerts by operators.
// Field users see and act only on alerts assigned to their teams (403 otherwise).
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { manualTrigger, raiseManualAlert } from '@cityops/core/alerts/raise';
import { alertViewSchema } from '@cityops/contract/socket-schemas';
import { ANY_ROLE, CAN_ENGINEER, CAN_OPERATE, CAN_VIEW, FIELD_WORK } from '@cityops/contract/roles';
import { FALSE_ALARM_REASONS } from '@cityops/contract/alerts';
import type { RouteContext } from '@cityops/core/http/route-context';
import { listDistricts } from '@cityops/devices/district-repository';
import { activeAlertsAtom } from './atom.ts';
import { alertToCap } from './cap.ts';
import { alertCsvHeader, alertCsvLine } from './csv.ts';
import { actOnAlert, type AlertActionResult } from './lifecycle.ts';
import { idempotencyHeaders, idempotentRequest } from '../idempotency.ts';
import { readPhotoUpload } from '../photo-upload.ts';
import { allAlerts, getAlert, getAlertDetail, getAlertImage, getCapFacts, listAlerts } from './repository.ts';
import { alertPrecision } from './precision.ts';
import type { AlertAction } from './transitions.ts';
import { alertScopeOf, assertCanSee, assertCanSeeEvidence } from './visibility.ts';
import {
  alertDetailSchema,
  alertEventSchema,
  alertFilterQuery,
  alertIdParams,
  alertListQuery,
  alertPrecisionRowSchema,
  manualAlertBody,
  noteBody,
} from './schemas.ts';


export const alertRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db, config } = context;
  const actionDeps = { db, mqtt: context.mqtt, noteMaxChars: config.ALERT_NOTE_MAX_CHARS };
  const scopeOf = (request: FastifyRequest) => alertScopeOf(db, request.user!);
  const visibleAlert = async (request: FastifyRequest, id: number) => {
    const alert = await getAlert(db, id);
    assertCanSee(await scopeOf(request), alert);
    return alert;
  };
  const baseUrlOf = (request: FastifyRequest) => (config.PUBLIC_URL ?? `${request.protocol}://${request.host}`).replace(/\/$/, '');

  app.get(
    '/api/alerts',
    {
      config: { roles: ANY_ROLE },
      schema: {
        tags: ['alerts'],
        summary: 'Alerts and their history, newest first, filtered by time, kind, district, state; field users get their teams\' alerts',
        querystring: alertListQuery,
        response: { 200: z.object({ alerts: z.array(alertViewSchema), nextBefore: z.number().int().nullable() }) },
      },
    },
    async (request) => {
      const query = request.query;
      return listAlerts(
        db,
        { states: query.state, kinds: query.kind, severities: query.severity, districtIds: query.district, teamId: query.teamId, from: query.from, to: query.to, before: query.before, limit: query.limit },
        await scopeOf(request),
      );
    },
  );

  app.get(
    '/api/alerts/export.csv',
    {
      config: { roles: CAN_VIEW },
      schema: { tags: ['alerts'], summary: 'Alert history as CSV (same filters as the list, no paging)', querystring: alertFilterQuery },
    },
    async (request, reply) => {
      const query = request.query;
      const rows = allAlerts(db, { states: query.state, kinds: query.kind, severities: query.severity, districtIds: query.district, teamId: query.teamId, from: query.from, to: query.to }, null);
      async function* lines() {
        yield alertCsvHeader();
        for await (const row of rows) yield alertCsvLine(row);
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="alerts-${new Date().toISOString().slice(0, 10)}.csv"`)
        .send(Readable.from(lines()));
    },
  );

  app.get(
    '/api/alerts/feed.atom',
    {
      config: { roles: CAN_VIEW },
      schema: { tags: ['alerts'], summary: 'Atom feed of active alerts (new, acknowledged, assigned), each linked to its CAP document', querystring: z.object({ lang: z.enum(['vi', 'en']).default('vi') }) },
    },
    async (request, reply) => {
      const { alerts } = await listAlerts(db, { states: ['new', 'acknowledged', 'assigned'], limit: 500 }, null);
      const districts = new Map((await listDistricts(db)).map((district) => [district.id, district]));
      const xml = activeAlertsAtom(alerts, { baseUrl: baseUrlOf(request), language: request.query.lang, generatedAt: new Date(), districts });
      return reply.type('application/atom+xml; charset=utf-8').send(xml);
    },
  );

  app.post(
    '/api/alerts',
    {
      config: { roles: CAN_OPERATE },
      schema: { tags: ['alerts'], summary: 'Raise an alert by hand (a phone call, a patrol report)', body: manualAlertBody, response: { 200: z.object({ alert: alertViewSchema, created: z.boolean() }), 201: z.object({ alert: alertViewSchema, created: z.boolean() }) } },
    },
    async (request, reply) => {
      const body = request.body;
      const trigger = manualTrigger({
        kind: body.kind,
        severity: body.severity,
        title: body.title,
        description: body.description,
        lat: body.lat,
        lon: body.lon,
        districtId: body.districtId,
        ...(body.source ? { sourceType: body.source.type, sourceId: body.source.id, zoneId: body.source.zoneId } : {}),
      });
      // On a device whose situation is already open, the report is added to that alert (note, severity only up).
      const raised = await raiseManualAlert({ db, mqtt: context.mqtt }, trigger, request.actor, request.user!.id);
      return reply.code(raised.created ? 201 : 200).send({ alert: raised.message.alert, created: raised.created });
    },
  );

  app.get(
    '/api/alerts/:id',
    { config: { roles: ANY_ROLE }, schema: { tags: ['alerts'], summary: 'One alert with evidence, history, notes and photos', params: alertIdParams, response: { 200: z.object({ alert: alertDetailSchema }) } } },
    async (request) => {
      await visibleAlert(request, request.params.id);
      return { alert: await getAlertDetail(db, request.params.id) };
    },
  );

  // ---- lifecycle actions ----
  // Every action takes an optional Idempotency-Key (lifecycle.ts): a resend after a lost
  // answer gets the first answer again, marked by the idempotent-replayed header.
  const answer = (reply: FastifyReply, result: AlertActionResult) => {
    const { replayed, ...event } = result;
    if (replayed) reply.header('idempotent-replayed', 'true');
    return { event };
  };
  const actionRoute = (action: Exclude<AlertAction, 'photo' | 'assign' | 'note'>, roles: typeof ANY_ROLE, summary: string) =>
    app.post(
      `/api/alerts/:id/${action}`,
      {
        config: { roles },
        schema: { tags: ['alerts'], summary, params: alertIdParams, headers: idempotencyHeaders, body: noteBody(config.ALERT_NOTE_MAX_CHARS).optional(), response: { 200: z.object({ event: alertEventSchema }) } },
      },
      async (request, reply) =>
        answer(reply, await actOnAlert(actionDeps, { alertId: request.params.id, action, user: request.user!, actor: request.actor, note: request.body?.note, idempotency: idempotentRequest(request) })),
    );
  actionRoute('acknowledge', FIELD_WORK, 'Acknowledge a new alert (operators) or confirm an assigned one (its field team)');
  actionRoute('close', CAN_OPERATE, 'Close a resolved alert');
  app.post(
    '/api/alerts/:id/resolve',
    {
      config: { roles: FIELD_WORK },
      schema: {
        tags: ['alerts'],
        summary: 'Resolve an acknowledged or assigned alert (operators, or the assigned field team); falseAlarm: it was not a real situation, and why',
        params: alertIdParams,
        headers: idempotencyHeaders,
        body: noteBody(config.ALERT_NOTE_MAX_CHARS).extend({ falseAlarm: z.object({ reason: z.enum(FALSE_ALARM_REASONS) }).optional() }).optional(),
        response: { 200: z.object({ event: alertEventSchema }) },
      },
    },
    async (request, reply) =>
      answer(
        reply,
        await actOnAlert(actionDeps, {
          alertId: request.params.id,
          action: 'resolve',
          user: request.user!,
          actor: request.actor,
          note: request.body?.note,
          falseAlarmReason: request.body?.falseAlarm?.reason,
          idempotency: idempotentRequest(request),
        }),
      ),
  );

  app.get(
    '/api/alerts/precision',
    {
      config: { roles: CAN_ENGINEER },
      schema: {
        tags: ['alerts'],
        summary: 'Per camera or sensor and rule: alerts resolved in the last `days` and the false alarms among them, by hour of the day (city time)',
        querystring: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }),
        response: { 200: z.object({ days: z.number().int(), timeZone: z.string(), rows: z.array(alertPrecisionRowSchema) }) },
      },
    },
    async (request) => ({ days: request.query.days, timeZone: config.CITY_TIME_ZONE, rows: await alertPrecision(db, request.query.days, config.CITY_TIME_ZONE) }),
  );

  app.post(
    '/api/alerts/:id/assign',
    {
      config: { roles: CAN_OPERATE },
      schema: {
        tags: ['alerts'],
        summary: 'Assign (or reassign) the alert to a field team',
        params: alertIdParams,
        headers: idempotencyHeaders,
        body: noteBody(config.ALERT_NOTE_MAX_CHARS).extend({ teamId: z.number().int().positive() }),
        response: { 200: z.object({ event: alertEventSchema }) },
      },
    },
    async (request, reply) =>
      answer(
        reply,
        await actOnAlert(actionDeps, { alertId: request.params.id, action: 'assign', user: request.user!, actor: request.actor, note: request.body.note, teamId: request.body.teamId, idempotency: idempotentRequest(request) }),
      ),
  );

  app.post(
    '/api/alerts/:id/notes',
    {
      config: { roles: FIELD_WORK },
      schema: {
        tags: ['alerts'],
        summary: 'Add a note',
        params: alertIdParams,
        headers: idempotencyHeaders,
        body: z.object({ note: z.string().trim().min(1).max(config.ALERT_NOTE_MAX_CHARS, `at most ${config.ALERT_NOTE_MAX_CHARS} characters`) }),
        response: { 200: z.object({ event: alertEventSchema }) },
      },
    },
    async (request, reply) =>
      answer(reply, await actOnAlert(actionDeps, { alertId: request.params.id, action: 'note', user: request.user!, actor: request.actor, note: request.body.note, idempotency: idempotentRequest(request) })),
  );

  app.post(
    '/api/alerts/:id/photos',
    {
      config: { roles: FIELD_WORK },
      schema: {
        tags: ['alerts'],
        summary: 'Attach a photo (multipart/form-data: a `photo` file, JPEG, PNG or WebP, and an optional `note` field)',
        params: alertIdParams,
        headers: idempotencyHeaders,
        response: { 200: z.object({ event: alertEventSchema }) },
      },
    },
    async (request, reply) => {
      // Visibility first: a field user learns nothing about another team's alert from an upload.
      await visibleAlert(request, request.params.id);
      const { photo, note } = await readPhotoUpload(request, { maxBytes: config.ALERT_PHOTO_MAX_BYTES, noteMaxChars: config.ALERT_NOTE_MAX_CHARS, to: 'alert', required: true });
      return answer(reply, await actOnAlert(actionDeps, { alertId: request.params.id, action: 'photo', user: request.user!, actor: request.actor, note, photo, idempotency: idempotentRequest(request, { note, photo }) }));
    },
  );

  // ---- images ----
  app.get(
    '/api/alerts/:id/snapshot',
    {
      config: { roles: ANY_ROLE },
      schema: { tags: ['alerts'], summary: 'The producer\'s snapshot image (JPEG), for whoever may see the alert\'s evidence', params: alertIdParams },
    },
    async (request, reply) => {
      // Evidence, so wider than the desk routes: a field team sent to an incident holding the alert sees it too.
      await assertCanSeeEvidence(db, await scopeOf(request), await getAlert(db, request.params.id));
      const image = await getAlertImage(db, request.params.id, 'snapshot');
      return reply.type(image.contentType).header('cache-control', 'private, max-age=60').send(image.bytes);
    },
  );

  app.get(
    '/api/alerts/:id/photos/:photoId',
    { config: { roles: ANY_ROLE }, schema: { tags: ['alerts'], summary: 'A field photo', params: alertIdParams.extend({ photoId: z.coerce.number().int().positive() }) } },
    async (request, reply) => {
      await visibleAlert(request, request.params.id);
      const image = await getAlertImage(db, request.params.id, 'photo', request.params.photoId);
      return reply.type(image.contentType).header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(image.bytes);
    },
  );

  // ---- interoperability ----
  app.get(
    '/api/alerts/:id/cap',
    { config: { roles: ANY_ROLE }, schema: { tags: ['alerts'], summary: 'The alert as an OASIS CAP 1.2 message', params: alertIdParams } },
    async (request, reply) => {
      const alert = await visibleAlert(request, request.params.id);
      const xml = alertToCap(alert, {
        sender: config.CAP_SENDER,
        ...(await getCapFacts(db, alert)),
        web: config.PUBLIC_URL ? `${config.PUBLIC_URL.replace(/\/$/, '')}/alerts/${alert.id}` : undefined,
      });
      return reply.type('application/cap+xml; charset=utf-8').send(xml);
    },
  );
};
