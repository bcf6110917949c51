// The api role's HTTP server: Fastify with zod schemas on every route, which also generate the
// OpenAPI document at /api/docs, so the documentation cannot drift from the code.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { AppError, issueReason } from '@cityops/core/errors';
import type { RequestRefusal } from '@cityops/contract/server-codes';
import { ImportRejected } from '@cityops/devices/bulk-import';
import { counter } from '@cityops/core/metrics';
import { authPlugin } from './auth-plugin.ts';
import { trustedProxyFromConfig } from './client-address.ts';
import type { FeatureRoutes, RouteContext } from '@cityops/core/http/route-context';
import { databaseErrorResponse } from './database-errors.ts';
import { httpStatusOf } from './http-errors.ts';

const rejectedRequests = counter('cityops_http_rejected_total', 'HTTP requests rejected, by reason', ['code']);

export const WEB_DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');

/** The server with the given features' routes (the api role passes every feature's: apps/routes.ts). */
export async function buildApiServer(context: RouteContext, featureRoutes: FeatureRoutes[]): Promise<FastifyInstance> {
  const { TLS_CERT_FILE, TLS_KEY_FILE } = context.config;
  const app = Fastify({
    loggerInstance: context.logger.child({ role: 'api' }) as FastifyBaseLogger,
    // X-Forwarded-For/-Proto are believed only from the proxies TRUST_PROXY names: from anyone else they
    // would forge the client address (login throttle, audit log, sessions) and the scheme. The same
    // function decides for live sockets (realtime.ts).
    trustProxy: trustedProxyFromConfig(context.config.TRUST_PROXY),
    // HTTPS directly, without a proxy in front (read once at start; a renewed certificate needs a restart).
    // Typed as a plain object: the rest of the code sees the same FastifyInstance either way.
    ...((TLS_CERT_FILE && TLS_KEY_FILE ? { https: { cert: readFileSync(TLS_CERT_FILE), key: readFileSync(TLS_KEY_FILE) } } : {}) as object),
    bodyLimit: 10 * 1024 * 1024,
    // Per-request access lines are off: at wall-display polling rates they drown the useful log.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error: FastifyError, request, reply) => errorHandler(context, error, request, reply));

  await app.register(cookie);
  await app.register(multipart, { limits: { fileSize: 20 * 1024 * 1024, files: 1 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'CityOps API', version: '0.1.0', description: 'Cameras, sensors, alerts and users of a city operations center.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'cityops_session' } } },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // The docs UI is served from the package (no CDN), and the JSON at /api/docs/json.
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  await app.register(authPlugin, context);
  for (const plugin of featureRoutes) await app.register(plugin, context);

  const hasWeb = existsSync(WEB_DIST);
  if (hasWeb) await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false, index: ['index.html'] });
  app.setNotFoundHandler((request, reply) => {
    // Single-page app: any non-API path gets index.html so /wall and /field deep links work.
    if (hasWeb && request.method === 'GET' && !request.url.startsWith('/api/') && !request.url.startsWith('/socket.io')) {
      return reply.type('text/html').sendFile('index.html');
    }
    const routePath = request.url.split('?')[0].slice(0, 200);
    rejectedRequests.inc({ code: 'not_found' });
    return reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${routePath}`, reason: 'no_route', params: { method: request.method, path: routePath } } });
  });
  return app;
}

type ErrorReply = { code: (n: number) => { send: (body: unknown) => unknown } };

async function errorHandler(context: RouteContext, error: FastifyError, request: { log: { error: (...args: unknown[]) => void }; headers: Record<string, string | string[] | undefined> }, reply: ErrorReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const field = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || String(first.params?.issue ?? '');
    rejectedRequests.inc({ code: 'invalid' });
    // The zod issue arrives spread: its code as `keyword`, its limits (maximum, origin...) as `params`.
    const reason = issueReason({ ...(first.params as Record<string, unknown> | undefined), code: first.keyword, message: first.message });
    return reply.code(400).send({ error: { code: 'invalid', message: `${field || 'request'}: ${first.message}`, field, ...reason } });
  }
  const status = error instanceof AppError ? httpStatusOf(error) : undefined;
  if (error instanceof AppError && status !== undefined) {
    rejectedRequests.inc({ code: error.code });
    // A rejected import lists every bad row, not one field.
    const rows = error instanceof ImportRejected ? { rows: error.errors } : {};
    return reply.code(status).send({ error: { code: error.code, message: error.message, field: error.field, ...error.refusal, ...rows } });
  }
  // A database rule the request broke: answered with the field and the rule, never the database's own
  // detail text, which quotes the whole row (an encrypted device password included).
  const fromDatabase = await databaseErrorResponse(context.db, error);
  if (fromDatabase) {
    rejectedRequests.inc({ code: fromDatabase.body.code });
    if (fromDatabase.status >= 500) request.log.error({ err: withoutRowDetail(error) }, 'request failed: database');
    return reply.code(fromDatabase.status).send({ error: fromDatabase.body });
  }
  if (error.statusCode && error.statusCode < 500) {
    // The framework's own refusals of the request's form: one listed code, and the reason in words.
    rejectedRequests.inc({ code: 'bad_request' });
    return reply.code(error.statusCode).send({ error: { code: 'bad_request', message: error.message, ...frameworkRefusalReason(error, String(request.headers['content-type'] ?? '')) } });
  }
  request.log.error({ err: withoutRowDetail(error) }, 'request failed');
  return reply.code(500).send({ error: { code: 'internal', message: 'internal error; see the server log' } });
}

/** Why fastify refused a request before any route saw it (its FST_ERR_* codes), when a person can act on it. */
function frameworkRefusalReason(error: FastifyError, contentType: string): RequestRefusal | Record<string, never> {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { reason: 'unsupported_media_type', params: { type: contentType.split(';')[0].trim().slice(0, 100) || 'none' } };
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { reason: 'body_too_large' };
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) return { reason: 'malformed_json' };
  return {};
}

/** A database error's `detail` and `where` can quote row values (secrets too): the log gets the rest. */
function withoutRowDetail(error: Error): Error {
  const { detail, where, ...rest } = error as Error & { detail?: string; where?: string };
  if (detail === undefined && where === undefined) return error;
  return Object.assign(new Error(error.message), rest, { stack: error.stack, name: error.name });
}
