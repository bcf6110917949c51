// Log in, log out, who am I, change password.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { AppError } from '@cityops/core/errors';
import { ANY_ROLE } from '@cityops/core/auth/roles';
import { verifyPassword } from '@cityops/core/auth/passwords';
import { createSession, deleteSession, SESSION_COOKIE } from '@cityops/core/auth/sessions';
import { findUserByUsername, setPassword } from '@cityops/core/auth/users';
import { isLoginThrottled, recordFailure } from '@cityops/core/auth/login-limiter';
import type { ApiContext } from './context.ts';

export const userSchema = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(['admin', 'engineer', 'operator', 'field', 'viewer']),
  mustChangePassword: z.boolean(),
  language: z.enum(['vi', 'en']),
  teamIds: z.array(z.number()).optional(),
});

export const authRoutes: FastifyPluginAsync<ApiContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Log in; sets an httpOnly session cookie',
        body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
        response: { 200: z.object({ user: userSchema }) },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const limit = context.config.LOGIN_MAX_ATTEMPTS_PER_MINUTE;
      if (await isLoginThrottled(context.db, username, request.ip, limit)) {
        throw new AppError(429, 'too_many_attempts', `too many failed logins; wait a minute and try again`);
      }
      const user = await findUserByUsername(context.db, username);
      const valid = user && !user.disabled && (await verifyPassword(password, user.passwordHash));
      if (!user || !valid) {
        await recordFailure(context.db, username, request.ip, user ? 'wrong_password' : 'unknown_user');
        await recordAudit(context.db, { username, sourceAddress: request.ip }, { action: 'login_failed', entityType: 'session' });
        throw new AppError(401, 'invalid_credentials', 'wrong username or password');
      }
      const token = await createSession(context.db, user.id, request.ip);
      await recordAudit(context.db, { userId: user.id, username: user.username, sourceAddress: request.ip }, { action: 'login', entityType: 'session' });
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
      });
      const { passwordHash: _hash, ...publicUser } = user;
      return { user: publicUser };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { roles: ANY_ROLE, allowPasswordChangePending: true }, schema: { tags: ['auth'], summary: 'End the session' } },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await deleteSession(context.db, token);
      await recordAudit(context.db, request.actor, { action: 'logout', entityType: 'session' });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { roles: ANY_ROLE, allowPasswordChangePending: true },
      schema: { tags: ['auth'], summary: 'The logged-in user', response: { 200: z.object({ user: userSchema }) } },
    },
    async (request) => ({ user: request.user! }),
  );

  app.post(
    '/api/auth/password',
    {
      config: { roles: ANY_ROLE, allowPasswordChangePending: true },
      schema: {
        tags: ['auth'],
        summary: 'Change my password (required after a one-time password)',
        body: z.object({ currentPassword: z.string().min(1), newPassword: z.string().min(10).max(256) }),
      },
    },
    async (request) => {
      const user = await findUserByUsername(context.db, request.user!.username);
      if (!user || !(await verifyPassword(request.body.currentPassword, user.passwordHash))) {
        await recordFailure(context.db, request.user!.username, request.ip, 'wrong_password');
        throw new AppError(401, 'invalid_credentials', 'current password is wrong', 'currentPassword');
      }
      await setPassword(context.db, user.id, request.body.newPassword);
      await recordAudit(context.db, request.actor, { action: 'password_changed', entityType: 'user', entityId: String(user.id) });
      return { ok: true };
    },
  );
};
