// User administration and the audit log (admins only).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { generateOneTimePassword } from '@cityops/core/auth/passwords';
import { ADMIN_ONLY, USER_ROLES } from '@cityops/contract/roles';
import { deleteSessionsOfUser } from '@cityops/core/auth/sessions';
import { clearTotp, createUser, findUserById, listUsersForAdmin, setOneTimePassword, updateUser } from '@cityops/core/auth/users';
import { withTransaction } from '@cityops/core/database/pool';
import { createLivePublisher } from '@cityops/core/live/publisher';
import { liveRooms } from '@cityops/core/live/rooms';
import { AppError, notFound } from '@cityops/core/errors';
import type { RouteContext } from '@cityops/core/http/route-context';
import { userSchema } from './auth-routes.ts';

const adminUserSchema = userSchema.extend({ disabled: z.boolean(), totpEnabled: z.boolean(), createdAt: z.date(), lastLoginAt: z.date().nullable() });
const userParams = z.object({ id: z.coerce.number().int().positive() });
/** Shown to the admin once, in the answer that created it; only its hash is stored. */
const oneTimePasswordSchema = z.string().describe('One-time password, shown once; the user must change it at first login');

export const userRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const live = createLivePublisher(context.db);
  /** Ends a user's access now: their sessions, and their open sockets (which reconnect only if still allowed). */
  const endAccess = async (tx: Parameters<typeof deleteSessionsOfUser>[0], userId: number) => {
    await deleteSessionsOfUser(tx, userId);
    await live.disconnectSockets([liveRooms.user(userId)], tx);
  };

  app.get(
    '/api/users',
    {
      config: { roles: ADMIN_ONLY },
      schema: { tags: ['users'], summary: 'Every user with role, state and last login', response: { 200: z.object({ users: z.array(adminUserSchema) }) } },
    },
    async () => ({ users: await listUsersForAdmin(context.db) }),
  );

  app.post(
    '/api/users',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['users'],
        summary: 'Create a user; they must change their password at first login. Without a password, a one-time one is generated and returned once.',
        body: z.object({
          username: z.string().regex(/^[a-z0-9._-]{3,64}$/, '3-64 lowercase letters, digits, . _ -'),
          displayName: z.string().max(200).optional(),
          role: z.enum(USER_ROLES),
          password: z.string().min(10).max(256).optional(),
        }),
        response: { 201: z.object({ user: userSchema, oneTimePassword: oneTimePasswordSchema.optional() }) },
      },
    },
    async (request, reply) => {
      const oneTimePassword = request.body.password ? undefined : generateOneTimePassword();
      const user = await withTransaction(context.db, async (tx) => {
        const created = await createUser(tx, { ...request.body, password: request.body.password ?? oneTimePassword!, mustChangePassword: true });
        await recordAudit(tx, request.actor, {
          action: 'create',
          entityType: 'user',
          entityId: String(created.id),
          details: { username: created.username, role: created.role },
        });
        return created;
      });
      return reply.code(201).send({ user, ...(oneTimePassword ? { oneTimePassword } : {}) });
    },
  );

  app.patch(
    '/api/users/:id',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['users'],
        summary: 'Change a user\'s role, display name, or disable / re-enable them (disabling ends their sessions)',
        params: userParams,
        body: z.object({ role: z.enum(USER_ROLES).optional(), displayName: z.string().trim().min(1).max(200).optional(), disabled: z.boolean().optional() }),
        response: { 200: z.object({ user: userSchema.extend({ disabled: z.boolean() }) }) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const changes = request.body;
      // An admin who demotes or disables themselves could leave nobody able to undo it.
      if (id === request.user!.id && ((changes.role && changes.role !== 'admin') || changes.disabled)) {
        throw new AppError('self_lockout', 'you cannot remove your own admin role or disable yourself; ask another admin', changes.disabled ? 'disabled' : 'role');
      }
      return withTransaction(context.db, async (tx) => {
        const before = await findUserById(tx, id);
        if (!before) throw notFound('user', id);
        const user = (await updateUser(tx, id, changes))!;
        if (changes.disabled) await endAccess(tx, id);
        // The socket's rooms were chosen by role at connection: reconnecting puts it in the new role's.
        else if (changes.role && changes.role !== before.role) await live.disconnectSockets([liveRooms.user(id)], tx);
        await recordAudit(tx, request.actor, {
          action: changes.disabled === true ? 'disable' : changes.disabled === false && before.disabled ? 'enable' : 'update',
          entityType: 'user',
          entityId: String(id),
          details: { username: user.username, ...(changes.role && changes.role !== before.role ? { role: { from: before.role, to: changes.role } } : {}), fields: Object.keys(changes) },
        });
        return { user };
      });
    },
  );

  app.post(
    '/api/users/:id/password-reset',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['users'],
        summary: 'Give a user a new one-time password (returned once); their sessions end and they must change it at next login',
        params: userParams,
        response: { 200: z.object({ oneTimePassword: oneTimePasswordSchema }) },
      },
    },
    async (request) => {
      const oneTimePassword = generateOneTimePassword();
      await withTransaction(context.db, async (tx) => {
        const user = await findUserById(tx, request.params.id);
        if (!user) throw notFound('user', request.params.id);
        await setOneTimePassword(tx, user.id, oneTimePassword);
        await endAccess(tx, user.id);
        await recordAudit(tx, request.actor, { action: 'password_reset', entityType: 'user', entityId: String(user.id), details: { username: user.username } });
      });
      return { oneTimePassword };
    },
  );

  app.post(
    '/api/users/:id/totp-reset',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['users'],
        summary: 'Remove a user\'s authenticator (a lost phone); their sessions end, and with REQUIRE_2FA they enrol again at next login',
        params: userParams,
        response: { 200: z.object({ ok: z.boolean() }) },
      },
    },
    async (request) => {
      await withTransaction(context.db, async (tx) => {
        const user = await findUserById(tx, request.params.id);
        if (!user) throw notFound('user', request.params.id);
        await clearTotp(tx, user.id);
        await endAccess(tx, user.id);
        await recordAudit(tx, request.actor, { action: 'totp_reset', entityType: 'user', entityId: String(user.id), details: { username: user.username } });
      });
      return { ok: true };
    },
  );
};
