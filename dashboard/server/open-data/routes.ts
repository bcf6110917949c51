// The public open data API: NGSI-LD entities at /ngsi-ld/v1/ (so FIWARE tools can read them) and the same
// datasets as CSV and JSON files at /api/open/. Public on purpose: besides login these are the only
// routes declared `config: { public: true }` that serve data. Protected instead by: GET only (every write
// method answers 405), a rate limit per network address (request.ip, which believes X-Forwarded-For only
// from TRUST_PROXY), bounded time ranges and pages, read-only transactions, and sources that select only
// non-personal columns (entity-type.ts).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { takeRequest } from '@cityops/core/http/rate-limit';
import type { RouteContext } from '@cityops/core/http/route-context';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { openDataMeta, type EntityType } from './entity-type.ts';
import { CONTEXT_LINK, ENTITY_CONTEXT, normalized, problem, type ProblemType } from './ngsi-ld.ts';
import { boundedRange, MAX_LIMIT, paging, parseInstant, rangeFromConditions, readOnly } from './open-query.ts';
import { parseGeoQuery, parseQ, QueryError } from './query-language.ts';
import { trafficFlowObserved } from './traffic-flow.ts';
import { waterObserved } from './water-observed.ts';
import { publicAlert } from './public-alerts.ts';
import { crowdFlowObserved } from './crowd-flow.ts';
import { floodMonitoring } from './flood-monitoring.ts';
import { issueReporting } from './issue-reporting.ts';
import { DATASETS, datasetCsv, datasetJson, MAX_FILE_ROWS } from './datasets.ts';
import { DAILY_DATASETS, DAILY_FORMATS, DAY_PATTERN, dailyDir, dailyFileSize, exportedDays } from './daily-files.ts';

export const ENTITY_TYPES: EntityType[] = [trafficFlowObserved, crowdFlowObserved, waterObserved, floodMonitoring, publicAlert, issueReporting];
const typeNamed = (name: string) => ENTITY_TYPES.find((type) => type.type === name);

const RATE_BUCKET = 'open-data';
const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

const entitiesQuery = z.object({
  type: z.string().optional().describe(`one of ${ENTITY_TYPES.map((type) => type.type).join(', ')} (required)`),
  q: z.string().optional().describe('comparisons joined by ";", e.g. dateObserved>=2026-12-01T00:00:00Z;intensity>=10'),
  georel: z.string().optional().describe('near;maxDistance==500 (metres) or within'),
  geometry: z.string().optional().describe('Point (near) or Polygon (within)'),
  coordinates: z.string().optional().describe('[lon,lat] or [[[lon,lat],...]]'),
  geoproperty: z.string().optional(),
  limit: z.string().optional().describe(`1-${MAX_LIMIT}, default 20`),
  offset: z.string().optional(),
  count: z.string().optional().describe('true: the total in header NGSILD-Results-Count'),
  options: z.string().optional().describe('keyValues: the simplified form'),
  format: z.string().optional().describe('simplified: the same as options=keyValues'),
});
const fileQuery = z.object({
  from: z.string().optional().describe('ISO 8601; default 24 hours before `to`'),
  to: z.string().optional().describe('ISO 8601; default now'),
  camera: z.string().optional().describe('traffic-counts, crowd-counts: one camera id'),
  station: z.string().optional().describe('water-levels, rainfall, salinity: one station id'),
});

export const openDataRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db, caps, config } = context;
  const meta = openDataMeta(config);
  const daysDir = dailyDir(config);
  const licenceLink = `<${meta.licenceUrl}>; rel="license"`;
  const isNgsi = (request: FastifyRequest) => request.url.startsWith('/ngsi-ld/');

  /** The error in the caller's dialect: NGSI-LD ProblemDetails, or the API's { error } for the files. */
  function refuse(request: FastifyRequest, reply: FastifyReply, status: number, type: ProblemType, message: string, field?: string) {
    if (isNgsi(request)) return reply.code(status).type('application/json').send(problem(type, message));
    const code = status === 429 ? 'too_many_attempts' : status === 404 ? 'not_found' : status === 405 ? 'method_not_allowed' : 'invalid';
    return reply.code(status).send({ error: { code, message, ...(field ? { field } : {}) } });
  }

  // Counted before anything is read; a refused caller costs one upsert.
  app.addHook('onRequest', async (request, reply) => {
    const decision = await takeRequest(db, RATE_BUCKET, request.ip, config.OPEN_DATA_REQUESTS_PER_MINUTE);
    if (!decision.allowed) {
      reply.header('retry-after', String(decision.retryAfterSeconds));
      return refuse(request, reply, 429, 'TooManyRequests', `at most ${config.OPEN_DATA_REQUESTS_PER_MINUTE} open data requests a minute per address; retry in ${decision.retryAfterSeconds} s`);
    }
    reply.header('x-ratelimit-remaining', String(decision.remaining));
  });
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof QueryError) return refuse(request, reply, 400, 'BadRequestData', error.message, error.parameter);
    // Anything else keeps the server's generic handling (its log, the 500 without details).
    throw error;
  });

  /** JSON-LD with the @context inside when asked for (Accept: application/ld+json), else JSON and a Link header. */
  function sendEntities(request: FastifyRequest, reply: FastifyReply, entities: Array<Record<string, unknown>> | Record<string, unknown>) {
    const linkedData = /application\/ld\+json/.test(request.headers.accept ?? '');
    const withContext = (entity: Record<string, unknown>) => (linkedData ? { ...entity, '@context': ENTITY_CONTEXT } : entity);
    const body = Array.isArray(entities) ? entities.map(withContext) : withContext(entities);
    reply.header('link', linkedData ? licenceLink : `${CONTEXT_LINK}, ${licenceLink}`);
    return reply.type(linkedData ? 'application/ld+json' : 'application/json').send(JSON.stringify(body));
  }
  const keyValues = (query: { options?: string; format?: string }) =>
    (query.options ?? '').split(',').includes('keyValues') || query.format === 'simplified';

  app.get(
    '/ngsi-ld/v1/entities',
    {
      config: { public: true },
      schema: { security: [], tags: ['open data'], summary: `NGSI-LD entities (public, read-only, rate-limited): ${ENTITY_TYPES.map((type) => type.type).join(', ')}`, querystring: entitiesQuery },
    },
    async (request, reply) => {
      const query = request.query;
      if (!query.type) throw new QueryError(`type is required: one of ${ENTITY_TYPES.map((type) => type.type).join(', ')} (GET /ngsi-ld/v1/types lists them)`, 'type');
      const type = typeNamed(query.type);
      if (!type) {
        // NGSI-LD: a type nobody has is an empty result, not an error; a list of types is one we do not page across.
        if (query.type.includes(',')) throw new QueryError('type: one type per request', 'type');
        return sendEntities(request, reply, []);
      }
      const conditions = query.q ? parseQ(query.q, type.attributes, type.type) : [];
      const geo = parseGeoQuery(query);
      const page = paging(query.limit, query.offset);
      const range = rangeFromConditions(type, conditions, config.OPEN_DATA_MAX_DAYS);
      const { rows, total } = await readOnly(db, caps, type, { range, conditions, geo, ...page, count: query.count === 'true' });
      if (total !== undefined) reply.header('ngsild-results-count', String(total));
      const entities = rows.map((row) => type.toEntity(row, meta));
      return sendEntities(request, reply, keyValues(query) ? entities : entities.map(normalized));
    },
  );

  app.get(
    '/ngsi-ld/v1/entities/:entityId',
    {
      config: { public: true },
      schema: {
        security: [],
        tags: ['open data'],
        summary: 'One NGSI-LD entity by its URN',
        params: z.object({ entityId: z.string().max(300) }),
        querystring: z.object({ options: z.string().optional(), format: z.string().optional() }),
      },
    },
    async (request, reply) => {
      const { entityId } = request.params;
      const found = ENTITY_TYPES.map((type) => ({ type, filter: type.byId(entityId) })).find(({ filter }) => filter);
      if (found?.filter) {
        const range = found.filter.range ?? { from: new Date(0), to: new Date() };
        const { rows } = await readOnly(db, caps, found.type, { range, conditions: found.filter.conditions, limit: 1, offset: 0, count: false });
        if (rows.length) {
          const entity = found.type.toEntity(rows[0], meta);
          return sendEntities(request, reply, keyValues(request.query) ? entity : normalized(entity));
        }
      }
      return refuse(request, reply, 404, 'ResourceNotFound', `no entity ${entityId}`);
    },
  );

  app.get(
    '/ngsi-ld/v1/types',
    { config: { public: true }, schema: { security: [], tags: ['open data'], summary: 'The entity types served (NGSI-LD EntityTypeList)' } },
    async (request, reply) => {
      reply.header('link', `${CONTEXT_LINK}, ${licenceLink}`);
      return reply.type('application/json').send(JSON.stringify({ id: 'urn:ngsi-ld:EntityTypeList:cityops', type: 'EntityTypeList', typeList: ENTITY_TYPES.map((type) => type.type) }));
    },
  );

  for (const dataset of DATASETS) {
    for (const format of ['csv', 'json'] as const) {
      app.get(
        `/api/open/${dataset.name}.${format}`,
        { config: { public: true }, schema: { security: [], tags: ['open data'], summary: `Open data, ${format.toUpperCase()}: ${dataset.description}`, querystring: fileQuery } },
        async (request, reply) => {
          const { from, to } = request.query;
          const type = dataset.type;
          const range = type.timeAttribute
            ? boundedRange({ from: parseInstant(from, 'from'), to: parseInstant(to, 'to') }, config.OPEN_DATA_MAX_DAYS, 'from')
            : { from: new Date(0), to: new Date() };
          const device = dataset.deviceParameter ? (request.query as Record<string, string | undefined>)[dataset.deviceParameter] : undefined;
          const conditions = device ? parseQ(`refDevice=="urn:ngsi-ld:Device:${device.replaceAll('"', '')}"`, type.attributes, type.type) : [];
          const { rows } = await readOnly(db, caps, type, { range, conditions, limit: MAX_FILE_ROWS + 1, offset: 0, count: false });
          if (rows.length > MAX_FILE_ROWS) throw new QueryError(`more than ${MAX_FILE_ROWS} rows: narrow from/to${dataset.deviceParameter ? ` or pick one ${dataset.deviceParameter}` : ''}`, 'from');
          reply.header('link', licenceLink);
          const timeRange = type.timeAttribute ? range : undefined;
          if (format === 'json') return reply.type('application/json').send(JSON.stringify(datasetJson(dataset, rows, meta, timeRange)));
          reply.header('content-disposition', `attachment; filename="${dataset.name}.csv"`);
          return reply.type('text/csv; charset=utf-8').send(datasetCsv(dataset, rows, meta));
        },
      );
    }
  }

  // The daily files (daily-files.ts writes them): an index of the days and datasets, then the files as written.
  app.get(
    '/api/open/daily',
    { config: { public: true }, schema: { security: [], tags: ['open data'], summary: 'Open data daily files: the days written and their datasets, with the licence' } },
    async (_request, reply) => {
      const days = await exportedDays(daysDir);
      const index = {
        licence: meta.licence,
        licenceUrl: meta.licenceUrl,
        dataProvider: meta.dataProvider,
        description: 'one directory per UTC day, each dataset of that day as CSV and JSON, written after the day ends',
        days: await Promise.all(
          days.map(async (day) => ({
            date: day,
            datasets: (
              await Promise.all(
                DAILY_DATASETS.map(async (dataset) => {
                  const files = await Promise.all(DAILY_FORMATS.map(async (format) => [format, await dailyFileSize(daysDir, day, `${dataset.name}.${format}`)] as const));
                  if (files.some(([, bytes]) => bytes === undefined)) return undefined;
                  return {
                    name: dataset.name,
                    description: dataset.description,
                    ...Object.fromEntries(files.map(([format, bytes]) => [format, { url: `/api/open/daily/${day}/${dataset.name}.${format}`, bytes }])),
                  };
                }),
              )
            ).filter((dataset) => dataset !== undefined),
          })),
        ),
      };
      reply.header('link', licenceLink);
      return reply.type('application/json').send(JSON.stringify(index));
    },
  );

  app.get(
    '/api/open/daily/:date/:file',
    {
      config: { public: true },
      schema: {
        security: [],
        tags: ['open data'],
        summary: 'One daily open data file, e.g. /api/open/daily/2026-12-01/traffic-counts.csv',
        params: z.object({ date: z.string().max(10).describe('yyyy-mm-dd (UTC)'), file: z.string().max(64).describe('<dataset>.csv or <dataset>.json') }),
      },
    },
    async (request, reply) => {
      const { date, file } = request.params;
      const match = /^([a-z-]{1,40})\.(csv|json)$/.exec(file);
      const dataset = match && DAILY_DATASETS.find((candidate) => candidate.name === match[1]);
      // Only names from the list reach the file system: no path is ever built from the request as given.
      if (!DAY_PATTERN.test(date) || !match || !dataset) return refuse(request, reply, 404, 'ResourceNotFound', `no daily file ${date}/${file} (GET /api/open/daily lists them)`);
      const name = `${dataset.name}.${match[2]}`;
      const bytes = await dailyFileSize(daysDir, date, name);
      if (bytes === undefined) return refuse(request, reply, 404, 'ResourceNotFound', `no daily file ${date}/${name} (GET /api/open/daily lists them)`);
      reply.header('link', licenceLink).header('content-length', String(bytes)).header('cache-control', 'public, max-age=86400');
      if (match[2] === 'csv') reply.header('content-disposition', `attachment; filename="${dataset.name}-${date}.csv"`);
      return reply.type(match[2] === 'csv' ? 'text/csv; charset=utf-8' : 'application/json').send(createReadStream(path.join(daysDir, date, name)));
    },
  );

  // Writes are refused on purpose (405 with Allow), not left to a 404: this API is read-only by design.
  for (const url of ['/ngsi-ld/*', '/api/open/*']) {
    app.route({
      method: [...WRITE_METHODS],
      url,
      config: { public: true },
      schema: { hide: true },
      handler: (request, reply) => {
        reply.header('allow', 'GET');
        return refuse(request, reply, 405, 'OperationNotSupported', 'the open data API is read-only: GET only');
      },
    });
  }
  // Other NGSI-LD paths (subscriptions, temporal, batch): not served here, answered in NGSI-LD terms.
  app.get('/ngsi-ld/*', { config: { public: true }, schema: { hide: true } }, (request, reply) =>
    refuse(request, reply, 404, 'ResourceNotFound', `not served by this read-only API: ${request.url.split('?')[0]}`),
  );
};
