// Walks every registered REST route (including routes added by later features) and proves the
// declared roles are enforced: no session → 401, a role not listed → 403, a listed role → neither.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ROLES } from '../../contract/roles.ts';
import type { FeatureRoutes } from '../../core/http/route-context.ts';
import { createLogger } from '../../core/logger.ts';
import { buildApiServer } from '../../dashboard/server/app.ts';
import { routeAccessTable } from '../../dashboard/server/auth-plugin.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let test: TestDatabase;
let api: TestApi;
beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

// Calling these as an allowed role would end the session the rest of the matrix uses.
const SESSION_ENDING = new Set(['POST /api/auth/logout', 'POST /api/auth/password']);
const concrete = (url: string) => url.replace(/:(\w+)/g, 'matrix-$1').replace(/\*$/, 'x');

describe('role matrix', () => {
  it('refuses to start a server with a route that declares no access rule', async () => {
    const context = { config: api.config, db: test.db, caps: test.caps, logger: createLogger('silent'), secretBox: api.secretBox };
    const declared: FeatureRoutes = async (app) => {
      app.get('/api/matrix-declared', { config: { roles: ['admin'] } }, async () => ({}));
    };
    const undeclared: FeatureRoutes = async (app) => {
      app.get('/api/matrix-undeclared', async () => ({}));
    };
    // The same server with a declared route starts (so the refusal below is about the missing rule).
    const server = await buildApiServer(context, [declared]);
    try {
      expect(routeAccessTable.get(server)).toContainEqual({ method: 'GET', url: '/api/matrix-declared', roles: ['admin'], public: false });
    } finally {
      await server.close();
    }
    const refusal = await buildApiServer(context, [undeclared]).then(
      async (started) => {
        await started.close();
        return 'the server started';
      },
      (error: Error) => error.message,
    );
    expect(refusal).toBe('route GET /api/matrix-undeclared declares neither config.roles nor config.public');
  });

  it('covers every route the server documents, so the walk below misses none', async () => {
    // The OpenAPI document is written by @fastify/swagger from the server's own routes, independently
    // of the access table: a route the auth plugin did not see (registered before it, say) shows here.
    const response = await api.request('GET', '/api/docs/json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([url, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${url.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.length).toBeGreaterThan(15);
    const table = new Set(routeAccessTable.get(api.role.server!)!.map((route) => `${route.method} ${route.url}`));
    expect(documented.filter((route) => !table.has(route))).toEqual([]);
  });

  it('enforces it on every route for every role', async () => {
    const table = routeAccessTable.get(api.role.server!)!.filter((route) => !route.public && route.method !== 'HEAD');
    const failures: string[] = [];
    for (const route of table) {
      const name = `${route.method} ${route.url}`;
      const path = concrete(route.url);
      const anonymous = await api.request(route.method, path, { body: route.method === 'GET' ? undefined : {} });
      if (anonymous.status !== 401) failures.push(`${name} without a session answered ${anonymous.status}, expected 401`);
      for (const role of USER_ROLES) {
        const allowed = route.roles!.includes(role);
        if (allowed && SESSION_ENDING.has(name)) continue;
        const response = await api.request(route.method, path, { role, body: route.method === 'GET' ? undefined : {} });
        const body = await response.text();
        const roleRefused = response.status === 403 && body.includes('role_forbidden');
        if (allowed && (response.status === 401 || roleRefused)) failures.push(`${name} refused allowed role ${role} (${response.status})`);
        if (allowed && response.status >= 500) failures.push(`${name} failed for role ${role} with ${response.status}: ${body.slice(0, 200)}`);
        if (!allowed && !roleRefused) failures.push(`${name} let role ${role} through (${response.status})`);
      }
    }
    expect(failures).toEqual([]);
  });
});
