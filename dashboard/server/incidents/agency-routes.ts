// REST routes of the agency registry, the routing proposals for an incident and its handoffs.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { withTransaction } from '@cityops/core/database/pool';
import type { RouteContext } from '@cityops/core/http/route-context';
import { createLivePublisher } from '@cityops/core/live/publisher';
import { ADMIN_ONLY, CAN_OPERATE, CAN_VIEW } from '@cityops/contract/roles';
import { INCIDENT_KINDS } from '@cityops/contract/incidents';
import { AGENCY_DELIVERIES, AGENCY_KINDS, deleteAgency, getAgency, listAgencies, routingProposals, saveAgency, setTeamAgency } from './agencies.ts';
import { acknowledgeHandoff, handOff, handoffsOf } from './handoffs.ts';
import { getIncident } from './repository.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });

const agencySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: z.enum(AGENCY_KINDS),
  districtIds: z.array(z.string()),
  incidentKinds: z.array(z.enum(INCIDENT_KINDS)),
  delivery: z.enum(AGENCY_DELIVERIES),
  webhookHost: z.string().nullable().describe('only the host: the URL is kept encrypted and never sent back'),
  mqttTopic: z.string().nullable(),
  phone: z.string().nullable(),
  enabled: z.boolean(),
  teamIds: z.array(z.number().int()),
});

const agencyBody = z
  .object({
    name: z.string().trim().min(1).max(150),
    kind: z.enum(AGENCY_KINDS),
    districtIds: z.array(z.string().regex(/^[a-z0-9-]{1,64}$/)).max(200).default([]).describe('empty: the whole city'),
    incidentKinds: z.array(z.enum(INCIDENT_KINDS)).default([]).describe('empty: every kind'),
    delivery: z.enum(AGENCY_DELIVERIES).describe('team: its field teams in CityOps; webhook: a JSON POST; mqtt: a QoS 1 message; cap: a CAP 1.2 XML POST'),
    webhookUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).max(2000).optional().describe('webhook and cap: the URL POSTed to, kept encrypted; leave out to keep the stored one'),
    mqttTopic: z.string().trim().min(1).max(200).regex(/^[^#+]+$/, 'a topic without wildcards (# or +)').nullable().optional(),
    phone: z.string().trim().max(40).nullable().optional(),
    enabled: z.boolean().default(true),
  })
  .refine((body) => body.delivery !== 'mqtt' || body.mqttTopic, { message: 'an MQTT agency needs its topic', path: ['mqttTopic'] });

const handoffSchema = z.object({
  id: z.number().int(),
  incidentId: z.number().int(),
  agencyId: z.number().int().nullable(),
  agencyName: z.string(),
  delivery: z.string(),
  at: z.string(),
  by: z.string(),
  attempts: z.number().int(),
  deliveredAt: z.string().nullable(),
  lastError: z.string().nullable(),
  gaveUpAt: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
});

export const agencyRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db, secretBox } = context;
  const deps = { db, live: createLivePublisher(db), secretBox };
  const tags = ['incidents'];

  app.get(
    '/api/agencies',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'Responding agencies: districts, kinds, how they receive work', response: { 200: z.object({ agencies: z.array(agencySchema) }) } } },
    async () => ({ agencies: await listAgencies(db, secretBox) }),
  );

  app.post(
    '/api/agencies',
    { config: { roles: ADMIN_ONLY }, schema: { tags, summary: 'Register an agency', body: agencyBody, response: { 201: z.object({ agency: agencySchema }) } } },
    async (request, reply) => {
      const agency = await withTransaction(db, async (tx) => {
        const saved = await saveAgency(tx, secretBox, request.body);
        await recordAudit(tx, request.actor, { action: 'create', entityType: 'agency', entityId: String(saved.id), details: { ...saved, webhookUrlSet: Boolean(request.body.webhookUrl) } });
        return saved;
      });
      return reply.code(201).send({ agency });
    },
  );

  app.put(
    '/api/agencies/:id',
    { config: { roles: ADMIN_ONLY }, schema: { tags, summary: 'Change an agency', params: idParams, body: agencyBody, response: { 200: z.object({ agency: agencySchema }) } } },
    async (request) => ({
      agency: await withTransaction(db, async (tx) => {
        const before = await getAgency(tx, secretBox, request.params.id);
        const after = await saveAgency(tx, secretBox, request.body, request.params.id);
        await recordAudit(tx, request.actor, { action: 'update', entityType: 'agency', entityId: String(after.id), details: { before, after, webhookUrlChanged: Boolean(request.body.webhookUrl) } });
        return after;
      }),
    }),
  );

  app.delete(
    '/api/agencies/:id',
    { config: { roles: ADMIN_ONLY }, schema: { tags, summary: 'Remove an agency (its handoffs stay on the timelines)', params: idParams } },
    async (request, reply) => {
      await withTransaction(db, async (tx) => {
        const before = await getAgency(tx, secretBox, request.params.id);
        await deleteAgency(tx, request.params.id);
        await recordAudit(tx, request.actor, { action: 'delete', entityType: 'agency', entityId: String(before.id), details: { name: before.name } });
      });
      return reply.code(204).send();
    },
  );

  app.put(
    '/api/teams/:id/agency',
    { config: { roles: ADMIN_ONLY }, schema: { tags, summary: 'Make a field team one of an agency\'s teams (agencyId null: none)', params: idParams, body: z.object({ agencyId: z.number().int().positive().nullable() }), response: { 200: z.object({ ok: z.boolean() }) } } },
    async (request) => {
      await withTransaction(db, async (tx) => {
        if (request.body.agencyId !== null) await getAgency(tx, secretBox, request.body.agencyId);
        await setTeamAgency(tx, request.params.id, request.body.agencyId);
        await recordAudit(tx, request.actor, { action: 'set_agency', entityType: 'team', entityId: String(request.params.id), details: { agencyId: request.body.agencyId } });
      });
      return { ok: true };
    },
  );

  app.get(
    '/api/incidents/:id/routing',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags,
        summary: 'Who should get this incident (agencies covering its district and handling its kind, most specific first) and its handoffs so far',
        params: idParams,
        response: { 200: z.object({ proposals: z.array(z.object({ agency: agencySchema, coversDistrict: z.boolean(), handlesKind: z.boolean() })), handoffs: z.array(handoffSchema) }) },
      },
    },
    async (request) => {
      const incident = await getIncident(db, request.params.id);
      return { proposals: await routingProposals(db, secretBox, incident), handoffs: await handoffsOf(db, incident.id) };
    },
  );

  app.post(
    '/api/incidents/:id/handoffs',
    { config: { roles: CAN_OPERATE }, schema: { tags, summary: 'Hand the incident to an agency (delivered by its channel; on the timeline)', params: idParams, body: z.object({ agencyId: z.number().int().positive(), note: z.string().trim().max(4000).optional() }), response: { 201: z.object({ handoff: handoffSchema }) } } },
    async (request, reply) => reply.code(201).send({ handoff: await handOff(deps, request.actor, request.params.id, request.body.agencyId, request.body.note) }),
  );

  app.post(
    '/api/incidents/:id/handoffs/:handoffId/acknowledge',
    {
      config: { roles: CAN_OPERATE },
      schema: { tags, summary: 'The agency confirmed it has the incident (who said so)', params: idParams.extend({ handoffId: z.coerce.number().int().positive() }), body: z.object({ by: z.string().trim().min(1, 'who at the agency confirmed it').max(150) }), response: { 200: z.object({ handoff: handoffSchema }) } },
    },
    async (request) => ({ handoff: await acknowledgeHandoff(deps, request.actor, request.params.id, request.params.handoffId, request.body.by) }),
  );
};
