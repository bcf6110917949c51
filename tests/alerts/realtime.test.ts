// Live alerts with real socket.io clients: snapshot on connect, every change in order, two API
// processes sharing delivery, recovery of short drops, resync by cursor after long ones, field-team
// visibility and garbage on the socket. The two API processes are real OS processes (`apps/main.ts
// --role api`) on this file's database; this process raises alerts as a worker would.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEventMessage, AlertsSync } from '../../contract/alerts.ts';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { LIVE_CHANNEL_PREFIX } from '../../core/live/publisher.ts';
import type { AlertTrigger } from '../../core/alerts/types.ts';
import { AlertSyncClient } from '../../contract/alert-sync-client.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ApiProcessGroup, type ApiProcess } from '../support/api-process.ts';
import { addCamera, addDistrict } from './support/fixtures.ts';
import { addTeam, addUser, userId } from './support/people.ts';
import { collect, connectSocket, nextEvent } from './support/sockets.ts';

const run = promisify(execFile);
const RECOVERY_WINDOW_SECONDS = 2;
let test: TestDatabase;
let apis: ApiProcessGroup | undefined;
let api: ApiProcess;
let api2: ApiProcess;
let raiser: ReturnType<typeof createAlertRaiser>;
let cameraId: string;
let teamA: number;
let teamB: number;
let fieldB: { id: number; cookie: string };
const sockets: Socket[] = [];

const raise = async (overrides: Partial<AlertTrigger> = {}) =>
  raiser.raise({
    sourceType: 'camera',
    sourceId: cameraId,
    kind: 'crowd',
    zoneId: `zone-${Math.random().toString(36).slice(2)}`,
    severity: 'minor',
    title: { vi: 'Đám đông', en: 'Crowd' },
    ...overrides,
  });
const connect = async (cookie: string, options: { feed?: AlertSyncClient; baseUrl?: string; reconnection?: boolean } = {}) => {
  const socket = await connectSocket(options.baseUrl ?? api.baseUrl, { cookie, auth: options.feed?.auth, reconnection: options.reconnection });
  sockets.push(socket);
  return socket;
};
/** A client using the protocol's reference algorithm, resolved once its first sync is applied. */
const connectFeed = async (cookie: string, baseUrl?: string) => {
  const feed = new AlertSyncClient();
  const firstSync = new Promise<AlertsSync>((resolve) => {
    const off = feed.onChange((change) => {
      if (change.type === 'sync') {
        off();
        resolve(change.sync);
      }
    });
  });
  // Attached before connecting: on a loaded machine the first sync can arrive in the same read as `connect`.
  const socket = await connectSocket(baseUrl ?? api.baseUrl, { cookie, auth: feed.auth, beforeConnect: (created) => feed.attach(created) });
  sockets.push(socket);
  return { feed, socket, firstSync: await withTimeout(firstSync, 15_000, 'the first alerts:sync') };
};
const withTimeout = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref())]);
const waitFor = async (condition: () => boolean, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
const post = (path: string, role: 'operator' | 'admin', body: unknown = {}) => api.request('POST', path, { role, body });

beforeAll(async () => {
  test = await createTestDatabase();
  apis = new ApiProcessGroup(test, { LIVE_RECOVERY_WINDOW_SECONDS: String(RECOVERY_WINDOW_SECONDS) });
  [api, api2] = await Promise.all([apis.start('api-1'), apis.start('api-2')]);
  expect(api.process.pid).not.toBe(api2.process.pid);
  raiser = createAlertRaiser({ db: test.db });
  cameraId = await addCamera(test.db, await addDistrict(test.db));
  fieldB = await addUser(test.db, api, 'field-b', 'field');
  teamA = await addTeam(api, 'Team A', [await userId(test.db, 'field-user')]);
  teamB = await addTeam(api, 'Team B', [fieldB.id]);
}, 240_000);
afterAll(async () => {
  for (const socket of sockets) socket.close();
  // Runs when a test or beforeAll failed too: every api process started is stopped (SIGKILL after a grace).
  await apis?.stopAll();
  await test?.drop();
}, 60_000);

describe('live alerts', () => {
  it('gives a connecting client the open alerts it may see, then every change in order', async () => {
    const open = await raise();
    const closed = await raise();
    for (const action of ['acknowledge', 'resolve', 'close']) await post(`/api/alerts/${closed.alertId}/${action}`, 'operator');
    const { feed, socket, firstSync } = await connectFeed(api.cookieFor('operator'));
    expect(firstSync.mode).toBe('snapshot');
    expect(feed.alerts.has(open.alertId)).toBe(true);
    expect(feed.alerts.has(closed.alertId)).toBe(false);

    const events = collect<AlertEventMessage>(socket, 'alert:event');
    const fresh = await raise({ severity: 'major' });
    await raise({ zoneId: undefined, sourceId: cameraId, kind: 'congestion' });
    await post(`/api/alerts/${fresh.alertId}/acknowledge`, 'operator');
    await post(`/api/alerts/${fresh.alertId}/assign`, 'operator', { teamId: teamA });
    await waitFor(() => events.length >= 4, 'four live events');
    expect(events.map((event) => event.type)).toEqual(['raised', 'raised', 'acknowledged', 'assigned']);
    const ids = events.map((event) => event.eventId);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(feed.alerts.get(fresh.alertId)).toMatchObject({ state: 'assigned', assignedTeamId: teamA });
    expect(feed.cursor).toBe(ids[3]);
  });

  it('delivers an alert raised in a worker process to clients on two API processes', async () => {
    const onFirst = await connect(api.cookieFor('operator'));
    const onSecond = await connect(api2.cookieFor('viewer'), { baseUrl: api2.baseUrl });
    const workerCamera = await addCamera(test.db, null);
    const isWorkerAlert = (event: AlertEventMessage) => event.alert.source.id === workerCamera;
    // Generous: starting a tsx child on a busy machine takes seconds.
    const both = Promise.all([
      nextEvent<AlertEventMessage>(onFirst, 'alert:event', isWorkerAlert, 30_000),
      nextEvent<AlertEventMessage>(onSecond, 'alert:event', isWorkerAlert, 30_000),
    ]);
    const output = await run('npx', ['tsx', 'tests/alerts/support/raise-child.ts', test.url, '1', 'none', workerCamera, 'wrong_way']);
    const [alertId] = JSON.parse(output.stdout.trim().split('\n').pop()!).alertIds;
    const [a, b] = await both;
    expect(a).toMatchObject({ type: 'raised', alert: { id: alertId, kind: 'wrong_way' } });
    expect(b.eventId).toBe(a.eventId);
  });

  it('relays a change made through either API process to sync clients on both, which converge', async () => {
    const onFirst = await connectFeed(api.cookieFor('operator'));
    const onSecond = await connectFeed(api2.cookieFor('operator'), api2.baseUrl);
    const raised = await api2.request('POST', '/api/alerts', {
      role: 'operator',
      body: { severity: 'major', title: { vi: 'Cây đổ chắn đường', en: 'Fallen tree blocks the road' }, lat: 10.78, lon: 106.7 },
    });
    expect(raised.status).toBe(201);
    const alertId: number = (await raised.json()).alert.id;
    await waitFor(() => onFirst.feed.alerts.has(alertId), 'the alert raised through the second process on a client of the first');

    const acknowledged = await api.request('POST', `/api/alerts/${alertId}/acknowledge`, { role: 'operator', body: {} });
    expect(acknowledged.status).toBe(200);
    const lastEventId: number = (await acknowledged.json()).event.eventId;
    await waitFor(() => onSecond.feed.alerts.get(alertId)?.state === 'acknowledged', 'the acknowledgement through the first process on a client of the second');
    await waitFor(() => onFirst.feed.cursor === lastEventId && onSecond.feed.cursor === lastEventId, 'both clients at the last change');
    expect(onFirst.feed.alerts).toEqual(onSecond.feed.alerts);
  });

  it('recovers a short drop with socket.io connection state recovery, missed alerts included', async () => {
    const { feed, socket } = await connectFeed(api.cookieFor('operator'));
    // Let a live event go through first so the client holds a recovery offset.
    await raise();
    await waitFor(() => feed.synced && feed.cursor > 0, 'a live event');
    const engine = (socket as unknown as { io: { engine: { close(): void } } }).io.engine;
    engine.close(); // the network drops
    await waitFor(() => !socket.connected, 'the drop');
    const missed = [await raise(), await raise()];
    socket.connect();
    await waitFor(() => missed.every((alert) => feed.alerts.has(alert.alertId)), 'the missed alerts');
    expect(socket.recovered).toBe(true);
  });

  it('resyncs by cursor a client away longer than the recovery window: it gets every alert it missed', async () => {
    const { feed, socket } = await connectFeed(api.cookieFor('operator'));
    const syncs: AlertsSync[] = [];
    feed.onChange((change) => change.type === 'sync' && syncs.push(change.sync));
    const engine = (socket as unknown as { io: { engine: { close(): void } } }).io.engine;
    engine.close();
    await waitFor(() => !socket.connected, 'the drop');
    const cursorBefore = feed.cursor;
    const missed = [];
    for (let i = 0; i < 5; i++) missed.push(await raise({ severity: i % 2 ? 'major' : 'minor' }));
    await post(`/api/alerts/${missed[0].alertId}/acknowledge`, 'operator');
    await post(`/api/alerts/${missed[1].alertId}/acknowledge`, 'operator');
    await post(`/api/alerts/${missed[1].alertId}/resolve`, 'operator');
    await post(`/api/alerts/${missed[1].alertId}/close`, 'operator');
    await new Promise((resolve) => setTimeout(resolve, RECOVERY_WINDOW_SECONDS * 1000 + 500));

    socket.connect();
    await waitFor(() => syncs.length === 1, 'the resync');
    expect(socket.recovered).toBe(false);
    const sync = syncs[0];
    expect(sync.mode).toBe('replay');
    if (sync.mode !== 'replay') return;
    const missedIds = new Set(missed.map((alert) => alert.alertId));
    const replayed = sync.events.filter((event): event is AlertEventMessage => 'alert' in event && missedIds.has(event.alert.id));
    expect(replayed.map((event) => event.type)).toEqual(['raised', 'raised', 'raised', 'raised', 'raised', 'acknowledged', 'acknowledged', 'resolved', 'closed']);
    expect(sync.events.every((event) => event.eventId > cursorBefore)).toBe(true);
    const all = await test.db.query(`SELECT position FROM alert_events WHERE position > $1 ORDER BY position`, [cursorBefore]);
    expect(sync.events.map((event) => event.eventId)).toEqual(all.rows.map((row) => Number(row.position)));
    expect(feed.alerts.get(missed[0].alertId)?.state).toBe('acknowledged');
    expect(feed.alerts.has(missed[1].alertId)).toBe(false); // closed while away
    for (const alert of missed.slice(2)) expect(feed.alerts.get(alert.alertId)?.state).toBe('new');
    expect(feed.cursor).toBe(sync.cursor);
  });

  it('shows a field user only alerts assigned to their team, and takes them away when reassigned', async () => {
    const fieldA = await connectFeed(api.cookieFor('field'));
    const fieldBFeed = await connectFeed(fieldB.cookie);
    const unassigned = await raise();
    const alert = await raise();
    await post(`/api/alerts/${alert.alertId}/assign`, 'operator', { teamId: teamA });
    await waitFor(() => fieldA.feed.alerts.has(alert.alertId), 'the assigned alert on team A');
    expect(fieldA.feed.alerts.has(unassigned.alertId)).toBe(false);
    expect([...fieldA.feed.alerts.values()].every((candidate) => candidate.assignedTeamId === teamA)).toBe(true);
    expect(fieldBFeed.feed.alerts.has(alert.alertId)).toBe(false);

    const removed = nextEvent<{ alertId: number }>(fieldA.socket, 'alert:removed');
    await post(`/api/alerts/${alert.alertId}/assign`, 'operator', { teamId: teamB });
    expect((await removed).alertId).toBe(alert.alertId);
    await waitFor(() => fieldBFeed.feed.alerts.has(alert.alertId), 'the reassigned alert on team B');
    expect(fieldA.feed.alerts.has(alert.alertId)).toBe(false);

    // A new member's open sockets join the team at once and are told to resync.
    const teamC = await addTeam(api, 'Team C', []);
    const another = await raise();
    await post(`/api/alerts/${another.alertId}/assign`, 'operator', { teamId: teamC });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fieldBFeed.feed.alerts.has(another.alertId)).toBe(false);
    expect((await api.request('PUT', `/api/teams/${teamC}/members/${fieldB.id}`, { role: 'admin' })).status).toBe(200);
    await waitFor(() => fieldBFeed.feed.alerts.has(another.alertId), 'the new team\'s alert after alerts:stale');
  });

  it('answers garbage on the socket with an error to that client only', async () => {
    const rude = await connect(api.cookieFor('viewer'));
    const bystander = await connectFeed(api.cookieFor('viewer'));
    const errors = collect<{ code: string; event: string }>(rude, 'app:error');
    rude.emit('drop tables', { please: true });
    const invalid = await new Promise<{ error: { code: string; field: string } }>((resolve) => rude.emit('alerts:sync', { after: 'yesterday' }, resolve));
    expect(invalid.error).toMatchObject({ code: 'invalid', field: 'after' });
    await waitFor(() => errors.length === 2, 'two app:error messages');
    // The two are answered by different handlers, so their order is not part of the contract.
    expect(errors.map((error) => [error.code, error.event]).sort()).toEqual([
      ['invalid', 'alerts:sync'],
      ['unknown_event', 'drop tables'],
    ]);
    errors.length = 0;
    // Syncs requested in a burst: two may wait, the rest are refused as busy, nothing piles up. Twenty, not
    // six: on a loaded machine the first syncs could finish before six arrived, leaving fewer than three busy.
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => new Promise<{ mode?: string; error?: { code: string } }>((resolve) => rude.emit('alerts:sync', {}, resolve))),
    );
    expect(answers.filter((answer) => answer.mode === 'snapshot').length).toBeGreaterThanOrEqual(1);
    expect(answers.filter((answer) => answer.error?.code === 'busy').length).toBeGreaterThanOrEqual(3);
    const calm = await new Promise<{ mode?: string }>((resolve) => rude.emit('alerts:sync', { after: 0 }, resolve));
    expect(calm.mode).toBe('replay');
    // A frame socket.io cannot even parse closes that client's connection, nobody else's.
    const closed = new Promise<string>((resolve) => rude.once('disconnect', resolve));
    (rude as unknown as { io: { engine: { write(data: string): void } } }).io.engine.write('2garbage{{{');
    expect(await closed).toMatch(/parse error|transport close|io server disconnect/);
    const later = await raise();
    await waitFor(() => bystander.feed.alerts.has(later.alertId), 'the bystander to keep receiving');
    expect(bystander.socket.connected).toBe(true);
  });

  it('replays to a field user back after a long absence only what concerns their team', async () => {
    const fieldA = await connectFeed(api.cookieFor('field'));
    const syncs: AlertsSync[] = [];
    fieldA.feed.onChange((change) => change.type === 'sync' && syncs.push(change.sync));
    const leaving = await raise();
    await post(`/api/alerts/${leaving.alertId}/assign`, 'operator', { teamId: teamA });
    await waitFor(() => fieldA.feed.alerts.has(leaving.alertId), 'the alert before the phone goes offline');
    const engine = (fieldA.socket as unknown as { io: { engine: { close(): void } } }).io.engine;
    engine.close();
    await waitFor(() => !fieldA.socket.connected, 'the drop');
    const cursorBefore = fieldA.feed.cursor;
    const arriving = await raise();
    const elsewhere = await raise();
    await post(`/api/alerts/${arriving.alertId}/assign`, 'operator', { teamId: teamA });
    await post(`/api/alerts/${elsewhere.alertId}/assign`, 'operator', { teamId: teamB });
    await post(`/api/alerts/${leaving.alertId}/assign`, 'operator', { teamId: teamB });
    await new Promise((resolve) => setTimeout(resolve, RECOVERY_WINDOW_SECONDS * 1000 + 500));
    fieldA.socket.connect();
    await waitFor(() => syncs.length === 1, 'the resync');
    const sync = syncs[0];
    expect(sync.mode).toBe('replay');
    if (sync.mode !== 'replay') return;
    expect(sync.events.map((event) => ('alert' in event ? [event.type, event.alert.id] : ['removed', event.alertId]))).toEqual([
      ['assigned', arriving.alertId],
      ['removed', leaving.alertId],
    ]);
    expect(sync.events.every((event) => event.eventId > cursorBefore)).toBe(true);
    expect(fieldA.feed.alerts.has(arriving.alertId)).toBe(true);
    expect(fieldA.feed.alerts.has(leaving.alertId)).toBe(false);
    expect(fieldA.feed.alerts.has(elsewhere.alertId)).toBe(false);
  });

  it('survives the database dropping its live connection, and makes clients resync what they missed', async () => {
    // One client on each API process: each process must notice its own lost LISTEN and resync its clients.
    const clients = [await connectFeed(api.cookieFor('operator')), await connectFeed(api2.cookieFor('operator'), api2.baseUrl)].map(({ feed }) => {
      const syncs: AlertsSync[] = [];
      feed.onChange((change) => change.type === 'sync' && syncs.push(change.sync));
      return { feed, syncs };
    });
    // The live channel's LISTEN only: the api role has others (the dispatch escalation's wake-up).
    const terminated = await test.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND query LIKE $1 AND pid <> pg_backend_pid()`,
      [`%${LIVE_CHANNEL_PREFIX}%`],
    );
    expect(terminated.rowCount).toBe(2); // one per API process
    const missed = await raise(); // published while nobody listens
    await waitFor(
      () => clients.every(({ feed, syncs }) => syncs.length >= 1 && feed.alerts.has(missed.alertId)),
      'the resync on both processes after the live connection came back',
      15_000,
    );
    expect((await api.request('GET', '/healthz')).status).toBe(200);
    expect((await api2.request('GET', '/healthz')).status).toBe(200);
    const after = await raise();
    await waitFor(() => clients.every(({ feed }) => feed.alerts.has(after.alertId)), 'live delivery to resume on both processes');
  });

  it('sends a change too large for a live message as alerts:stale, and the client resyncs it', async () => {
    const { feed, socket } = await connectFeed(api.cookieFor('operator'));
    const stale = nextEvent<{ reason: string }>(socket, 'alerts:stale');
    const long = 'Nước dâng cao tràn qua đường, '.repeat(130).slice(0, 3900);
    const big = await raise({ description: { vi: long, en: 'Water over the road. '.repeat(180).slice(0, 3900) } });
    expect((await stale).reason).toMatch(/too large/);
    await waitFor(() => feed.alerts.get(big.alertId)?.description.vi === long.trim(), 'the large alert after the resync');
  });

  it('refuses a socket without a valid session', async () => {
    await expect(connectSocket(api.baseUrl, { cookie: 'cityops_session=forged' })).rejects.toMatchObject({ data: { code: 'unauthenticated' } });
  });
});
