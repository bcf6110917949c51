import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../core/database/pool.ts';
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

describe('audit log', () => {
  it('records who did what, when and from where, readable by admins only', async () => {
    await api.request('PUT', '/api/districts/quan-3', { role: 'engineer', body: { name: 'Quận 3' } });
    const created = await api.request('POST', '/api/users', { role: 'admin', body: { username: 'doi-1-nguyen', role: 'field', password: 'temporary-password-1' } });
    expect(created.status).toBe(201);
    const response = await api.request('GET', '/api/audit?limit=50', { role: 'admin' });
    const { entries } = await response.json();
    const district = entries.find((entry: { entityType: string }) => entry.entityType === 'district');
    expect(district).toMatchObject({ action: 'upsert', entityId: 'quan-3', username: 'engineer-user', sourceAddress: '127.0.0.1' });
    expect(new Date(district.at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const user = entries.find((entry: { entityType: string }) => entry.entityType === 'user');
    expect(user).toMatchObject({ action: 'create', username: 'admin-user', details: { username: 'doi-1-nguyen', role: 'field' } });
    expect(JSON.stringify(entries)).not.toContain('temporary-password-1');
    expect((await api.request('GET', '/api/audit', { role: 'engineer' })).status).toBe(403);
  });

  it('cannot be edited or deleted, even with direct database access', async () => {
    // The application role has no UPDATE/DELETE on it (tests/foundation/database-roles.test.ts); even
    // its owner, who has, is stopped by the trigger.
    const owner = createDatabase(test.ownerUrl, 1);
    try {
      await expect(owner.query(`UPDATE audit_log SET username = 'someone-else'`)).rejects.toThrow(/append-only/);
      await expect(owner.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    } finally {
      await owner.end();
    }
  });
});
