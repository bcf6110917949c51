// Field teams and extra users for the alert tests, logged in through the real API.
import type { UserRole } from '../../../contract/roles.ts';
import type { Queryable } from '../../../core/database/pool.ts';
import { createTestUser, TEST_PASSWORD, type ApiClient } from '../../support/api.ts';

export async function addUser(db: Queryable, api: ApiClient, username: string, role: UserRole): Promise<{ id: number; cookie: string }> {
  const user = await createTestUser(db, { username, role });
  const response = await api.login(username, TEST_PASSWORD);
  if (response.status !== 200) throw new Error(`login as ${username} failed: ${response.status}`);
  return { id: user.id, cookie: response.headers.getSetCookie()[0].split(';')[0] };
}

export async function userId(db: Queryable, username: string): Promise<number> {
  return Number((await db.query(`SELECT id FROM users WHERE username = $1`, [username])).rows[0].id);
}

/** Creates a team through the admin API and adds the members; returns its id. */
export async function addTeam(api: ApiClient, name: string, memberIds: number[], districtId: string | null = null): Promise<number> {
  const created = await api.request('POST', '/api/teams', { role: 'admin', body: { name, districtId } });
  if (created.status !== 201) throw new Error(`team ${name}: ${created.status} ${await created.text()}`);
  const { team } = await created.json();
  for (const memberId of memberIds) {
    const added = await api.request('PUT', `/api/teams/${team.id}/members/${memberId}`, { role: 'admin' });
    if (added.status !== 200) throw new Error(`member ${memberId}: ${added.status} ${await added.text()}`);
  }
  return team.id;
}
