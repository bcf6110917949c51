// The agency registry and handoffs through the REST API: secrets kept, routing proposals, delivery to a
// real HTTP server (retried after a failure, given up after the last attempt), to a real MQTT broker,
// and to an agency's own field team, whose acknowledgement acknowledges the handoff.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../../core/mqtt/connect.ts';
import { MAX_ATTEMPTS } from '../../dashboard/server/incidents/handoffs.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { testMqttUrl } from '../support/urls.ts';
import { waitFor } from '../support/wait.ts';
import { addDistrict } from '../alerts/support/fixtures.ts';
import { addUser } from '../alerts/support/people.ts';

let test: TestDatabase;
let api: TestApi;
let districtId: string;
let otherDistrictId: string;
let agencyServer: Server;
let agencyUrl: string;
let subscriber: MqttClient;
/** What the agency's HTTP server received, and how it answers next (a queue of statuses, then 200). */
const received: Array<{ path: string; body: Record<string, unknown> }> = [];
const answers: number[] = [];

const call = async (method: string, path: string, role: 'admin' | 'operator' | 'viewer' | { cookie: string }, body?: unknown) => {
  const response = await api.request(method, path, { ...(typeof role === 'string' ? { role } : { cookie: role.cookie }), body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};
let nextSpot = 0;
const spot = () => ({ lat: 10.70 + 0.05 * nextSpot, lon: 106.60 + 0.05 * nextSpot++ });
const incident = async (kind: string, place = spot(), district = districtId) => {
  const logged = await call('POST', '/api/hotline/calls', 'operator', { line: '114', kind, said: 'Gọi báo', ...place, districtId: district });
  expect(logged.status).toBe(201);
  return logged.body.incident.id as number;
};
const timeline = async (id: number) => (await call('GET', `/api/incidents/${id}`, 'operator')).body.timeline as Array<{ type: string; data: Record<string, unknown> }>;
const agency = async (body: Record<string, unknown>) => {
  const created = await call('POST', '/api/agencies', 'admin', body);
  expect(created.status).toBe(201);
  return created.body.agency as { id: number };
};

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test, { MQTT_URL: testMqttUrl() });
  districtId = await addDistrict(test.db, undefined, { type: 'Polygon', coordinates: [[[106.5, 10.6], [108.5, 10.6], [108.5, 12.5], [106.5, 12.5], [106.5, 10.6]]] });
  otherDistrictId = await addDistrict(test.db);
  agencyServer = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body: JSON.parse(text || '{}') });
      response.statusCode = answers.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => agencyServer.listen(0, '127.0.0.1', resolve));
  agencyUrl = `http://127.0.0.1:${(agencyServer.address() as AddressInfo).port}`;
  subscriber = await connectMqtt({ MQTT_URL: testMqttUrl() }, `agencies-test-${process.pid}-${Date.now()}`);
});
afterAll(async () => {
  await subscriber?.endAsync();
  await new Promise((resolve) => agencyServer?.close(resolve));
  await api?.stop();
  await test?.drop();
});

describe('the agency registry', () => {
  it('keeps a webhook URL secret: encrypted at rest, only its host answered, never in the audit log', async () => {
    const created = await agency({ name: 'Công ty Thoát nước', kind: 'drainage_company', incidentKinds: ['flooding'], delivery: 'webhook', webhookUrl: `${agencyUrl}/hook?token=s3cret-token` });
    const listed = (await call('GET', '/api/agencies', 'viewer')).body.agencies.find((found: { id: number }) => found.id === created.id);
    expect(listed).toMatchObject({ webhookHost: new URL(agencyUrl).host, delivery: 'webhook' });
    expect(JSON.stringify(listed)).not.toContain('s3cret');
    const stored = await test.db.query(`SELECT webhook_url_encrypted FROM agencies WHERE id = $1`, [created.id]);
    expect(stored.rows[0].webhook_url_encrypted).not.toContain('s3cret');
    const audit = await test.db.query(`SELECT details FROM audit_log WHERE entity_type = 'agency'`);
    expect(JSON.stringify(audit.rows)).not.toContain('s3cret');
  });

  it('refuses what cannot work, saying why; only admins change it', async () => {
    expect((await call('POST', '/api/agencies', 'admin', { name: 'No topic', kind: 'other', delivery: 'mqtt' })).body.error.message).toContain('needs its topic');
    expect((await call('POST', '/api/agencies', 'admin', { name: 'No url', kind: 'other', delivery: 'webhook' })).body.error.message).toContain('needs its URL');
    expect((await call('POST', '/api/agencies', 'admin', { name: 'Bad district', kind: 'other', delivery: 'team', districtIds: ['nowhere'] })).body.error.message).toContain('nowhere');
    expect((await call('POST', '/api/agencies', 'operator', { name: 'x', kind: 'other', delivery: 'team' })).status).toBe(403);
    // An edit that switches a team agency to a webhook without giving its URL: refused, and kept as it was.
    const teamAgency = await agency({ name: 'Đội riêng', kind: 'other', delivery: 'team' });
    const switched = await call('PUT', `/api/agencies/${teamAgency.id}`, 'admin', { name: 'Đội riêng', kind: 'other', delivery: 'webhook' });
    expect(switched.status).toBe(400);
    expect(switched.body.error).toMatchObject({ field: 'webhookUrl' });
    expect((await test.db.query(`SELECT delivery FROM agencies WHERE id = $1`, [teamAgency.id])).rows[0].delivery).toBe('team');
  });

  it('proposes the agencies covering the district and handling the kind, the district\'s own first', async () => {
    const local = await agency({ name: `Đội PCCC quận ${districtId}`, kind: 'fire_brigade', districtIds: [districtId], incidentKinds: ['fire'], delivery: 'team' });
    const city = await agency({ name: 'Cảnh sát PCCC thành phố', kind: 'fire_brigade', incidentKinds: ['fire'], delivery: 'team' });
    const elsewhere = await agency({ name: 'Đội PCCC quận khác', kind: 'fire_brigade', districtIds: [otherDistrictId], incidentKinds: ['fire'], delivery: 'team' });
    const id = await incident('fire');
    const routing = (await call('GET', `/api/incidents/${id}/routing`, 'operator')).body;
    const ids = routing.proposals.map((proposal: { agency: { id: number } }) => proposal.agency.id);
    expect(ids.indexOf(local.id)).toBeLessThan(ids.indexOf(city.id));
    expect(ids).not.toContain(elsewhere.id);
    expect(routing.proposals[0]).toMatchObject({ coversDistrict: true, handlesKind: true });
  });
});

describe('handoffs', () => {
  it('to a webhook: retried after the agency\'s server failed, delivered, on the timeline; acknowledged by an operator', async () => {
    const drainage = await agency({ name: 'Thoát nước quận', kind: 'drainage_company', incidentKinds: ['flooding'], delivery: 'webhook', webhookUrl: `${agencyUrl}/flood?token=abc123` });
    const id = await incident('flooding');
    answers.push(503);
    const handed = await call('POST', `/api/incidents/${id}/handoffs`, 'operator', { agencyId: drainage.id, note: 'Ngập sâu 40 cm' });
    expect(handed.status).toBe(201);
    const handoffId = handed.body.handoff.id;
    await waitFor('the first attempt to fail', async () => (await test.db.query(`SELECT last_error FROM incident_handoffs WHERE id = $1`, [handoffId])).rows[0].last_error);
    expect((await test.db.query(`SELECT last_error FROM incident_handoffs WHERE id = $1`, [handoffId])).rows[0].last_error).toContain('HTTP 503');
    // The backoff is 10 s; bring the retry forward instead of waiting it out.
    await test.db.query(`UPDATE incident_handoffs SET next_attempt_at = now() WHERE id = $1`, [handoffId]);
    await waitFor('the handoff delivered', async () => (await timeline(id)).some((entry) => entry.type === 'handoff_delivered'));
    const posts = received.filter((post) => post.path === '/flood?token=abc123');
    expect(posts).toHaveLength(2);
    expect(posts[1].body).toMatchObject({ handoffId, incident: { id, kind: 'flooding' } });
    expect((await timeline(id)).map((entry) => entry.type)).toEqual(['opened', 'call', 'handoff', 'handoff_delivered']);

    const acknowledged = await call('POST', `/api/incidents/${id}/handoffs/${handoffId}/acknowledge`, 'operator', { by: 'Anh Minh, trực ban thoát nước' });
    expect(acknowledged.body.handoff).toMatchObject({ acknowledgedBy: 'Anh Minh, trực ban thoát nước', attempts: 2 });
    expect((await call('POST', `/api/incidents/${id}/handoffs`, 'operator', { agencyId: drainage.id })).status).toBe(409);
  });

  it('gives up after the last attempt and says so on the timeline', async () => {
    const dead = await agency({ name: 'Không trả lời', kind: 'other', delivery: 'webhook', webhookUrl: `${agencyUrl}/dead` });
    const id = await incident('other');
    answers.push(500);
    const handed = await call('POST', `/api/incidents/${id}/handoffs`, 'operator', { agencyId: dead.id });
    // As if the earlier attempts had all failed: this one is the last.
    await test.db.query(`UPDATE incident_handoffs SET attempts = $2 - 1, next_attempt_at = now() WHERE id = $1`, [handed.body.handoff.id, MAX_ATTEMPTS]);
    const failed = await waitFor('the handoff given up', async () => (await timeline(id)).find((entry) => entry.type === 'handoff_failed'));
    expect(failed.data).toMatchObject({ agencyName: 'Không trả lời', attempts: MAX_ATTEMPTS });
  });

  it('to an MQTT topic, as a QoS 1 message', async () => {
    const topic = `agencies/police-${Date.now()}`;
    const police = await agency({ name: 'Công an phường', kind: 'police_ward', delivery: 'mqtt', mqttTopic: topic });
    const message = new Promise<Record<string, unknown>>((resolve) => subscriber.on('message', (got, payload) => got === topic && resolve(JSON.parse(payload.toString()))));
    await subscriber.subscribeAsync(topic, { qos: 1 });
    const id = await incident('public_order');
    await call('POST', `/api/incidents/${id}/handoffs`, 'operator', { agencyId: police.id });
    expect(await message).toMatchObject({ incident: { id, kind: 'public_order' } });
    await waitFor('the MQTT handoff delivered', async () => (await timeline(id)).some((entry) => entry.type === 'handoff_delivered'));
  });

  it('to an agency\'s own field team: delivered at once, acknowledged when its team acknowledges the assignment', async () => {
    const brigade = await agency({ name: 'Đội cứu hộ phường', kind: 'fire_brigade', delivery: 'team' });
    const member = await addUser(test.db, api, `rescue-${Date.now()}`, 'field');
    const team = (await call('POST', '/api/teams', 'admin', { name: `Cứu hộ ${Date.now()}` })).body.team;
    await call('PUT', `/api/teams/${team.id}/members/${member.id}`, 'admin');
    expect((await call('PUT', `/api/teams/${team.id}/agency`, 'admin', { agencyId: brigade.id })).status).toBe(200);
    const id = await incident('fire');
    const handed = await call('POST', `/api/incidents/${id}/handoffs`, 'operator', { agencyId: brigade.id });
    expect(handed.body.handoff.deliveredAt).not.toBeNull();
    await call('POST', `/api/incidents/${id}/assign`, 'operator', { teamId: team.id });
    expect((await call('POST', `/api/incidents/${id}/acknowledge`, member)).status).toBe(200);
    const handoffs = (await call('GET', `/api/incidents/${id}/routing`, 'operator')).body.handoffs;
    expect(handoffs[0]).toMatchObject({ agencyName: 'Đội cứu hộ phường', acknowledgedBy: expect.stringContaining('rescue-') });
  });
});
