// Log in, log out, who am I, change password.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { AppError } from '@cityops/core/errors';
import { ANY_ROLE } from '@cityops/contract/roles';
import { passwordNeedsRehash, verifyPassword } from '@cityops/core/auth/passwords';
import { openSession, deleteOtherSessionsOfUser, deleteSession, SESSION_COOKIE, sessionRoom } from '@cityops/core/auth/sessions';
import { findUserById, findUserByUsername, getTotpState, setPassword, setPendingTotpSecret, upgradePasswordHash, useTotpStep } from '@cityops/core/auth/users';
import type { User } from '@cityops/contract/people';
import { matchTotp, newTotpSecret, otpauthUri, base32Encode } from '@cityops/core/auth/totp';
import { CAN_ENGINEER } from '@cityops/contract/roles';
import { recordFailure, releaseLoginAttempt, reserveLoginAttempt } from '@cityops/core/auth/login-limiter';
import { withTransaction } from '@cityops/core/database/pool';
import { createLivePublisher } from '@cityops/core/live/publisher';
import type { FastifyRequest } from 'fastify';
import type { RouteContext } from '@cityops/core/http/route-context';
import { mustEnrolSecondFactor } from './auth-plugin.ts';

const TOO_MANY = () => new AppError('too_many_attempts', 'too many failed attempts; wait a minute and try again');

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
  /** The password was right; the TOTP code is still to come (POST /api/auth/totp/verify). */
  secondFactorPending: z.boolean().optional(),
  /** REQUIRE_2FA: enrol an authenticator (POST /api/auth/totp/enrol, then /confirm) before anything else. */
  totpEnrolmentRequired: z.boolean().optional(),
  teamIds: z.array(z.number()).optional(),
});

export const authRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const live = createLivePublisher(context.db);
  /** The user as the web needs it: with the steps of the login still to do. */
  const userView = (user: User, secondFactorPending = false) => ({
    ...user,
    secondFactorPending,
    totpEnrolmentRequired: mustEnrolSecondFactor(context, user),
  });
  const codeBody = z.object({ code: z.string().regex(/^\d{6}$/, 'the 6 digits of the authenticator app') });

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
        throw new AppError('invalid_credentials', 'wrong username or password');
      }
      await releaseLoginAttempt(context.db, attempt.id);
      const actor = { userId: user.id, username: user.username, sourceAddress: request.ip };
      // A hash made at older scrypt parameters is replaced now that the password is known to be right.
      if (passwordNeedsRehash(user.passwordHash) && (await upgradePasswordHash(context.db, user.id, user.passwordHash, password))) {
        await recordAudit(context.db, actor, { action: 'password_rehashed', entityType: 'user', entityId: String(user.id) });
      }
      const { passwordHash: _hash, ...publicUser } = user;
      // With a second factor, the password opens a session that may only send the code.
      const secondFactorPending = user.totpEnabled;
      const session = await openSession(context.db, user.id, request.ip, { secondFactorPending });
      await recordAudit(context.db, actor, { action: secondFactorPending ? 'login_password_ok' : 'login', entityType: 'session', entityId: String(session.id) });
      reply.setCookie(SESSION_COOKIE, session.token, sessionCookieOptions(request));
      return { user: userView(publicUser, secondFactorPending) };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { roles: ANY_ROLE, allowPasswordChangePending: true, allowSecondFactorPending: true, allowEnrolmentPending: true }, schema: { tags: ['auth'], summary: 'End the session' } },
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
      config: { roles: ANY_ROLE, allowPasswordChangePending: true, allowSecondFactorPending: true, allowEnrolmentPending: true },
      schema: { tags: ['auth'], summary: 'The logged-in user', response: { 200: z.object({ user: userSchema }) } },
    },
    async (request) => ({ user: userView(request.user!, request.session!.secondFactorPending) }),
  );

  app.post(
    '/api/auth/password',
    {
      config: { roles: ANY_ROLE, allowPasswordChangePending: true, allowEnrolmentPending: true },
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
        throw new AppError('invalid_credentials', 'current password is wrong', 'currentPassword');
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

  /**
   * Checks a TOTP code for the logged-in user, throttled like passwords, and marks its time step used
   * (a code is good once, even for two requests racing with it). `enable` turns a pending secret on.
   */
  async function acceptCode(request: FastifyRequest, code: string, enable: boolean): Promise<boolean> {
    const user = request.user!;
    const attempt = await reserveLoginAttempt(context.db, user.username, request.ip, context.config.LOGIN_MAX_ATTEMPTS_PER_MINUTE);
    if (attempt.throttled) {
      await recordAudit(context.db, request.actor, { action: 'second_factor_throttled', entityType: 'user', entityId: String(user.id) });
      throw TOO_MANY();
    }
    const state = await getTotpState(context.db, user.id);
    const secret = state.secretEncrypted ? Buffer.from(context.secretBox.decrypt(state.secretEncrypted), 'base64') : undefined;
    const step = secret ? matchTotp(secret, code, Date.now(), state.lastStep) : undefined;
    if (step === undefined || !(await useTotpStep(context.db, user.id, step, enable))) {
      await recordFailure(context.db, 'wrong_code');
      await recordAudit(context.db, request.actor, { action: 'second_factor_failed', entityType: 'user', entityId: String(user.id) });
      return false;
    }
    await releaseLoginAttempt(context.db, attempt.id);
    return true;
  }

  app.post(
    '/api/auth/totp/verify',
    {
      // Any role: whoever has an authenticator is asked for its code, an engineer since made operator too.
      config: { roles: ANY_ROLE, allowSecondFactorPending: true, allowPasswordChangePending: true, allowEnrolmentPending: true },
      schema: { tags: ['auth'], summary: 'Second step of a login: the code of the authenticator app', body: codeBody, response: { 200: z.object({ user: userSchema }) } },
    },
    async (request, reply) => {
      if (!request.session!.secondFactorPending) throw new AppError('not_pending', 'this session needs no code');
      if (!(await acceptCode(request, request.body.code, false))) throw new AppError('invalid_code', 'wrong or already used code', 'code');
      // A new session token once fully authenticated (ASVS 3.2.1): the pending one is gone.
      const session = await withTransaction(context.db, async (tx) => {
        await deleteSession(tx, request.cookies[SESSION_COOKIE]!);
        const opened = await openSession(tx, request.user!.id, request.ip);
        await recordAudit(tx, request.actor, { action: 'login', entityType: 'session', entityId: String(opened.id), details: { secondFactor: 'totp' } });
        return opened;
      });
      reply.setCookie(SESSION_COOKIE, session.token, sessionCookieOptions(request));
      return { user: userView(request.user!) };
    },
  );

  app.post(
    '/api/auth/totp/enrol',
    {
      config: { roles: CAN_ENGINEER, allowEnrolmentPending: true },
      schema: {
        tags: ['auth'],
        summary: 'Start enrolling an authenticator app: a new secret, shown once; confirm it with a first code',
        response: { 200: z.object({ secret: z.string(), otpauthUri: z.string() }) },
      },
    },
    async (request) => {
      const user = request.user!;
      const secret = newTotpSecret();
      const stored = await withTransaction(context.db, async (tx) => {
        if (!(await setPendingTotpSecret(tx, user.id, context.secretBox.encrypt(secret.toString('base64'))))) return false;
        await recordAudit(tx, request.actor, { action: 'totp_enrolment_started', entityType: 'user', entityId: String(user.id) });
        return true;
      });
      if (!stored) throw new AppError('totp_already_enabled', 'an authenticator is already set up; an admin can reset it');
      return { secret: base32Encode(secret), otpauthUri: otpauthUri(secret, user.username) };
    },
  );

  app.post(
    '/api/auth/totp/confirm',
    {
      config: { roles: CAN_ENGINEER, allowEnrolmentPending: true },
      schema: { tags: ['auth'], summary: 'Finish enrolling: the first code of the authenticator app turns the second factor on', body: codeBody, response: { 200: z.object({ user: userSchema }) } },
    },
    async (request) => {
      const state = await getTotpState(context.db, request.user!.id);
      if (state.enabled) throw new AppError('totp_already_enabled', 'an authenticator is already set up');
      if (!state.secretEncrypted) throw new AppError('totp_not_started', 'start the enrolment first');
      if (!(await acceptCode(request, request.body.code, true))) throw new AppError('invalid_code', 'wrong or already used code', 'code');
      await recordAudit(context.db, request.actor, { action: 'totp_enabled', entityType: 'user', entityId: String(request.user!.id) });
      return { user: userView((await findUserById(context.db, request.user!.id))!) };
    },
  );
};
