// Field teams and their members (admins manage them; everyone logged in can list them, since
// operators pick a team when assigning). Membership changes reach live sockets at once: the member's
// sockets join or leave the team's rooms and are told to resync what they may see.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AlertsStale, ServerEventName } from '@cityops/contract/socket-events';
import { recordAudit } from '@cityops/core/audit';
import { ADMIN_ONLY, ANY_ROLE } from '@cityops/contract/roles';
import { findUserById } from '@cityops/core/auth/users';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import { badRequest, notFound } from '@cityops/core/errors';
import { createLivePublisher, type LivePublisher } from '@cityops/core/live/publisher';
import { liveRooms } from '@cityops/core/live/rooms';
import type { RouteContext } from '@cityops/core/http/route-context';
import { INCIDENT_KINDS } from '@cityops/contract/incidents';
import { addTeamMember, deleteTeam, getTeam, insertTeam, listTeams, removeTeamMember, teamsOfUser, updateTeam } from './teams.ts';

const teamSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  districtId: z.string().nullable(),
  phone: z.string().nullable(),
  incidentKinds: z.array(z.string()),
  members: z.array(z.object({ userId: z.number().int(), username: z.string(), displayName: z.string(), role: z.string() })),
});
const teamInput = z.object({
  name: z.string().trim().min(1).max(100),
  districtId: z.string().regex(/^[a-z0-9-]{1,64}$/).nullable().optional(),
  phone: z.string().trim().max(40).nullable().optional(),
  incidentKinds: z.array(z.enum(INCIDENT_KINDS)).max(INCIDENT_KINDS.length).optional().describe('incident kinds the team handles; empty: any'),
});
const teamParams = z.object({ id: z.coerce.number().int().positive() });
const memberParams = teamParams.extend({ userId: z.coerce.number().int().positive() });

/**
 * Puts a user's live sockets in exactly the rooms of their current teams (and those teams'
 * districts), leaving `formerRooms` they no longer belong to, and asks them to resync. Sent inside
 * the transaction: the sockets change when the membership does.
 */
export async function refreshMemberRooms(tx: Queryable, live: LivePublisher, userId: number, formerRooms: string[]): Promise<void> {
  const teams = await teamsOfUser(tx, userId);
  const current = teams.flatMap((team) => [liveRooms.team(team.teamId), ...(team.districtId ? [liveRooms.district(team.districtId)] : [])]);
  const stale = formerRooms.filter((room) => !current.includes(room));
  const userRoom = [liveRooms.user(userId)];
  if (stale.length) await live.leaveRooms(userRoom, stale, tx);
  if (current.length) await live.joinRooms(userRoom, current, tx);
  await live.publishIn(tx, userRoom, 'alerts:stale' satisfies ServerEventName, { reason: 'team membership changed' } satisfies AlertsStale);
}

const roomsOfTeam = (team: { id: number; districtId: string | null }) => [liveRooms.team(team.id), ...(team.districtId ? [liveRooms.district(team.districtId)] : [])];

export const teamRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db } = context;
  const live = createLivePublisher(db);

  app.get(
    '/api/teams',
    { config: { roles: ANY_ROLE }, schema: { tags: ['teams'], summary: 'Field teams and their members', response: { 200: z.object({ teams: z.array(teamSchema) }) } } },
    async () => ({ teams: await listTeams(db) }),
  );

  app.get(
    '/api/teams/:id',
    { config: { roles: ANY_ROLE }, schema: { tags: ['teams'], params: teamParams, response: { 200: z.object({ team: teamSchema }) } } },
    async (request) => ({ team: await getTeam(db, request.params.id) }),
  );

  app.post(
    '/api/teams',
    { config: { roles: ADMIN_ONLY }, schema: { tags: ['teams'], summary: 'Create a field team', body: teamInput, response: { 201: z.object({ team: teamSchema }) } } },
    async (request, reply) => {
      const team = await withTransaction(db, async (tx) => {
        const created = await insertTeam(tx, request.body);
        await recordAudit(tx, request.actor, { action: 'create', entityType: 'team', entityId: String(created.id), details: { name: created.name } });
        return created;
      });
      return reply.code(201).send({ team });
    },
  );

  app.patch(
    '/api/teams/:id',
    { config: { roles: ADMIN_ONLY }, schema: { tags: ['teams'], params: teamParams, body: teamInput.partial(), response: { 200: z.object({ team: teamSchema }) } } },
    async (request) =>
      withTransaction(db, async (tx) => {
        const before = await getTeam(tx, request.params.id);
        const team = await updateTeam(tx, request.params.id, request.body);
        await recordAudit(tx, request.actor, { action: 'update', entityType: 'team', entityId: String(team.id), details: { fields: Object.keys(request.body) } });
        if (before.districtId !== team.districtId) {
          for (const member of team.members) await refreshMemberRooms(tx, live, member.userId, roomsOfTeam(before));
        }
        return { team };
      }),
  );

  app.delete(
    '/api/teams/:id',
    { config: { roles: ADMIN_ONLY }, schema: { tags: ['teams'], summary: 'Delete a team; its alerts become unassigned', params: teamParams, response: { 200: z.object({ ok: z.boolean() }) } } },
    async (request) =>
      withTransaction(db, async (tx) => {
        const team = await getTeam(tx, request.params.id);
        await deleteTeam(tx, team.id);
        await recordAudit(tx, request.actor, { action: 'delete', entityType: 'team', entityId: String(team.id), details: { name: team.name } });
        for (const member of team.members) await refreshMemberRooms(tx, live, member.userId, roomsOfTeam(team));
        return { ok: true };
      }),
  );

  app.put(
    '/api/teams/:id/members/:userId',
    { config: { roles: ADMIN_ONLY }, schema: { tags: ['teams'], summary: 'Add a user to the team', params: memberParams, response: { 200: z.object({ team: teamSchema }) } } },
    async (request) =>
      withTransaction(db, async (tx) => {
        const team = await getTeam(tx, request.params.id);
        const user = await findUserById(tx, request.params.userId);
        if (!user) throw notFound('user', request.params.userId);
        if (user.disabled) throw badRequest(`user ${request.params.userId} is disabled`, 'userId', { reason: 'user_disabled', params: { id: request.params.userId } });
        if (await addTeamMember(tx, team.id, request.params.userId)) {
          await recordAudit(tx, request.actor, { action: 'add_member', entityType: 'team', entityId: String(team.id), details: { userId: request.params.userId } });
          await refreshMemberRooms(tx, live, request.params.userId, []);
        }
        return { team: await getTeam(tx, team.id) };
      }),
  );

  app.delete(
    '/api/teams/:id/members/:userId',
    { config: { roles: ADMIN_ONLY }, schema: { tags: ['teams'], summary: 'Remove a user from the team', params: memberParams, response: { 200: z.object({ team: teamSchema }) } } },
    async (request) =>
      withTransaction(db, async (tx) => {
        const team = await getTeam(tx, request.params.id);
        if (!(await removeTeamMember(tx, team.id, request.params.userId))) throw notFound('team_member', request.params.userId, `user ${request.params.userId} in team ${team.id} not found`);
        await recordAudit(tx, request.actor, { action: 'remove_member', entityType: 'team', entityId: String(team.id), details: { userId: request.params.userId } });
        await refreshMemberRooms(tx, live, request.params.userId, roomsOfTeam(team));
        return { team: await getTeam(tx, team.id) };
      }),
  );
};
