// The api role's HTTP server: Fastify with zod schemas on every route, which also generate the
// OpenAPI document at /api/docs, so the documentation cannot drift from the code.
import { existsSync } from 'node:fs';
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
import { AppError } from '@cityops/core/errors';
import { counter } from '@cityops/core/metrics';
import { authPlugin } from './auth-plugin.ts';
import type { ApiContext } from './context.ts';
import { featureRoutes } from './routes.ts';

const rejectedRequests = counter('cityops_http_rejected_total', 'HTTP requests rejected, by reason', ['code']);

export const WEB_DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');

export async function buildApiServer(context: ApiContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: context.logger.child({ role: 'api' }) as FastifyBaseLogger,
    trustProxy: true,
    bodyLimit: 10 * 1024 * 1024,
    // Per-request access lines are off: at wall-display polling rates they drown the useful log.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);

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

  if (existsSync(WEB_DIST)) {
    await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false, index: ['index.html'] });
    // Single-page app: any non-API path gets index.html so /wall and /field deep links work.
    app.setNotFoundHandler((request, reply) => {
      if (request.method === 'GET' && !request.url.startsWith('/api/') && !request.url.startsWith('/socket.io')) {
        return reply.type('text/html').sendFile('index.html');
      }
      return reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
    });
  }
  return app;
}

function errorHandler(error: FastifyError, request: { log: { error: (...args: unknown[]) => void } }, reply: { code: (n: number) => { send: (body: unknown) => unknown } }) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const field = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || String(first.params?.issue ?? '');
    rejectedRequests.inc({ code: 'invalid' });
    return reply.code(400).send({ error: { code: 'invalid', message: `${field || 'request'}: ${first.message}`, field } });
  }
  if (error instanceof AppError) {
    rejectedRequests.inc({ code: error.code });
    return reply.code(error.statusCode).send({ error: { code: error.code, message: error.message, field: error.field } });
  }
  const pgCode = (error as { code?: string }).code;
  if (pgCode === '23505') {
    rejectedRequests.inc({ code: 'conflict' });
    const detail = (error as { detail?: string }).detail ?? 'already exists';
    return reply.code(409).send({ error: { code: 'conflict', message: detail } });
  }
  if (pgCode === '23503' || pgCode === '23514') {
    rejectedRequests.inc({ code: 'invalid' });
    const detail = (error as { detail?: string; constraint?: string }).detail ?? (error as { constraint?: string }).constraint;
    return reply.code(400).send({ error: { code: 'invalid', message: `violates a rule of the registry: ${detail}` } });
  }
  if (error.statusCode && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ error: { code: error.code ?? 'bad_request', message: error.message } });
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).send({ error: { code: 'internal', message: 'internal error; see the server log' } });
}
