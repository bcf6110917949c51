// User administration and the audit log (admins only).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { queryAudit, recordAudit } from '@cityops/core/audit';
import { ADMIN_ONLY, USER_ROLES } from '@cityops/core/auth/roles';
import { createUser, listUsers } from '@cityops/core/auth/users';
import { withTransaction } from '@cityops/core/database/pool';
import type { ApiContext } from './context.ts';
import { userSchema } from './auth-routes.ts';

export const userRoutes: FastifyPluginAsync<ApiContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/users',
    { config: { roles: ADMIN_ONLY }, schema: { tags: ['users'], response: { 200: z.object({ users: z.array(userSchema) }) } } },
    async () => ({ users: await listUsers(context.db) }),
  );

  app.post(
    '/api/users',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['users'],
        summary: 'Create a user; they must change the given password at first login',
        body: z.object({
          username: z.string().regex(/^[a-z0-9._-]{3,64}$/, '3-64 lowercase letters, digits, . _ -'),
          displayName: z.string().max(200).optional(),
          role: z.enum(USER_ROLES),
          password: z.string().min(10).max(256),
        }),
        response: { 201: z.object({ user: userSchema }) },
      },
    },
    async (request, reply) => {
      const user = await withTransaction(context.db, async (tx) => {
        const created = await createUser(tx, { ...request.body, mustChangePassword: true });
        await recordAudit(tx, request.actor, {
          action: 'create',
          entityType: 'user',
          entityId: String(created.id),
          details: { username: created.username, role: created.role },
        });
        return created;
      });
      return reply.code(201).send({ user });
    },
  );

  app.get(
    '/api/audit',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['audit'],
        summary: 'The append-only audit log, newest first',
        querystring: z.object({
          entityType: z.string().optional(),
          entityId: z.string().optional(),
          since: z.coerce.date().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
    },
    async (request) => ({ entries: await queryAudit(context.db, request.query) }),
  );
};
