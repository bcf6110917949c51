// Authentication and authorisation for every route. A route must declare either
// `config: { roles: [...] }` or `config: { public: true }`; the server refuses to register a route
// that says neither, so no endpoint can be added without a decision about who may call it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '@cityops/core/errors';
import type { Actor } from '@cityops/core/audit';
import { SECOND_FACTOR_ROLES, type UserRole } from '@cityops/contract/roles';
import { resolveSession, SESSION_COOKIE, sessionPolicy, type Session } from '@cityops/core/auth/sessions';
import type { User } from '@cityops/contract/people';
import type { RouteContext } from '@cityops/core/http/route-context';

declare module 'fastify' {
  interface FastifyContextConfig {
    roles?: readonly UserRole[];
    public?: boolean;
    /** Allowed even while the user must still change a one-time password. */
    allowPasswordChangePending?: boolean;
    /** Allowed to a session whose TOTP code is still to come (the code itself, logout, who am I). */
    allowSecondFactorPending?: boolean;
    /** Allowed to an admin or engineer who must enrol a TOTP authenticator first (REQUIRE_2FA). */
    allowEnrolmentPending?: boolean;
  }
  interface FastifyRequest {
    user?: User;
    session?: Session;
    actor: Actor;
  }
}

/** REQUIRE_2FA is on, and this admin or engineer has no confirmed authenticator yet. */
export const mustEnrolSecondFactor = (context: RouteContext, user: User) =>
  context.config.REQUIRE_2FA && SECOND_FACTOR_ROLES.includes(user.role) && !user.totpEnabled;

export function actorOf(request: FastifyRequest): Actor {
  return { userId: request.user?.id, username: request.user?.username ?? 'anonymous', sourceAddress: request.ip };
}

/** Resolves the session cookie of a raw request (also used by the socket.io handshake). */
export async function sessionFromCookieHeader(context: RouteContext, cookieHeader: string | undefined): Promise<Session | undefined> {
  const token = cookieHeader
    ?.split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${SESSION_COOKIE}=`))
    ?.slice(SESSION_COOKIE.length + 1);
  if (!token) return undefined;
  return resolveSession(context.db, decodeURIComponent(token), sessionPolicy(context.config));
}

export interface RouteAccess {
  method: string;
  url: string;
  roles?: readonly UserRole[];
  public: boolean;
}

/** Every route with who may call it, filled as routes register; the role matrix test walks it. */
export const routeAccessTable = new WeakMap<FastifyInstance, RouteAccess[]>();

export const authPlugin = fp(async (app: FastifyInstance, context: RouteContext) => {
  const table: RouteAccess[] = [];
  routeAccessTable.set(app, table);
  app.decorateRequest('user', undefined);
  app.decorateRequest('session', undefined);
  app.decorateRequest('actor', { getter() { return actorOf(this as FastifyRequest); } });

  app.addHook('onRoute', (route) => {
    const config = route.config as { roles?: readonly UserRole[]; public?: boolean } | undefined;
    if (route.method === 'HEAD' || route.url.startsWith('/api/docs')) return;
    // @fastify/static's routes for the built dashboard (config.file/rootPath) are public: the bundle holds no data.
    const staticFile = route.config as { file?: string; rootPath?: string; public?: boolean } | undefined;
    if (staticFile?.file && staticFile.rootPath) staticFile.public = true;
    // A programming error in a route declaration, found at start-up: a plain Error.
    if (!config?.public && !config?.roles?.length) {
      throw new Error(`route ${route.method} ${route.url} declares neither config.roles nor config.public`);
    }
    for (const method of [route.method].flat()) {
      table.push({ method, url: route.url, roles: config?.roles, public: Boolean(config?.public) });
    }
  });

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    if (config?.public || !config?.roles) return;
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await resolveSession(context.db, token, sessionPolicy(context.config)) : undefined;
    if (!session) throw new AppError('unauthenticated', 'log in first (session missing or expired)');
    const user = session.user;
    request.session = session;
    request.user = user;
    if (!config.roles.includes(user.role)) {
      throw new AppError('role_forbidden', `role ${user.role} may not ${request.method} ${request.routeOptions.url}`);
    }
    // A password alone is not a login for a user with a second factor: only the code may follow.
    if (session.secondFactorPending && !config.allowSecondFactorPending) {
      throw new AppError('second_factor_required', 'send the code of your authenticator app first');
    }
    if (user.mustChangePassword && !config.allowPasswordChangePending) {
      throw new AppError('password_change_required', 'change the one-time password first');
    }
    if (mustEnrolSecondFactor(context, user) && !config.allowEnrolmentPending) {
      throw new AppError('second_factor_enrolment_required', 'set up an authenticator app first (required for admins and engineers)');
    }
  });
});
