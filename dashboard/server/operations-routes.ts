// Liveness, readiness and Prometheus metrics.
// /healthz and /readyz are public (orchestrators probe them without a login and they reveal nothing);
// /metrics needs an admin or engineer session, or the METRICS_TOKEN bearer a Prometheus scraper sends.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { metricsRegistry } from '@cityops/core/metrics';
import { AppError } from '@cityops/core/errors';
import { resolveSession, SESSION_COOKIE, sessionPolicy } from '@cityops/core/auth/sessions';
import type { ApiContext } from './context.ts';
import { mustEnrolSecondFactor } from './auth-plugin.ts';

export const operationsRoutes: FastifyPluginAsync<ApiContext> = async (app, context) => {
  // /readyz is public: it says which dependency is down, never why (the reason, which can name hosts,
  // users or databases, goes to the log once per outage).
  let databaseDown = false;
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { config: { public: true }, schema: { hide: true, response: { 200: z.object({ status: z.string(), checks: z.record(z.string(), z.string()) }), 503: z.object({ status: z.string(), checks: z.record(z.string(), z.string()) }) } } },
    async (_request, reply) => {
      const checks: Record<string, string> = {};
      try {
        await context.db.query('SELECT 1');
        checks.database = 'ok';
        if (databaseDown) context.logger.info('readiness: database reachable again');
        databaseDown = false;
      } catch (error) {
        checks.database = 'unreachable';
        if (!databaseDown) context.logger.warn({ err: error }, 'readiness: database unreachable');
        databaseDown = true;
      }
      if (context.mqtt) checks.broker = context.mqtt.connected ? 'ok' : 'disconnected';
      const ready = Object.values(checks).every((value) => value === 'ok');
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    },
  );

  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const token = context.config.METRICS_TOKEN;
    const bearer = request.headers.authorization?.replace(/^Bearer /, '');
    let allowed = Boolean(token && bearer === token);
    if (!allowed) {
      const session = request.cookies[SESSION_COOKIE];
      const resolved = session ? await resolveSession(context.db, session, sessionPolicy(context.config)) : undefined;
      // A session still waiting for its second factor (or its enrolment, with REQUIRE_2FA) is not a login yet.
      const user = resolved && !resolved.secondFactorPending && !mustEnrolSecondFactor(context, resolved.user) ? resolved.user : undefined;
      if (!user) throw new AppError(401, 'unauthenticated', 'log in or send the METRICS_TOKEN bearer');
      allowed = user.role === 'admin' || user.role === 'engineer';
      if (!allowed) throw new AppError(403, 'forbidden', `role ${user.role} may not read metrics`);
    }
    return reply.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
};
