// Incidents and alerts as OASIS CAP 1.2 messages, checked against the official schema (CAP-v1.2.xsd,
// with xmllint) as other systems would take them: an incident new, updated and resolved, by district
// only, merged away; the alerts' messages too (they share the CAP writing); and an agency taking its
// handoffs as CAP, POSTed to a real HTTP server that fails once.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseStringPromise } from 'xml2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { waitFor } from '../support/wait.ts';
import { addCamera, addDistrict } from '../alerts/support/fixtures.ts';
import { addUser } from '../alerts/support/people.ts';

/** The official schema lies beside the shared assets (../specs), as CI lays them out. */
const CAP_XSD = path.join(assetMirrorDir(), '..', 'specs', 'CAP-v1.2.xsd');

let test: TestDatabase;
let api: TestApi;
let raiser: ReturnType<typeof createAlertRaiser>;
let districtId: string;
let cameraId: string;
let agencyServer: Server;
let agencyUrl: string;
/** What the agency's server received, and how it answers next (a queue of statuses, then 200). */
const received: Array<{ path: string; contentType: string; body: string }> = [];
const answers: number[] = [];

/** xmllint's verdict on a document against the CAP 1.2 schema: '' when valid, else its complaints. */
function schemaErrors(xml: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lint = spawn('xmllint', ['--noout', '--schema', CAP_XSD, '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    lint.stderr.on('data', (chunk) => (stderr += chunk));
    lint.on('error', (error) => reject(new Error(`xmllint did not run (apt-get install -y libxml2-utils): ${error.message}`)));
    lint.on('close', (code) => resolve(code === 0 ? '' : stderr || `xmllint exited with ${code}`));
    lint.stdin.end(xml);
  });
}

type Role = 'admin' | 'operator' | 'viewer' | { cookie: string };
const call = async (method: string, url: string, role: Role, body?: unknown) => {
  const response = await api.request(method, url, { ...(typeof role === 'string' ? { role } : { cookie: role.cookie }), body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};

/** The document served, checked against the schema, and parsed. */
async function validCap(url: string) {
  const response = await api.request('GET', url, { role: 'viewer' });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/cap\+xml/);
  const xml = await response.text();
  expect(await schemaErrors(xml)).toBe('');
  return { xml, alert: (await parseStringPromise(xml)).alert };
}

const parameters = (info: { parameter: Array<{ valueName: string[]; value: string[] }> }) =>
  Object.fromEntries(info.parameter.map((entry) => [entry.valueName[0], entry.value[0]]));

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test, { CAP_SENDER: 'ops@hcmc.example', PUBLIC_URL: 'https://ops.hcmc.example' });
  raiser = createAlertRaiser({ db: test.db });
  districtId = await addDistrict(test.db, undefined, { type: 'Polygon', coordinates: [[[106.69, 10.77], [106.71, 10.77], [106.71, 10.79], [106.69, 10.79], [106.69, 10.77]]] });
  cameraId = await addCamera(test.db, districtId);
  agencyServer = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: text });
      response.statusCode = answers.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => agencyServer.listen(0, '127.0.0.1', resolve));
  agencyUrl = `http://127.0.0.1:${(agencyServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => agencyServer?.close(resolve));
  await api?.stop();
  await test?.drop();
});

describe('an incident as a CAP 1.2 message', () => {
  it('is valid CAP when new, after calls and a state change, and when resolved: Alert, then Updates referencing it, then AllClear', async () => {
    const opened = await call('POST', '/api/hotline/calls', 'operator', { line: '114', kind: 'fire', said: 'Cháy nhà', lat: 10.78, lon: 106.7, districtId, address: '12 Lê Lợi' });
    expect(opened.status).toBe(201);
    const id = opened.body.incident.id as number;

    const first = (await validCap(`/api/incidents/${id}/cap`)).alert;
    expect(first.$.xmlns).toBe('urn:oasis:names:tc:emergency:cap:1.2');
    expect(first.identifier[0]).toMatch(new RegExp(`^cityops-incident-${id}-\\d+$`));
    expect(first).toMatchObject({ sender: ['ops@hcmc.example'], status: ['Actual'], msgType: ['Alert'], scope: ['Public'], incidents: [`cityops-incident-${id}`] });
    expect(first.references).toBeUndefined();
    expect(first.info.map((info: { language: string[] }) => info.language[0])).toEqual(['vi-VN', 'en-US']);
    const english = first.info[1];
    expect(english).toMatchObject({ category: ['Fire'], event: ['Fire'], responseType: ['Avoid'], urgency: ['Immediate'], severity: ['Extreme'], certainty: ['Likely'] });
    expect(english.web).toEqual([`https://ops.hcmc.example/incidents/${id}`]);
    expect(english.area[0]).toEqual({ areaDesc: [`12 Lê Lợi, District ${districtId}`], circle: ['10.78,106.7 0.3'] });
    expect(parameters(english)).toMatchObject({ 'cityops:incidentId': String(id), 'cityops:state': 'open', 'cityops:hotline:114': '1' });
    // What the caller said may name people: it is not in the message.
    expect(JSON.stringify(first)).not.toContain('Cháy nhà');

    // A second call, from the police line, and a team on the way: a new version, an Update.
    expect((await call('POST', '/api/hotline/calls', 'operator', { line: '113', kind: 'fire', said: 'Khói đen', incidentId: id, lat: 10.78, lon: 106.7, districtId })).status).toBe(201);
    expect((await call('POST', `/api/incidents/${id}/state`, 'operator', { state: 'dispatched' })).status).toBe(200);
    const updated = (await validCap(`/api/incidents/${id}/cap`)).alert;
    expect(updated.msgType).toEqual(['Update']);
    expect(updated.identifier[0]).not.toBe(first.identifier[0]);
    expect(updated.references[0]).toMatch(new RegExp(`^ops@hcmc\\.example,${first.identifier[0]},${first.sent[0].replace(/[+]/g, '\\+')}$`));
    expect(parameters(updated.info[1])).toMatchObject({ 'cityops:state': 'dispatched', 'cityops:hotline:113': '1', 'cityops:hotline:114': '1' });

    expect((await call('POST', `/api/incidents/${id}/state`, 'operator', { state: 'resolved' })).status).toBe(200);
    const resolved = (await validCap(`/api/incidents/${id}/cap`)).alert;
    expect(resolved.msgType).toEqual(['Update']);
    expect(resolved.info[0]).toMatchObject({ responseType: ['AllClear'], urgency: ['Past'] });
    expect(parameters(resolved.info[0])['cityops:resolved']).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('covers the district\'s outline when the incident has no point, and is a Cancel once merged into another', async () => {
    const place = { districtId, address: 'Chợ Bến Thành' };
    const crowd = (await call('POST', '/api/incidents', 'operator', { kind: 'crowd', severity: 'minor', ...place })).body.incident.id as number;
    const other = (await call('POST', '/api/incidents', 'operator', { kind: 'crowd', severity: 'minor', ...place })).body.incident.id as number;
    const byDistrict = (await validCap(`/api/incidents/${crowd}/cap`)).alert;
    expect(byDistrict.info[0].area[0].polygon).toEqual(['10.77,106.69 10.77,106.71 10.79,106.71 10.79,106.69 10.77,106.69']);
    expect(byDistrict.info[0].category).toEqual(['Safety']);

    expect((await call('POST', `/api/incidents/${other}/merge`, 'operator', { incidentIds: [crowd] })).status).toBe(200);
    const cancelled = (await validCap(`/api/incidents/${crowd}/cap`)).alert;
    expect(cancelled).toMatchObject({ msgType: ['Cancel'], incidents: [`cityops-incident-${crowd} cityops-incident-${other}`] });
    expect(cancelled.note[0]).toContain(`incident ${other}`);
  });

  it('is for the command room and the assigned team only', async () => {
    const opened = await call('POST', '/api/incidents', 'operator', { kind: 'other', severity: 'info', districtId, address: 'Cầu Mống' });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const id = opened.body.incident.id;
    const stranger = await addUser(test.db, api, `cap-field-${Date.now()}`, 'field');
    expect((await call('GET', `/api/incidents/${id}/cap`, stranger)).status).toBe(403);
    expect((await api.request('GET', `/api/incidents/999999/cap`, { role: 'viewer' })).status).toBe(404);
  });
});

describe('an alert as a CAP 1.2 message', () => {
  it('is valid CAP when raised by a camera, when resolved, and with a district outline', async () => {
    const { alertId } = await raiser.raise({
      sourceType: 'camera',
      sourceId: cameraId,
      kind: 'stalled_vehicle',
      zoneId: 'zone-cap',
      severity: 'critical',
      title: { vi: 'Xe dừng trên cầu', en: 'Vehicle stopped on the bridge' },
      description: { vi: 'Xe tải dừng ở làn phải', en: 'A truck stopped in the right lane' },
    });
    expect((await validCap(`/api/alerts/${alertId}/cap`)).alert.msgType).toEqual(['Alert']);
    await call('POST', `/api/alerts/${alertId}/acknowledge`, 'operator', {});
    await call('POST', `/api/alerts/${alertId}/resolve`, 'operator', {});
    const resolved = (await validCap(`/api/alerts/${alertId}/cap`)).alert;
    expect(resolved).toMatchObject({ msgType: ['Update'], info: [{ responseType: ['AllClear'] }, { responseType: ['AllClear'] }] });

    const manual = (await call('POST', '/api/alerts', 'operator', { severity: 'minor', title: { vi: 'Ngập', en: 'Flooding' }, districtId })).body.alert;
    expect((await validCap(`/api/alerts/${manual.id}/cap`)).alert.info[0].area[0].polygon).toHaveLength(1);
  });
});

describe('an agency that takes CAP', () => {
  it('keeps its URL like a webhook\'s: required, encrypted, only the host answered', async () => {
    expect((await call('POST', '/api/agencies', 'admin', { name: 'CAP without URL', kind: 'other', delivery: 'cap' })).body.error.message).toContain('needs its URL');
    const created = (await call('POST', '/api/agencies', 'admin', { name: 'Cổng cảnh báo quốc gia', kind: 'other', delivery: 'cap', webhookUrl: `${agencyUrl}/cap-secret?token=k3y` })).body.agency;
    expect(created).toMatchObject({ delivery: 'cap', webhookHost: new URL(agencyUrl).host });
    expect(JSON.stringify((await call('GET', '/api/agencies', 'viewer')).body)).not.toContain('k3y');
    const stored = await test.db.query(`SELECT webhook_url_encrypted FROM agencies WHERE id = $1`, [created.id]);
    expect(stored.rows[0].webhook_url_encrypted).not.toContain('k3y');
  });

  it('gets the incident as a CAP message POSTed to its URL, retried after its server failed', async () => {
    const brigade = (await call('POST', '/api/agencies', 'admin', { name: 'PCCC (CAP)', kind: 'fire_brigade', delivery: 'cap', webhookUrl: `${agencyUrl}/cap?token=abc` })).body.agency;
    const id = (await call('POST', '/api/hotline/calls', 'operator', { line: '114', kind: 'fire', said: 'Cháy kho', lat: 10.775, lon: 106.695, districtId })).body.incident.id as number;
    answers.push(500);
    const handed = await call('POST', `/api/incidents/${id}/handoffs`, 'operator', { agencyId: brigade.id });
    expect(handed.status).toBe(201);
    const handoffId = handed.body.handoff.id;
    const lastError = await waitFor('the first attempt to fail', async () => (await test.db.query(`SELECT last_error FROM incident_handoffs WHERE id = $1`, [handoffId])).rows[0].last_error);
    expect(lastError).toContain('HTTP 500');
    // The backoff is 10 s; bring the retry forward instead of waiting it out.
    await test.db.query(`UPDATE incident_handoffs SET next_attempt_at = now() WHERE id = $1`, [handoffId]);
    await waitFor('the CAP handoff delivered', async () => (await test.db.query(`SELECT delivered_at FROM incident_handoffs WHERE id = $1`, [handoffId])).rows[0].delivered_at);

    const posts = received.filter((post) => post.path === '/cap?token=abc');
    expect(posts).toHaveLength(2);
    for (const post of posts) {
      expect(post.contentType).toBe('application/cap+xml');
      expect(await schemaErrors(post.body)).toBe('');
      const message = (await parseStringPromise(post.body)).alert;
      expect(parameters(message.info[1])).toMatchObject({ 'cityops:incidentId': String(id), 'cityops:hotline:114': '1' });
      expect(message.info[1].category).toEqual(['Fire']);
      // The handoff is a change of the incident, but the agency's first message about it: an Alert.
      expect(message.msgType).toEqual(['Alert']);
      expect(message.references).toBeUndefined();
    }
  });
});
