// People acting on alerts through the REST API: the lifecycle, its audit trail, field-team rules,
// bad input, history and export, CAP and Atom.
import sharp from 'sharp';
import { parseStringPromise } from 'xml2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import type { AlertTrigger } from '../../core/alerts/types.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { addCamera, addDistrict } from './support/fixtures.ts';
import { addTeam, addUser, userId } from './support/people.ts';

let test: TestDatabase;
let api: TestApi;
let raiser: ReturnType<typeof createAlertRaiser>;
let districtId: string;
let cameraId: string;
let teamA: number;
let teamB: number;
let fieldB: { id: number; cookie: string };

const raise = async (overrides: Partial<AlertTrigger> = {}) =>
  (
    await raiser.raise({
      sourceType: 'camera',
      sourceId: cameraId,
      kind: 'stalled_vehicle',
      zoneId: `zone-${Math.random()}`,
      severity: 'major',
      title: { vi: 'Xe dừng trên cầu', en: 'Vehicle stopped on the bridge' },
      description: { vi: 'Xe tải dừng ở làn phải', en: 'A truck stopped in the right lane' },
      ...overrides,
    })
  ).alertId;
const post = (path: string, role: 'operator' | 'field' | 'viewer' | 'admin', body?: unknown) => api.request('POST', path, { role, body: body ?? {} });
const audited = async (alertId: number) =>
  (await test.db.query(`SELECT action, username, details FROM audit_log WHERE entity_type = 'alert' AND entity_id = $1 ORDER BY id`, [String(alertId)])).rows;

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test, { ALERT_NOTE_MAX_CHARS: '500', CAP_SENDER: 'ops@hcmc.example', PUBLIC_URL: 'https://ops.hcmc.example' });
  raiser = createAlertRaiser({ db: test.db });
  districtId = await addDistrict(test.db, undefined, {
    type: 'Polygon',
    coordinates: [[[106.69, 10.77], [106.71, 10.77], [106.71, 10.79], [106.69, 10.79], [106.69, 10.77]]],
  });
  cameraId = await addCamera(test.db, districtId);
  fieldB = await addUser(test.db, api, 'field-b', 'field');
  teamA = await addTeam(api, 'Đội cứu hộ A', [await userId(test.db, 'field-user')], districtId);
  teamB = await addTeam(api, 'Đội cứu hộ B', [fieldB.id]);
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('the alert lifecycle', () => {
  it('walks new → acknowledged → assigned → resolved → closed with notes, a photo, every step audited and in the history', async () => {
    const id = await raise();
    expect((await post(`/api/alerts/${id}/acknowledge`, 'operator', { note: 'Đã thấy trên camera' })).status).toBe(200);
    const assigned = await post(`/api/alerts/${id}/assign`, 'operator', { teamId: teamA, note: 'Đội A xử lý' });
    expect(assigned.status).toBe(200);
    expect((await assigned.json()).event).toMatchObject({ type: 'assigned', alert: { state: 'assigned', assignedTeamId: teamA } });
    expect((await post(`/api/alerts/${id}/acknowledge`, 'field', { note: 'Đang đến' })).status).toBe(200);
    expect((await post(`/api/alerts/${id}/notes`, 'field', { note: 'Đã đến nơi' })).status).toBe(200);

    const form = new FormData();
    form.append('note', 'Ảnh hiện trường');
    const jpeg = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#c00' } }).jpeg().toBuffer();
    form.append('photo', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'scene.jpg');
    const uploaded = await fetch(`${api.baseUrl}/api/alerts/${id}/photos`, { method: 'POST', headers: { cookie: api.cookieFor('field') }, body: form });
    expect(uploaded.status).toBe(200);

    expect((await post(`/api/alerts/${id}/resolve`, 'field', { note: 'Đã kéo xe đi' })).status).toBe(200);
    const closed = await post(`/api/alerts/${id}/close`, 'operator');
    expect(closed.status).toBe(200);

    const detail = await (await api.request('GET', `/api/alerts/${id}`, { role: 'operator' })).json();
    expect(detail.alert.state).toBe('closed');
    expect(detail.alert.history.map((entry: { type: string }) => entry.type)).toEqual(['raised', 'acknowledged', 'assigned', 'team_acknowledged', 'note', 'photo', 'resolved', 'closed']);
    expect(detail.alert.history.map((entry: { username: string }) => entry.username)).toEqual([
      'system:camera-rules', 'operator-user', 'operator-user', 'field-user', 'field-user', 'field-user', 'field-user', 'operator-user',
    ]);
    expect(detail.alert.notes.map((note: { text: string }) => note.text)).toEqual(['Đã thấy trên camera', 'Đội A xử lý', 'Đang đến', 'Đã đến nơi', 'Ảnh hiện trường', 'Đã kéo xe đi']);
    expect(detail.alert.photos).toEqual([expect.objectContaining({ contentType: 'image/jpeg', width: 32, height: 24, username: 'field-user' })]);
    const photo = await api.request('GET', `/api/alerts/${id}/photos/${detail.alert.photos[0].id}`, { role: 'field' });
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await photo.arrayBuffer()).equals(jpeg)).toBe(true);

    const audit = await audited(id);
    expect(audit.map((row) => [row.action, row.username])).toEqual([
      ['raise', 'system:camera-rules'],
      ['acknowledge', 'operator-user'],
      ['assign', 'operator-user'],
      ['team_acknowledge', 'field-user'],
      ['note', 'field-user'],
      ['photo', 'field-user'],
      ['resolve', 'field-user'],
      ['close', 'operator-user'],
    ]);
    expect(audit[2].details).toMatchObject({ fromState: 'acknowledged', toState: 'assigned', teamId: teamA, previousTeamId: null });
  });

  it('answers 409 to an invalid transition, such as resolving a closed alert, and changes nothing', async () => {
    const id = await raise();
    const early = await post(`/api/alerts/${id}/resolve`, 'operator');
    expect(early.status).toBe(409);
    expect((await early.json()).error).toMatchObject({ code: 'invalid_transition', message: 'acknowledge the alert before resolving it' });
    await post(`/api/alerts/${id}/acknowledge`, 'operator');
    await post(`/api/alerts/${id}/resolve`, 'operator');
    await post(`/api/alerts/${id}/close`, 'operator');
    const eventsBefore = (await test.db.query(`SELECT count(*)::int AS n FROM alert_events WHERE alert_id = $1`, [id])).rows[0].n;
    const again = await post(`/api/alerts/${id}/resolve`, 'operator');
    expect(again.status).toBe(409);
    expect((await again.json()).error.message).toMatch(/closed/);
    expect((await post(`/api/alerts/${id}/acknowledge`, 'operator')).status).toBe(409);
    expect((await post(`/api/alerts/${id}/notes`, 'operator', { note: 'late' })).status).toBe(409);
    expect((await test.db.query(`SELECT count(*)::int AS n FROM alert_events WHERE alert_id = $1`, [id])).rows[0].n).toBe(eventsBefore);
    expect((await audited(id)).map((row) => row.action)).toEqual(['raise', 'acknowledge', 'resolve', 'close']);
  });

  it('answers 403 to a field user of another team, and shows field users only their team\'s alerts', async () => {
    const id = await raise();
    await post(`/api/alerts/${id}/assign`, 'operator', { teamId: teamA });
    const asFieldB = (method: string, path: string, body?: unknown) => api.request(method, path, { cookie: fieldB.cookie, body });
    expect((await asFieldB('POST', `/api/alerts/${id}/acknowledge`, {})).status).toBe(403);
    expect((await asFieldB('POST', `/api/alerts/${id}/resolve`, {})).status).toBe(403);
    expect((await asFieldB('POST', `/api/alerts/${id}/notes`, { note: 'not ours' })).status).toBe(403);
    expect((await asFieldB('GET', `/api/alerts/${id}`)).status).toBe(403);
    expect((await asFieldB('GET', `/api/alerts/${id}/cap`)).status).toBe(403);
    const listB = await (await asFieldB('GET', '/api/alerts')).json();
    expect(listB.alerts.map((alert: { id: number }) => alert.id)).not.toContain(id);
    const listA = await (await api.request('GET', '/api/alerts', { role: 'field' })).json();
    expect(listA.alerts.map((alert: { id: number }) => alert.id)).toContain(id);
    expect(listA.alerts.every((alert: { assignedTeamId: number }) => alert.assignedTeamId === teamA)).toBe(true);
    // Unassigned alerts are not field work, and field users neither assign nor close.
    const unassigned = await raise();
    expect((await post(`/api/alerts/${unassigned}/acknowledge`, 'field')).status).toBe(403);
    expect((await post(`/api/alerts/${id}/assign`, 'field', { teamId: teamA })).status).toBe(403);
    expect((await audited(id)).map((row) => row.action)).toEqual(['raise', 'assign']);
    // Reassigned to team B: now B acts and A is refused.
    expect((await post(`/api/alerts/${id}/assign`, 'operator', { teamId: teamB })).status).toBe(200);
    expect((await asFieldB('POST', `/api/alerts/${id}/acknowledge`, {})).status).toBe(200);
    expect((await post(`/api/alerts/${id}/notes`, 'field', { note: 'still ours?' })).status).toBe(403);
  });

  it('refuses a note over the size limit with 400 and stores nothing', async () => {
    const id = await raise();
    const response = await post(`/api/alerts/${id}/notes`, 'operator', { note: 'x'.repeat(501) });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ code: 'invalid', field: 'note' });
    const withTransition = await post(`/api/alerts/${id}/acknowledge`, 'operator', { note: 'y'.repeat(501) });
    expect(withTransition.status).toBe(400);
    const row = (await test.db.query(`SELECT state, (SELECT count(*)::int FROM alert_notes WHERE alert_id = $1) AS notes FROM alerts WHERE id = $1`, [id])).rows[0];
    expect(row).toEqual({ state: 'new', notes: 0 });
  });

  it('refuses a photo that is not an image with 400, whatever its name and declared type', async () => {
    const id = await raise();
    await post(`/api/alerts/${id}/acknowledge`, 'operator');
    const form = new FormData();
    form.append('photo', new Blob(['#!/bin/sh\necho not a photo\n'], { type: 'image/jpeg' }), 'photo.jpg');
    const response = await fetch(`${api.baseUrl}/api/alerts/${id}/photos`, { method: 'POST', headers: { cookie: api.cookieFor('operator') }, body: form });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ code: 'not_an_image', field: 'photo' });
    const svg = new FormData();
    svg.append('photo', new Blob(['<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><script>alert(1)</script></svg>'], { type: 'image/svg+xml' }), 'x.svg');
    const svgResponse = await fetch(`${api.baseUrl}/api/alerts/${id}/photos`, { method: 'POST', headers: { cookie: api.cookieFor('operator') }, body: svg });
    expect(svgResponse.status).toBe(400);
    expect((await test.db.query(`SELECT count(*)::int AS n FROM alert_media WHERE alert_id = $1`, [id])).rows[0].n).toBe(0);
  });

  it('lets operators raise a manual alert, and refuses viewers', async () => {
    const body = { severity: 'critical', title: { vi: 'Cháy nhà', en: 'House fire' }, lat: 10.78, lon: 106.7, districtId };
    expect((await post('/api/alerts', 'viewer', body)).status).toBe(403);
    const response = await post('/api/alerts', 'operator', body);
    expect(response.status).toBe(201);
    const { alert } = await response.json();
    expect(alert).toMatchObject({ kind: 'manual', severity: 'critical', state: 'new', source: { type: 'system' }, districtId });
    expect((await audited(alert.id)).map((row) => [row.action, row.username])).toEqual([['created', 'operator-user']]);
    const unknown = await post('/api/alerts', 'operator', { ...body, kind: 'congestion', source: { type: 'camera', id: 'ghost-cam' } });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error).toMatchObject({ code: 'unknown_device', field: 'sourceId' });
  });

  it('adds a manual report on a device with an open alert to that alert: title kept, severity only up, note and audit row', async () => {
    const zoneId = `zone-manual-${Math.random()}`;
    const id = await raise({ zoneId, severity: 'major' });
    const report = (severity: string, en: string) =>
      post('/api/alerts', 'operator', { kind: 'stalled_vehicle', severity, title: { vi: en, en }, description: { vi: 'Người dân gọi điện', en: 'A resident called' }, source: { type: 'camera', id: cameraId, zoneId } });
    const milder = await report('minor', 'Caller says a car stopped');
    expect(milder.status).toBe(200);
    expect(await milder.json()).toMatchObject({ created: false, alert: { id, severity: 'major', title: { en: 'Vehicle stopped on the bridge' } } });
    const worse = await report('critical', 'Caller says people are hurt');
    expect((await worse.json()).alert).toMatchObject({ id, severity: 'critical', title: { en: 'Vehicle stopped on the bridge' } });

    const detail = (await (await api.request('GET', `/api/alerts/${id}`, { role: 'operator' })).json()).alert;
    expect(detail.title.en).toBe('Vehicle stopped on the bridge');
    expect(detail.notes.map((note: { text: string; username: string }) => [note.username, note.text])).toEqual([
      ['operator-user', expect.stringContaining('Caller says a car stopped')],
      ['operator-user', expect.stringContaining('Caller says people are hurt')],
    ]);
    const reports = (await audited(id)).filter((row) => row.action === 'manual_report');
    expect(reports.map((row) => [row.username, row.details.previousSeverity, row.details.newSeverity])).toEqual([
      ['operator-user', 'major', 'major'],
      ['operator-user', 'major', 'critical'],
    ]);
  });
});

describe('history, export and images', () => {
  it('lists alerts filtered by time, kind, district and state, page by page', async () => {
    const other = await addDistrict(test.db);
    const otherCamera = await addCamera(test.db, other);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await raise({ sourceId: otherCamera, kind: 'wrong_way', observedAt: new Date(`2025-03-0${i + 1}T08:00:00Z`) }));
    await post(`/api/alerts/${ids[0]}/acknowledge`, 'operator');
    const get = async (query: string) => (await api.request('GET', `/api/alerts?${query}`, { role: 'viewer' })).json();
    const page1 = await get(`district=${other}&kind=wrong_way&limit=2`);
    expect(page1.alerts.map((alert: { id: number }) => alert.id)).toEqual([ids[4], ids[3]]);
    const page2 = await get(`district=${other}&kind=wrong_way&limit=2&before=${page1.nextBefore}`);
    const page3 = await get(`district=${other}&kind=wrong_way&limit=2&before=${page2.nextBefore}`);
    expect([...page2.alerts, ...page3.alerts].map((alert: { id: number }) => alert.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(page3.nextBefore).toBeNull();
    const window = await get(`district=${other}&from=2025-03-02T00:00:00Z&to=2025-03-04T00:00:00Z`);
    expect(window.alerts.map((alert: { id: number }) => alert.id)).toEqual([ids[2], ids[1]]);
    const acknowledged = await get(`district=${other}&state=acknowledged`);
    expect(acknowledged.alerts.map((alert: { id: number }) => alert.id)).toEqual([ids[0]]);
    const bad = await api.request('GET', '/api/alerts?state=sleeping', { role: 'viewer' });
    expect(bad.status).toBe(400);
  });

  it('exports the history as CSV with the filters applied and formulas defused', async () => {
    const csvDistrict = await addDistrict(test.db);
    const csvCamera = await addCamera(test.db, csvDistrict);
    const id = await raise({ sourceId: csvCamera, title: { vi: '=HYPERLINK("http://evil")', en: 'Stalled, "quoted"' } });
    const response = await api.request('GET', `/api/alerts/export.csv?district=${csvDistrict}`, { role: 'viewer' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await response.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,kind,severity,state,source_type,source_id,zone_id,district_id,lat,lon,title_vi,title_en,first_seen_at,last_seen_at,occurrences,team,acknowledged_at,assigned_at,resolved_at,closed_at,auto_cleared_at,district_vi,district_en');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${id},stalled_vehicle,major,new,camera,${csvCamera}`);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")","Stalled, ""quoted"""`);
    expect((await api.request('GET', '/api/alerts/export.csv', { role: 'field' })).status).toBe(403);
  });

  it('serves the producer\'s snapshot as JPEG', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0c0' } }).jpeg().toBuffer();
    const id = await raise({ evidence: { snapshotJpeg: jpeg, data: { speedKmh: 0 } } });
    const response = await api.request('GET', `/api/alerts/${id}/snapshot`, { role: 'viewer' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await response.arrayBuffer()).equals(jpeg)).toBe(true);
    const detail = await (await api.request('GET', `/api/alerts/${id}`, { role: 'viewer' })).json();
    expect(detail.alert).toMatchObject({ hasSnapshot: true, evidence: { speedKmh: 0 } });
    const none = await raise();
    expect((await api.request('GET', `/api/alerts/${none}/snapshot`, { role: 'viewer' })).status).toBe(404);
  });
});

describe('interoperability', () => {
  it('serves each alert as a CAP 1.2 document with the required elements and values', async () => {
    const id = await raise({ severity: 'critical' });
    const response = await api.request('GET', `/api/alerts/${id}/cap`, { role: 'viewer' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/cap\+xml/);
    const document = await parseStringPromise(await response.text(), { explicitArray: true });
    const alert = document.alert;
    expect(alert.$.xmlns).toBe('urn:oasis:names:tc:emergency:cap:1.2');
    const lastEventId = (await test.db.query(`SELECT last_event_id FROM alerts WHERE id = $1`, [id])).rows[0].last_event_id;
    expect(alert.identifier).toEqual([`cityops-alert-${id}-${lastEventId}`]);
    expect(alert.sender).toEqual(['ops@hcmc.example']);
    expect(alert.sent[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$/);
    expect(alert.status).toEqual(['Actual']);
    expect(alert.msgType).toEqual(['Alert']);
    expect(alert.scope).toEqual(['Public']);
    expect(alert.info.map((info: { language: string[] }) => info.language[0])).toEqual(['vi-VN', 'en-US']);
    const english = alert.info[1];
    expect(english.category).toEqual(['Transport']);
    expect(english.event).toEqual(['Stalled vehicle']);
    expect(english.urgency).toEqual(['Immediate']);
    expect(english.severity).toEqual(['Extreme']);
    expect(english.certainty).toEqual(['Observed']);
    expect(english.headline).toEqual(['Vehicle stopped on the bridge']);
    expect(english.web).toEqual([`https://ops.hcmc.example/alerts/${id}`]);
    expect(english.area[0].areaDesc).toEqual([`District ${districtId}`]);
    expect(english.area[0].circle).toEqual(['10.7769,106.7009 0.2']);

    // After a change it is an Update referencing the first message; resolved means Past / AllClear.
    await post(`/api/alerts/${id}/acknowledge`, 'operator');
    await post(`/api/alerts/${id}/resolve`, 'operator');
    const update = (await parseStringPromise(await (await api.request('GET', `/api/alerts/${id}/cap`, { role: 'viewer' })).text())).alert;
    expect(update.msgType).toEqual(['Update']);
    expect(update.references[0]).toMatch(new RegExp(`^ops@hcmc\\.example,cityops-alert-${id}-\\d+,\\d{4}-`));
    expect(update.identifier[0]).not.toBe(alert.identifier[0]);
    expect(update.info[1].urgency).toEqual(['Past']);
    expect(update.info[1].responseType).toEqual(['AllClear']);
  });

  it('uses the district polygon as the CAP area when the alert has no point', async () => {
    const response = await post('/api/alerts', 'operator', { severity: 'minor', title: { vi: 'Ngập', en: 'Flooding' }, districtId });
    const { alert } = await response.json();
    const cap = (await parseStringPromise(await (await api.request('GET', `/api/alerts/${alert.id}/cap`, { role: 'operator' })).text())).alert;
    expect(cap.info[0].area[0].polygon).toEqual(['10.77,106.69 10.77,106.71 10.79,106.71 10.79,106.69 10.77,106.69']);
    expect(cap.info[0].certainty).toEqual(['Likely']);
    expect(cap.info[0].category).toEqual(['Other']);
  });

  it('publishes active alerts as an Atom feed linking each CAP document', async () => {
    const id = await raise({ title: { vi: 'Xe <hỏng> & kẹt', en: 'Broken <truck> & jam' } });
    const response = await api.request('GET', '/api/alerts/feed.atom?lang=en', { role: 'viewer' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/atom\+xml/);
    const feed = (await parseStringPromise(await response.text())).feed;
    expect(feed.$.xmlns).toBe('http://www.w3.org/2005/Atom');
    const entry = feed.entry.find((candidate: { id: string[] }) => candidate.id[0] === `urn:cityops:alert:${id}`);
    expect(entry.title).toEqual(['[major] Broken <truck> & jam']);
    expect(entry.link[0].$).toEqual({ rel: 'alternate', type: 'application/cap+xml', href: `https://ops.hcmc.example/api/alerts/${id}/cap` });
    const states = await test.db.query(`SELECT id FROM alerts WHERE state IN ('resolved', 'closed')`);
    const listed = new Set(feed.entry.map((candidate: { id: string[] }) => candidate.id[0]));
    for (const row of states.rows) expect(listed.has(`urn:cityops:alert:${row.id}`)).toBe(false);
  });
});

describe('documentation', () => {
  it('lists the alert and team routes in the OpenAPI document', async () => {
    const document = await (await api.request('GET', '/api/docs/json')).json();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/alerts', '/api/alerts/{id}', '/api/alerts/{id}/assign', '/api/alerts/{id}/cap', '/api/alerts/feed.atom', '/api/alerts/export.csv', '/api/teams']),
    );
    expect(document.paths['/api/alerts'].get.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(
      expect.arrayContaining(['state', 'kind', 'district', 'from', 'to', 'before', 'limit']),
    );
  });
});

describe('teams', () => {
  it('lets admins manage teams and members, and nobody else', async () => {
    expect((await post('/api/teams', 'operator', { name: 'Nope' })).status).toBe(403);
    const created = await post('/api/teams', 'admin', { name: 'Đội C', phone: '+84 28 1234 5678' });
    expect(created.status).toBe(201);
    const { team } = await created.json();
    expect((await api.request('PUT', `/api/teams/${team.id}/members/${fieldB.id}`, { role: 'admin' })).status).toBe(200);
    expect((await api.request('PUT', `/api/teams/${team.id}/members/999999`, { role: 'admin' })).status).toBe(404);
    const listed = await (await api.request('GET', '/api/teams', { role: 'field' })).json();
    expect(listed.teams.find((candidate: { id: number }) => candidate.id === team.id).members.map((member: { username: string }) => member.username)).toEqual(['field-b']);
    expect((await api.request('DELETE', `/api/teams/${team.id}/members/${fieldB.id}`, { role: 'admin' })).status).toBe(200);
    expect((await post('/api/teams', 'admin', { name: 'Đội C' })).status).toBe(409);
    expect((await api.request('DELETE', `/api/teams/${team.id}`, { role: 'admin' })).status).toBe(200);
    const audit = await test.db.query(`SELECT action FROM audit_log WHERE entity_type = 'team' AND entity_id = $1 ORDER BY id`, [String(team.id)]);
    expect(audit.rows.map((row) => row.action)).toEqual(['create', 'add_member', 'remove_member', 'delete']);
  });
});
