// Log in, log out, who am I, change password.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { AppError } from '@cityops/core/errors';
import { ANY_ROLE } from '@cityops/core/auth/roles';
import { passwordNeedsRehash, verifyPassword } from '@cityops/core/auth/passwords';
import { openSession, deleteOtherSessionsOfUser, deleteSession, SESSION_COOKIE, sessionRoom } from '@cityops/core/auth/sessions';
import { findUserByUsername, setPassword, upgradePasswordHash } from '@cityops/core/auth/users';
import { recordFailure, releaseLoginAttempt, reserveLoginAttempt } from '@cityops/core/auth/login-limiter';
import { withTransaction } from '@cityops/core/database/pool';
import { createLivePublisher } from '@cityops/core/live/publisher';
import type { FastifyRequest } from 'fastify';
import type { ApiContext } from './context.ts';

const TOO_MANY = () => new AppError(429, 'too_many_attempts', 'too many failed attempts; wait a minute and try again');

/**
 * Session cookies are Secure when the browser reached us over HTTPS: TLS here, or a proxy that TRUST_PROXY
 * names saying so in X-Forwarded-Proto (request.protocol believes the header only from such a proxy).
 */
export const sessionCookieOptions = (request: FastifyRequest) =>
  ({ path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' }) as const;

export const userSchema = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(['admin', 'engineer', 'operator', 'field', 'viewer']),
  mustChangePassword: z.boolean(),
  language: z.enum(['vi', 'en']),
  totpEnabled: z.boolean().optional(),
  teamIds: z.array(z.number()).optional(),
});

export const authRoutes: FastifyPluginAsync<ApiContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const live = createLivePublisher(context.db);

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
      const attempt = await reserveLoginAttempt(context.db, username, request.ip, context.config.LOGIN_MAX_ATTEMPTS_PER_MINUTE);
      if (attempt.throttled) {
        await recordAudit(context.db, { username, sourceAddress: request.ip }, { action: 'login_throttled', entityType: 'session', details: { limit: attempt.limit } });
        throw TOO_MANY();
      }
      const user = await findUserByUsername(context.db, username);
      const valid = user && !user.disabled && (await verifyPassword(password, user.passwordHash));
      if (!user || !valid) {
        await recordFailure(context.db, user ? 'wrong_password' : 'unknown_user');
        await recordAudit(context.db, { username, sourceAddress: request.ip }, { action: 'login_failed', entityType: 'session' });
        throw new AppError(401, 'invalid_credentials', 'wrong username or password');
      }
      await releaseLoginAttempt(context.db, attempt.id);
      const actor = { userId: user.id, username: user.username, sourceAddress: request.ip };
      // A hash made at older scrypt parameters is replaced now that the password is known to be right.
      if (passwordNeedsRehash(user.passwordHash) && (await upgradePasswordHash(context.db, user.id, user.passwordHash, password))) {
        await recordAudit(context.db, actor, { action: 'password_rehashed', entityType: 'user', entityId: String(user.id) });
      }
      const session = await openSession(context.db, user.id, request.ip);
      await recordAudit(context.db, actor, { action: 'login', entityType: 'session', entityId: String(session.id) });
      reply.setCookie(SESSION_COOKIE, session.token, sessionCookieOptions(request));
      const { passwordHash: _hash, ...publicUser } = user;
      return { user: publicUser };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { roles: ANY_ROLE, allowPasswordChangePending: true }, schema: { tags: ['auth'], summary: 'End the session' } },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      await withTransaction(context.db, async (tx) => {
        const sessionId = token ? await deleteSession(tx, token) : undefined;
        // This session's open sockets close too (on every API process); the user's other sessions stay.
        if (sessionId !== undefined) await live.disconnectSockets([sessionRoom(sessionId)], tx);
        await recordAudit(tx, request.actor, { action: 'logout', entityType: 'session', entityId: sessionId === undefined ? undefined : String(sessionId) });
      });
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
      const attempt = await reserveLoginAttempt(context.db, request.user!.username, request.ip, context.config.LOGIN_MAX_ATTEMPTS_PER_MINUTE);
      if (attempt.throttled) throw TOO_MANY();
      const user = await findUserByUsername(context.db, request.user!.username);
      if (!user || !(await verifyPassword(request.body.currentPassword, user.passwordHash))) {
        await recordFailure(context.db, 'wrong_password');
        await recordAudit(context.db, request.actor, { action: 'password_change_failed', entityType: 'user', entityId: String(request.user!.id) });
        throw new AppError(401, 'invalid_credentials', 'current password is wrong', 'currentPassword');
      }
      await releaseLoginAttempt(context.db, attempt.id);
      await withTransaction(context.db, async (tx) => {
        await setPassword(tx, user.id, request.body.newPassword);
        // Whoever else holds a session of this user (a stolen cookie, a forgotten wall display) is out, with their sockets.
        const ended = await deleteOtherSessionsOfUser(tx, user.id, request.session!.id);
        if (ended.length) await live.disconnectSockets(ended.map(sessionRoom), tx);
        await recordAudit(tx, request.actor, { action: 'password_changed', entityType: 'user', entityId: String(user.id), details: { otherSessionsEnded: ended.length } });
      });
      return { ok: true };
    },
  );
};
