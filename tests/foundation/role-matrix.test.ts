// Walks every registered REST route (including routes added by later features) and proves the
// declared roles are enforced: no session → 401, a role not listed → 403, a listed role → neither.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ROLES } from '../../contract/roles.ts';
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
  it('has a declared access rule for every route', () => {
    const table = routeAccessTable.get(api.role.server!)!;
    expect(table.length).toBeGreaterThan(15);
    for (const route of table) expect(route.public || (route.roles?.length ?? 0) > 0).toBe(true);
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
