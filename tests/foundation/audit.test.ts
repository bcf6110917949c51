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

  it('is searched by user, action, entity and time, paged back by id, and exported as CSV (the export audited)', async () => {
    for (const n of [1, 2, 3]) expect((await api.request('PUT', `/api/districts/tim-${n}`, { role: 'engineer', body: { name: `Thử ${n}` } })).status).toBe(200);
    const search = async (query: string) => (await (await api.request('GET', `/api/audit?${query}`, { role: 'admin' })).json()).entries as Array<{ id: number; entityId: string; action: string; username: string }>;
    const upserts = await search('username=engineer-user&action=upsert&entityType=district');
    expect(upserts.map((entry) => entry.entityId).slice(0, 3)).toEqual(['tim-3', 'tim-2', 'tim-1']);
    expect(await search('entityType=district&entityId=tim-2')).toHaveLength(1);
    expect(await search('action=upsert&username=admin-user')).toEqual([]);
    expect(await search(`entityType=district&until=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)).toEqual([]);
    // Paging: two at a time, then the next two from the last id.
    const first = await search('entityType=district&limit=2');
    const next = await search(`entityType=district&limit=2&beforeId=${first[1].id}`);
    expect(next[0].id).toBeLessThan(first[1].id);
    expect(new Set([...first, ...next].map((entry) => entry.entityId)).size).toBe(4);

    const vocabulary = await (await api.request('GET', '/api/audit/vocabulary', { role: 'admin' })).json();
    expect(vocabulary.actions).toContain('upsert');
    expect(vocabulary.entityTypes).toContain('district');

    const csv = await api.request('GET', '/api/audit/export.csv?entityType=district&username=engineer-user', { role: 'admin' });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,at,username,user_id,source_address,action,entity_type,entity_id,details');
    expect(lines).toHaveLength(1 + 4); // quan-3 and tim-1..3
    expect(lines[1]).toMatch(/^\d+,\d{4}-\d\d-\d\dT[\d:.]+Z,engineer-user,\d+,127\.0\.0\.1,upsert,district,tim-3,\{\}$/);
    const exported = await search('action=export&entityType=audit_log');
    expect(exported[0]).toMatchObject({ username: 'admin-user' });
    for (const path of ['/api/audit/export.csv', '/api/audit/vocabulary']) expect((await api.request('GET', path, { role: 'engineer' })).status).toBe(403);
    expect((await api.request('GET', '/api/audit?since=yesterday', { role: 'admin' })).status).toBe(400);
  });
});
