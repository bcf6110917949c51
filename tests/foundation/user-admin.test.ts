// User administration through the api: one-time passwords shown once and never stored in clear,
// role changes, disabling (which ends sessions at once), password resets, and the guard that keeps an
// admin from locking themselves out. All audited.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSocket } from '../alerts/support/sockets.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

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

const cookieOf = (response: Response) => response.headers.getSetCookie()[0].split(';')[0];

/** Resolves with the reason when the server closes the socket (a client that closes it does not count). */
const closedByServer = (socket: Socket) =>
  new Promise<string>((resolve) => socket.on('disconnect', (reason) => reason !== 'io client disconnect' && resolve(reason)));

describe('user administration', () => {
  it('creates a user with a one-time password shown once, lists last logins, disables and resets', async () => {
    const created = await api.request('POST', '/api/users', { role: 'admin', body: { username: 'to-hai.tran', displayName: 'Trần Tố Hải', role: 'field' } });
    expect(created.status).toBe(201);
    const { user, oneTimePassword } = await created.json();
    expect(oneTimePassword).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(user).toMatchObject({ username: 'to-hai.tran', role: 'field', mustChangePassword: true });

    const firstLogin = await api.login('to-hai.tran', oneTimePassword);
    expect(firstLogin.status).toBe(200);
    const session = cookieOf(firstLogin);
    const newPassword = 'mat-khau-cua-hai-2026';
    const changed = await api.request('POST', '/api/auth/password', { cookie: session, body: { currentPassword: oneTimePassword, newPassword } });
    expect(changed.status).toBe(200);
    const listed = (await (await api.request('GET', '/api/users', { role: 'admin' })).json()).users.find((entry: { id: number }) => entry.id === user.id);
    expect(listed).toMatchObject({ disabled: false, role: 'field' });
    expect(new Date(listed.lastLoginAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    // A role change closes the user's live sockets: they reconnect into the new role's rooms.
    const fieldSocket = await connectSocket(api.baseUrl, { cookie: session });
    const roleChangeClosed = closedByServer(fieldSocket);
    const promoted = await api.request('PATCH', `/api/users/${user.id}`, { role: 'admin', body: { role: 'operator' } });
    expect((await promoted.json()).user.role).toBe('operator');
    expect(await roleChangeClosed).toBe('io server disconnect');

    // Disabling ends the session and the open socket now, not at the idle timeout, and a reconnection is refused.
    const operatorSocket = await connectSocket(api.baseUrl, { cookie: session });
    const disableClosed = closedByServer(operatorSocket);
    expect((await api.request('PATCH', `/api/users/${user.id}`, { role: 'admin', body: { disabled: true } })).status).toBe(200);
    expect(await disableClosed).toBe('io server disconnect');
    await expect(connectSocket(api.baseUrl, { cookie: session })).rejects.toThrow(/unauthenticated/);
    expect((await api.request('GET', '/api/auth/me', { cookie: session })).status).toBe(401);
    expect((await api.login('to-hai.tran', newPassword)).status).toBe(401);

    await api.request('PATCH', `/api/users/${user.id}`, { role: 'admin', body: { disabled: false } });
    const reset = await api.request('POST', `/api/users/${user.id}/password-reset`, { role: 'admin' });
    const { oneTimePassword: second } = await reset.json();
    expect(second).not.toBe(oneTimePassword);
    expect((await api.login('to-hai.tran', newPassword)).status).toBe(401);
    const again = await api.login('to-hai.tran', second);
    expect((await again.json()).user.mustChangePassword).toBe(true);

    const audit = await test.db.query(`SELECT action FROM audit_log WHERE entity_type = 'user' AND entity_id = $1 ORDER BY id`, [String(user.id)]);
    expect(audit.rows.map((row) => row.action)).toEqual(['create', 'password_changed', 'update', 'disable', 'enable', 'password_reset']);
    const everything = JSON.stringify((await test.db.query('SELECT details FROM audit_log')).rows);
    expect(everything).not.toContain(oneTimePassword);
    expect(everything).not.toContain(second);
  });

  it('refuses an admin removing their own admin role or disabling themselves, and non-admins entirely', async () => {
    const me = (await (await api.request('GET', '/api/auth/me', { role: 'admin' })).json()).user;
    const demote = await api.request('PATCH', `/api/users/${me.id}`, { role: 'admin', body: { role: 'viewer' } });
    expect(demote.status).toBe(409);
    expect((await demote.json()).error).toMatchObject({ code: 'self_lockout', field: 'role' });
    expect((await api.request('PATCH', `/api/users/${me.id}`, { role: 'admin', body: { disabled: true } })).status).toBe(409);
    expect((await api.request('PATCH', `/api/users/${me.id}`, { role: 'admin', body: { displayName: 'Quản trị viên' } })).status).toBe(200);
    expect((await api.request('GET', '/api/users', { role: 'operator' })).status).toBe(403);
    expect((await api.request('POST', `/api/users/${me.id}/password-reset`, { role: 'engineer' })).status).toBe(403);
    expect((await api.request('PATCH', '/api/users/999999', { role: 'admin', body: { role: 'viewer' } })).status).toBe(404);
  });
});
