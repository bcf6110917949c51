// REST routes of incidents, hotline calls and the link rules (README.md in this folder lists them).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { withTransaction } from '@cityops/core/database/pool';
import type { RouteContext } from '@cityops/core/http/route-context';
import { createLivePublisher } from '@cityops/core/live/publisher';
import { alertViewSchema, incidentViewSchema } from '@cityops/contract/socket-schemas';
import { ANY_ROLE, CAN_ENGINEER, CAN_OPERATE, CAN_VIEW, FIELD_WORK } from '@cityops/contract/roles';
import { forbidden } from '@cityops/core/errors';
import { assignmentMessageSchema, assignmentViewSchema, escalationNoticeSchema } from '@cityops/contract/socket-schemas';
import type { OpenEscalations } from '@cityops/contract/incidents';
import { getAlert } from '../alerts/repository.ts';
import { logCall } from './hotline.ts';
import { answerAssignment, assignedToUser, assignmentsOf, assignTeam, dispatchCandidates } from './dispatch.ts';
import { policyFor } from './dispatch-policies.ts';
import { openEscalations } from './escalation.ts';
import { reportPosition, setOnDuty } from './positions.ts';
import { addNote, addPhoto, changeState, editIncident, linkAlerts, mergeIncidents, openIncident, resolveWithProof, splitIncident } from './lifecycle.ts';
import { incidentPhoto, photosOf } from './photos.ts';
import { incidentCapOf } from './incident-cap.ts';
import { readPhotoUpload } from '../photo-upload.ts';
import { idempotencyHeaders, idempotentRequest, once, replayed } from '../idempotency.ts';
import { deleteLinkRule, getLinkRule, insertLinkRule, listLinkRules, updateLinkRule } from './link-rules.ts';
import { callsOf, getIncident, listIncidents, nearbyActiveIncidents, timelineOf } from './repository.ts';
import {
  assignBody,
  callBody,
  candidateSchema,
  dutyBody,
  policySchema,
  positionBody,
  editBody,
  hotlineCallSchema,
  idParams,
  incidentListQuery,
  linkAlertsBody,
  linkRuleBody,
  linkRuleSchema,
  mergeBody,
  nearbyQuery,
  newIncidentBody,
  noteBody,
  splitBody,
  stateBody,
  timelineEntrySchema,
} from './schemas.ts';

export const incidentRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db } = context;
  const deps = { db, live: createLivePublisher(db) };
  const incidentAnswer = z.object({ incident: incidentViewSchema });
  const tags = ['incidents'];

  app.get(
    '/api/incidents',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'Incidents, newest first, filtered by state, kind and district', querystring: incidentListQuery, response: { 200: z.object({ incidents: z.array(incidentViewSchema), nextBefore: z.number().int().nullable() }) } } },
    async (request) => {
      const query = request.query;
      return listIncidents(db, { states: query.state, kinds: query.kind, districtIds: query.district, before: query.before, limit: query.limit });
    },
  );

  app.get(
    '/api/incidents/nearby',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags,
        summary: 'Active incidents near a place, nearest first (the hotline form shows them so a second call joins the first)',
        querystring: nearbyQuery,
        response: { 200: z.object({ incidents: z.array(z.object({ incident: incidentViewSchema, distanceM: z.number().nullable() })) }) },
      },
    },
    async (request) => {
      const { lat, lon, districtId, radiusM } = request.query;
      return { incidents: await nearbyActiveIncidents(db, { lat: lat ?? null, lon: lon ?? null, districtId: districtId ?? null }, radiusM) };
    },
  );

  app.get(
    '/api/incidents/escalations',
    {
      config: { roles: ANY_ROLE },
      schema: {
        tags,
        summary: 'Escalations still needing the supervisors (the late assignment is still active and unanswered, or no team was sent after a deleted one), one per incident; field users: their teams\' only',
        response: { 200: z.object({ escalations: z.array(escalationNoticeSchema) }) },
      },
    },
    async (request): Promise<OpenEscalations> => ({ escalations: await openEscalations(db, request.user!) }),
  );

  app.get(
    '/api/incidents/:id',
    {
      config: { roles: ANY_ROLE },
      schema: {
        tags,
        summary: 'One incident with its timeline, its alerts and its hotline calls',
        params: idParams,
        response: {
          200: z.object({
            incident: incidentViewSchema,
            timeline: z.array(timelineEntrySchema),
            alerts: z.array(alertViewSchema),
            calls: z.array(hotlineCallSchema),
            assignments: z.array(assignmentViewSchema),
            photos: z.array(z.object({ id: z.number().int(), at: z.string(), username: z.string(), contentType: z.string(), width: z.number(), height: z.number() })),
          }),
        },
      },
    },
    async (request) => {
      const incident = await getIncident(db, request.params.id);
      // A field user sees the incidents their team is assigned to, nothing else.
      if (request.user!.role === 'field' && !(await assignedToUser(db, request.user!.id)).some((item) => item.incident.id === incident.id)) {
        throw forbidden(`incident ${incident.id} is not assigned to your team`);
      }
      const alerts = [];
      for (const alertId of incident.alertIds) alerts.push(await getAlert(db, alertId));
      return {
        incident,
        timeline: await timelineOf(db, incident.id),
        alerts,
        calls: await callsOf(db, incident.id),
        assignments: await assignmentsOf(db, incident.id),
        photos: await photosOf(db, incident.id),
      };
    },
  );

  app.post(
    '/api/incidents',
    { config: { roles: CAN_OPERATE }, schema: { tags, summary: 'Open an incident by hand (with alerts that belong to it, if any)', headers: idempotencyHeaders, body: newIncidentBody, response: { 201: incidentAnswer } } },
    async (request, reply) => reply.code(201).send({ incident: replayed(reply, await openIncident(deps, request.actor, request.body, idempotentRequest(request))) }),
  );

  app.patch(
    '/api/incidents/:id',
    { config: { roles: CAN_OPERATE }, schema: { tags, summary: 'Correct kind, severity, title or place (a kind set by a person is never relabelled by a rule)', params: idParams, headers: idempotencyHeaders, body: editBody, response: { 200: incidentAnswer } } },
    async (request, reply) => ({ incident: replayed(reply, await editIncident(deps, request.actor, request.params.id, request.body, idempotentRequest(request))) }),
  );

  app.post(
    '/api/incidents/:id/state',
    { config: { roles: CAN_OPERATE }, schema: { tags, summary: 'Move the incident on: dispatched, on_scene, resolved, closed, or open again (with a reason)', params: idParams, headers: idempotencyHeaders, body: stateBody, response: { 200: incidentAnswer } } },
    async (request, reply) => ({ incident: replayed(reply, await changeState(deps, request.actor, request.params.id, request.body.state, request.body.note, idempotentRequest(request))) }),
  );

  app.post(
    '/api/incidents/:id/notes',
    { config: { roles: CAN_OPERATE }, schema: { tags, summary: 'Add a note to the timeline', params: idParams, headers: idempotencyHeaders, body: noteBody, response: { 200: incidentAnswer } } },
    async (request, reply) => ({ incident: replayed(reply, await addNote(deps, request.actor, request.params.id, request.body.note, idempotentRequest(request))) }),
  );

  app.post(
    '/api/incidents/:id/alerts',
    { config: { roles: CAN_OPERATE }, schema: { tags, summary: 'Link alerts to the incident by hand', params: idParams, headers: idempotencyHeaders, body: linkAlertsBody, response: { 200: incidentAnswer } } },
    async (request, reply) => ({ incident: replayed(reply, await linkAlerts(deps, request.actor, request.params.id, request.body.alertIds, idempotentRequest(request))) }),
  );

  app.post(
    '/api/incidents/:id/merge',
    { config: { roles: CAN_OPERATE }, schema: { tags, summary: 'Merge other incidents into this one (they close, pointing here; their alerts and calls move here)', params: idParams, headers: idempotencyHeaders, body: mergeBody, response: { 200: incidentAnswer } } },
    async (request, reply) => ({ incident: replayed(reply, await mergeIncidents(deps, request.actor, request.params.id, request.body.incidentIds, request.body.note, idempotentRequest(request))) }),
  );

  app.post(
    '/api/incidents/:id/split',
    {
      config: { roles: CAN_OPERATE },
      schema: { tags, summary: 'Split alerts and calls off into a new incident', params: idParams, headers: idempotencyHeaders, body: splitBody, response: { 201: z.object({ from: incidentViewSchema, created: incidentViewSchema }) } },
    },
    async (request, reply) => reply.code(201).send(replayed(reply, await splitIncident(deps, request.actor, request.params.id, request.body, idempotentRequest(request)))),
  );

  app.post(
    '/api/hotline/calls',
    {
      config: { roles: CAN_OPERATE },
      schema: {
        tags,
        summary: 'Log a phone call (113, 114, 115, 1022): opens an incident, or joins the one named by incidentId',
        headers: idempotencyHeaders,
        body: callBody,
        response: { 201: z.object({ call: hotlineCallSchema, incident: incidentViewSchema, joined: z.boolean() }) },
      },
    },
    async (request, reply) => reply.code(201).send(replayed(reply, await logCall(deps, request.actor, request.body, idempotentRequest(request)))),
  );

  // ---- dispatch ----
  app.get(
    '/api/incidents/:id/dispatch',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags,
        summary: 'Assignments so far, the teams that could go (those handling the kind first, then free, then nearest) and the deadlines that would apply',
        params: idParams,
        response: { 200: z.object({ assignments: z.array(assignmentViewSchema), candidates: z.array(candidateSchema), policy: policySchema }) },
      },
    },
    async (request) => {
      const incident = await getIncident(db, request.params.id);
      return { assignments: await assignmentsOf(db, incident.id), candidates: await dispatchCandidates(db, incident.id), policy: await policyFor(db, incident.kind, incident.severity) };
    },
  );

  app.post(
    '/api/incidents/:id/assign',
    {
      config: { roles: CAN_OPERATE },
      schema: { tags, summary: 'Send a team (replace: true to send another team instead of the one assigned)', params: idParams, headers: idempotencyHeaders, body: assignBody, response: { 200: z.object({ assignment: assignmentViewSchema }) } },
    },
    async (request, reply) => ({
      assignment: replayed(reply, await assignTeam(deps, request.actor, request.params.id, request.body.teamId, { replace: request.body.replace, note: request.body.note }, idempotentRequest(request))),
    }),
  );

  for (const answer of ['acknowledge', 'arrive'] as const) {
    app.post(
      `/api/incidents/:id/${answer}`,
      {
        config: { roles: FIELD_WORK },
        schema: { tags, summary: answer === 'acknowledge' ? 'The assigned team has the job (stops the acknowledgement deadline)' : 'The assigned team is on scene', params: idParams, headers: idempotencyHeaders, response: { 200: z.object({ assignment: assignmentViewSchema }) } },
      },
      async (request, reply) => ({ assignment: replayed(reply, await answerAssignment(deps, request.actor, request.user!, request.params.id, answer, idempotentRequest(request))) }),
    );
  }

  app.get(
    '/api/field/incidents',
    { config: { roles: FIELD_WORK }, schema: { tags, summary: 'The incidents assigned to my teams, soonest deadline first', response: { 200: z.object({ assigned: z.array(assignmentMessageSchema) }) } } },
    async (request) => ({ assigned: await assignedToUser(db, request.user!.id) }),
  );

  app.put(
    '/api/field/duty',
    { config: { roles: FIELD_WORK }, schema: { tags, summary: 'Start or end my duty (off duty, my position is forgotten)', headers: idempotencyHeaders, body: dutyBody, response: { 200: z.object({ onDuty: z.boolean() }) } } },
    async (request, reply) =>
      replayed(
        reply,
        await withTransaction(db, (tx) =>
          once(tx, idempotentRequest(request), async () => {
            await setOnDuty(tx, request.user!.id, request.body.onDuty);
            await recordAudit(tx, request.actor, { action: request.body.onDuty ? 'duty_start' : 'duty_end', entityType: 'user', entityId: String(request.user!.id) });
            return { onDuty: request.body.onDuty };
          }),
        ),
      ),
  );

  app.post(
    '/api/field/position',
    { config: { roles: FIELD_WORK }, schema: { tags, summary: 'My phone\'s position while on duty (every 30 s or on movement; late reports from the outbox carry their own time)', headers: idempotencyHeaders, body: positionBody, response: { 200: z.object({ stored: z.boolean(), reason: z.string().optional() }) } } },
    async (request, reply) =>
      replayed(reply, await reportPosition(db, request.user!.id, { lat: request.body.lat, lon: request.body.lon, accuracyM: request.body.accuracyM, measuredAt: request.body.measuredAt ?? new Date() }, idempotentRequest(request))),
  );

  // ---- photos and the team's resolution ----
  const photoLimits = { maxBytes: context.config.ALERT_PHOTO_MAX_BYTES, noteMaxChars: context.config.ALERT_NOTE_MAX_CHARS, to: 'incident' };
  app.post(
    '/api/incidents/:id/photos',
    { config: { roles: FIELD_WORK }, schema: { tags, summary: 'Attach a photo (multipart: a `photo` file, JPEG, PNG or WebP, and an optional `note`)', params: idParams, headers: idempotencyHeaders, response: { 200: incidentAnswer } } },
    async (request, reply) => {
      const { photo, note } = await readPhotoUpload(request, { ...photoLimits, required: true });
      return { incident: replayed(reply, await addPhoto(deps, request.actor, request.user!, request.params.id, photo!, note, idempotentRequest(request, { note, photo }))) };
    },
  );

  app.post(
    '/api/incidents/:id/resolve',
    {
      config: { roles: FIELD_WORK },
      schema: { tags, summary: 'Resolve with what the team brings back (multipart: `note` and a `photo`, which some kinds require as proof of the fix)', params: idParams, headers: idempotencyHeaders, response: { 200: incidentAnswer } },
    },
    async (request, reply) => {
      const proof = request.isMultipart() ? await readPhotoUpload(request, { ...photoLimits, required: false }) : { note: (request.body as { note?: string } | undefined)?.note };
      return { incident: replayed(reply, await resolveWithProof(deps, request.actor, request.user!, request.params.id, proof, idempotentRequest(request, proof))) };
    },
  );

  app.get(
    '/api/incidents/:id/photos/:photoId',
    { config: { roles: ANY_ROLE }, schema: { tags, summary: 'A photo of the incident', params: idParams.extend({ photoId: z.coerce.number().int().positive() }) } },
    async (request, reply) => {
      if (request.user!.role === 'field' && !(await assignedToUser(db, request.user!.id)).some((item) => item.incident.id === request.params.id)) {
        throw forbidden(`incident ${request.params.id} is not assigned to your team`);
      }
      const image = await incidentPhoto(db, request.params.id, request.params.photoId);
      return reply.type(image.contentType).header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(image.bytes);
    },
  );

  // ---- interoperability ----
  app.get(
    '/api/incidents/:id/cap',
    { config: { roles: ANY_ROLE }, schema: { tags, summary: 'The incident as an OASIS CAP 1.2 message (its current version)', params: idParams } },
    async (request, reply) => {
      if (request.user!.role === 'field' && !(await assignedToUser(db, request.user!.id)).some((item) => item.incident.id === request.params.id)) {
        throw forbidden(`incident ${request.params.id} is not assigned to your team`);
      }
      const xml = await incidentCapOf(db, request.params.id, { sender: context.config.CAP_SENDER, publicUrl: context.config.PUBLIC_URL });
      return reply.type('application/cap+xml; charset=utf-8').send(xml);
    },
  );

  // ---- link rules: which alerts belong to one incident ----
  app.get(
    '/api/incident-link-rules',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'The rules that link alerts into incidents, in the order they are tried', response: { 200: z.object({ rules: z.array(linkRuleSchema) }) } } },
    async () => ({ rules: await listLinkRules(db) }),
  );

  app.post(
    '/api/incident-link-rules',
    { config: { roles: CAN_ENGINEER }, schema: { tags, summary: 'Add a link rule', body: linkRuleBody, response: { 201: z.object({ rule: linkRuleSchema }) } } },
    async (request, reply) => {
      const rule = await withTransaction(db, async (tx) => {
        const created = await insertLinkRule(tx, request.body);
        await recordAudit(tx, request.actor, { action: 'create', entityType: 'incident_link_rule', entityId: String(created.id), details: { ...created } });
        return created;
      });
      return reply.code(201).send({ rule });
    },
  );

  app.put(
    '/api/incident-link-rules/:id',
    { config: { roles: CAN_ENGINEER }, schema: { tags, summary: 'Change a link rule (applies to alerts raised from now on)', params: idParams, body: linkRuleBody, response: { 200: z.object({ rule: linkRuleSchema }) } } },
    async (request) => ({
      rule: await withTransaction(db, async (tx) => {
        const before = await getLinkRule(tx, request.params.id);
        const after = await updateLinkRule(tx, request.params.id, request.body);
        await recordAudit(tx, request.actor, { action: 'update', entityType: 'incident_link_rule', entityId: String(after.id), details: { before, after } });
        return after;
      }),
    }),
  );

  app.delete(
    '/api/incident-link-rules/:id',
    { config: { roles: CAN_ENGINEER }, schema: { tags, summary: 'Remove a link rule', params: idParams } },
    async (request, reply) => {
      await withTransaction(db, async (tx) => {
        const before = await getLinkRule(tx, request.params.id);
        await deleteLinkRule(tx, request.params.id);
        await recordAudit(tx, request.actor, { action: 'delete', entityType: 'incident_link_rule', entityId: String(before.id), details: { ...before } });
      });
      return reply.code(204).send();
    },
  );
};
