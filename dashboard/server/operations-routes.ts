// Liveness, readiness and Prometheus metrics.
// /healthz and /readyz are public (orchestrators probe them without a login and they reveal nothing);
// /metrics needs an admin or engineer session, or the METRICS_TOKEN bearer a Prometheus scraper sends.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { metricsRegistry } from '@cityops/core/metrics';
import { AppError } from '@cityops/core/errors';
import { resolveSession, SESSION_COOKIE, sessionPolicy } from '@cityops/core/auth/sessions';
import { componentHealth } from '@cityops/core/health';
import { pingDatabase } from '@cityops/core/database/pool';
import type { RouteContext } from '@cityops/core/http/route-context';
import { mustEnrolSecondFactor } from './auth-plugin.ts';

/** A database that does not answer within this time counts as down (a stopped server hangs, it does not refuse). */
const READY_QUERY_TIMEOUT_MS = 3000;

const readinessSchema = z.object({
  status: z.enum(['ready', 'degraded', 'not_ready']),
  checks: z.record(z.string(), z.string()),
  components: z.array(z.object({ name: z.string(), state: z.enum(['ok', 'degraded', 'down']), since: z.string() })),
});

async function answersWithin(query: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([query.then(() => true, () => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export const operationsRoutes: FastifyPluginAsync<RouteContext> = async (app, context) => {
  // /readyz is public: it says which dependency is down, never why (the reason, which can name hosts,
  // users or databases, goes to the log once per outage).
  let databaseDown = false;
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  // Ready = this process can serve: its database answers. Every component's state is listed (a broker
  // disconnected, a role restarting, a periodic job failing show as degraded, with a 200), with the time it
  // entered that state and no error text: this route is public.
  app.get(
    '/readyz',
    { config: { public: true }, schema: { hide: true, response: { 200: readinessSchema, 503: readinessSchema } } },
    async (_request, reply) => {
      let failure: unknown = new Error(`no answer within ${READY_QUERY_TIMEOUT_MS} ms`);
      const query = pingDatabase(context.db).catch((error: unknown) => {
        failure = error;
        throw error;
      });
      const databaseOk = await answersWithin(query, READY_QUERY_TIMEOUT_MS);
      if (databaseOk && databaseDown) context.logger.info('readiness: database reachable again');
      if (!databaseOk && !databaseDown) context.logger.warn({ err: failure }, 'readiness: database unreachable');
      databaseDown = !databaseOk;
      componentHealth.set('database', databaseOk ? 'ok' : 'down');
      const checks: Record<string, string> = { database: databaseOk ? 'ok' : 'unreachable' };
      if (context.mqtt) {
        checks.broker = context.mqtt.connected ? 'ok' : 'disconnected';
        componentHealth.set('broker', context.mqtt.connected ? 'ok' : 'down');
      }
      const components = componentHealth.list();
      const status = !databaseOk ? 'not_ready' : components.every((component) => component.state === 'ok') ? 'ready' : 'degraded';
      return reply.code(databaseOk ? 200 : 503).send({ status, checks, components });
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
      if (!user) throw new AppError('unauthenticated', 'log in or send the METRICS_TOKEN bearer');
      allowed = user.role === 'admin' || user.role === 'engineer';
      if (!allowed) throw new AppError('forbidden', `role ${user.role} may not read metrics`);
    }
    return reply.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
};
