// Incidents: alerts linked by the link rules (the real linker of the api role, reading the alert events
// PostgreSQL numbered), hotline calls that open or join an incident, merge and split, states, roles and
// audit, through the REST API.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import type { AlertTrigger } from '../../core/alerts/types.ts';
import type { IncidentView } from '../../contract/incidents.ts';
import { linkNewAlerts } from '../../dashboard/server/incidents/linker.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { waitFor } from '../support/wait.ts';
import { addCamera, addDistrict, addSensor, uniqueId } from '../alerts/support/fixtures.ts';

let test: TestDatabase;
let api: TestApi;
let raiser: ReturnType<typeof createAlertRaiser>;
let districtId: string;
let cameraId: string;
let sensorId: string;

/** Metres north of a point, in degrees of latitude. */
const north = (metres: number) => metres / 111_195;
/** Each test works in its own part of the city, so that the rules never join two tests' alerts. */
let nextSpot = 0;
const spot = () => ({ lat: 10.70 + 0.05 * nextSpot, lon: 106.60 + 0.05 * nextSpot++ });

const raise = async (overrides: Partial<AlertTrigger> & { lat: number; lon: number }) =>
  (
    await raiser.raise({
      sourceType: 'camera',
      sourceId: cameraId,
      kind: 'stalled_vehicle',
      zoneId: uniqueId('zone'),
      severity: 'major',
      title: { vi: 'Xe dừng', en: 'Stalled vehicle' },
      ...overrides,
    })
  ).alertId;
const tide = (place: { lat: number; lon: number }, severity: AlertTrigger['severity'], zoneId = uniqueId('level')) =>
  raise({ sourceType: 'sensor', sourceId: sensorId, kind: 'sensor_level', severity, zoneId, title: { vi: 'Triều cường', en: 'Tide level' }, ...place });

const get = async (path: string, role: 'operator' | 'viewer' | 'field' | 'engineer' = 'operator') => {
  const response = await api.request('GET', path, { role });
  return { status: response.status, body: await response.json() };
};
const post = async (path: string, body: unknown, role: 'operator' | 'viewer' | 'field' | 'engineer' = 'operator') => {
  const response = await api.request('POST', path, { role, body });
  return { status: response.status, body: await response.json() };
};
const incidentOf = async (alertId: number): Promise<IncidentView | undefined> => {
  const row = await test.db.query(`SELECT incident_id FROM incident_alerts WHERE alert_id = $1`, [alertId]);
  return row.rowCount ? (await get(`/api/incidents/${row.rows[0].incident_id}`)).body.incident : undefined;
};
const linkedIncident = (alertId: number) => waitFor(`alert ${alertId} linked to an incident`, () => incidentOf(alertId));
/** The linker has read every alert event committed so far. */
const linkerCaughtUp = () =>
  waitFor('the linker to read every alert event', async () => {
    const { rows } = await test.db.query(`SELECT (SELECT position FROM incident_linker_cursor) >= COALESCE((SELECT max(position) FROM alert_events), 0) AS done`);
    return rows[0].done;
  });

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  raiser = createAlertRaiser({ db: test.db });
  // The boundary holds every spot() of this file (a call's coordinates get the district that holds them).
  districtId = await addDistrict(test.db, undefined, { type: 'Polygon', coordinates: [[[106.5, 10.6], [108.5, 10.6], [108.5, 12.5], [106.5, 12.5], [106.5, 10.6]]] });
  cameraId = await addCamera(test.db, districtId);
  sensorId = await addSensor(test.db, districtId);
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('alerts linked into incidents by the link rules', () => {
  it('a level III tide and a stalled vehicle 300 m away become one flooding incident', async () => {
    const place = spot();
    const tideAlert = await tide(place, 'critical');
    const stalled = await raise({ lat: place.lat + north(300), lon: place.lon });
    const incident = await linkedIncident(tideAlert);
    expect(incident.kind).toBe('flooding');
    await waitFor('the stalled vehicle to join', async () => (await incidentOf(stalled))?.id === incident.id);
    const detail = (await get(`/api/incidents/${incident.id}`)).body;
    expect(detail.incident.alertIds).toEqual([tideAlert, stalled].sort((a, b) => a - b));
    expect(detail.incident.severity).toBe('critical');
    expect(detail.alerts.map((alert: { kind: string }) => alert.kind).sort()).toEqual(['sensor_level', 'stalled_vehicle']);
    expect(detail.timeline.map((entry: { type: string }) => entry.type)).toEqual(['opened', 'alert_linked']);
    expect(detail.timeline[1].data).toMatchObject({ alertId: stalled, rule: 'flooding' });
  });

  it('the other way round too: the stalled vehicle first, then the tide relabels its incident as flooding', async () => {
    const place = spot();
    const stalled = await raise(place);
    const first = await linkedIncident(stalled);
    expect(first.kind).toBe('stalled_vehicle');
    const tideAlert = await tide({ lat: place.lat - north(300), lon: place.lon }, 'critical');
    await waitFor('the tide to join the stalled vehicle', async () => (await incidentOf(tideAlert))?.id === first.id);
    const after = (await get(`/api/incidents/${first.id}`)).body;
    expect(after.incident).toMatchObject({ kind: 'flooding', severity: 'critical', alertIds: [stalled, tideAlert] });
    expect(after.timeline.at(-1).data).toMatchObject({ alertId: tideAlert, kind: { from: 'stalled_vehicle', to: 'flooding' } });
  });

  it('a level I tide opens nothing; when the same alert rises to level III it opens a flooding incident', async () => {
    const place = spot();
    const zoneId = uniqueId('level');
    const alertId = await tide(place, 'minor', zoneId);
    await linkerCaughtUp();
    expect(await incidentOf(alertId)).toBeUndefined();
    expect(await tide(place, 'critical', zoneId)).toBe(alertId);
    const incident = await linkedIncident(alertId);
    expect(incident).toMatchObject({ kind: 'flooding', severity: 'critical', kindSetBy: 'rule' });
  });

  it('keeps apart what is too far away or too long ago', async () => {
    const place = spot();
    const near = await raise(place);
    const nearIncident = await linkedIncident(near);
    const far = await raise({ lat: place.lat + north(2000), lon: place.lon });
    const farIncident = await linkedIncident(far);
    expect(farIncident.id).not.toBe(nearIncident.id);

    // The near incident's last source an hour ago: past the rule's 30 minutes.
    await test.db.query(`UPDATE incidents SET last_source_at = now() - interval '1 hour' WHERE id = $1`, [nearIncident.id]);
    const later = await raise({ lat: place.lat + north(50), lon: place.lon });
    const laterIncident = await linkedIncident(later);
    expect(laterIncident.id).not.toBe(nearIncident.id);
    expect((await get(`/api/incidents/${nearIncident.id}`)).body.incident.alertIds).toEqual([near]);
  });

  it('never relabels an incident whose kind a person chose', async () => {
    const place = spot();
    const stalled = await raise(place);
    const incident = await linkedIncident(stalled);
    const edited = await api.request('PATCH', `/api/incidents/${incident.id}`, { role: 'operator', body: { kind: 'traffic_accident' } });
    expect(edited.status).toBe(200);
    const tideAlert = await tide(place, 'critical');
    await waitFor('the tide to join', async () => (await incidentOf(tideAlert))?.id === incident.id);
    expect((await get(`/api/incidents/${incident.id}`)).body.incident).toMatchObject({ kind: 'traffic_accident', kindSetBy: 'person', severity: 'critical' });
  });

  it('leaves alerts without a place or a rule unlinked, and counts them', async () => {
    const offline = await raise({ ...spot(), kind: 'camera_offline' });
    await linkerCaughtUp();
    expect(await incidentOf(offline)).toBeUndefined();
  });

  it('several linkers at once link each alert exactly once, into one incident', async () => {
    const place = spot();
    const alerts = await Promise.all(Array.from({ length: 20 }, (_, index) => raise({ lat: place.lat + north(index * 5), lon: place.lon })));
    await Promise.all([linkNewAlerts(test.db), linkNewAlerts(test.db), linkNewAlerts(test.db)]);
    const incident = await linkedIncident(alerts[0]);
    await waitFor('every alert linked', async () => (await test.db.query(`SELECT count(*)::int AS n FROM incident_alerts WHERE alert_id = ANY($1)`, [alerts])).rows[0].n === 20);
    const incidents = await test.db.query(`SELECT DISTINCT incident_id FROM incident_alerts WHERE alert_id = ANY($1)`, [alerts]);
    expect(incidents.rows.map((row) => Number(row.incident_id))).toEqual([incident.id]);
    const linkedEvents = await test.db.query(`SELECT count(*)::int AS n FROM incident_events WHERE incident_id = $1 AND type IN ('opened', 'alert_linked')`, [incident.id]);
    expect(linkedEvents.rows[0].n).toBe(20);
  });
});

describe('an alert the linker cannot link', () => {
  it('is skipped and counted; the alerts after it are linked', async () => {
    const place = spot();
    // The database refuses to link this one alert (as a bug or a broken rule would make a link fail);
    // only the owner may add a trigger, the application role cannot. The trigger knows the alert by its
    // zone and exists before the alert does: the linker may take an alert the moment it is raised.
    const poisonZone = uniqueId('poison-zone');
    const owner = new pg.Client({ connectionString: test.ownerUrl });
    await owner.connect();
    await owner.query(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF (SELECT zone_id FROM alerts WHERE id = NEW.alert_id) = '${poisonZone}' THEN RAISE EXCEPTION 'poison alert'; END IF; RETURN NEW; END $$`);
    await owner.query(`CREATE TRIGGER refuse_poison BEFORE INSERT ON incident_alerts FOR EACH ROW EXECUTE FUNCTION refuse_poison()`);
    try {
      const poison = await raise({ ...place, zoneId: poisonZone });
      const after = await raise({ lat: place.lat + north(2000), lon: place.lon });
      const incident = await linkedIncident(after);
      expect(incident.alertIds).toEqual([after]);
      await linkerCaughtUp();
      expect(await incidentOf(poison)).toBeUndefined();
    } finally {
      await owner.query(`DROP TRIGGER refuse_poison ON incident_alerts; DROP FUNCTION refuse_poison()`);
      await owner.end();
    }
  });
});

describe('alerts raised while no api process runs', () => {
  it('are linked when one starts', async () => {
    const own = await createTestDatabase();
    try {
      const ownRaiser = createAlertRaiser({ db: own.db });
      const district = await addDistrict(own.db);
      const camera = await addCamera(own.db, district);
      const place = spot();
      const first = await ownRaiser.raise({ sourceType: 'camera', sourceId: camera, kind: 'stalled_vehicle', zoneId: 'a', severity: 'major', title: { vi: 'Xe dừng', en: 'Stalled' }, ...place });
      const second = await ownRaiser.raise({ sourceType: 'camera', sourceId: camera, kind: 'stalled_vehicle', zoneId: 'b', severity: 'minor', title: { vi: 'Xe dừng', en: 'Stalled' }, ...place });
      const ownApi = await startTestApi(own, {}, { skipLogins: true });
      try {
        const linked = await waitFor('both alerts linked', async () => {
          const rows = await own.db.query(`SELECT incident_id FROM incident_alerts WHERE alert_id = ANY($1)`, [[first.alertId, second.alertId]]);
          return rows.rowCount === 2 ? rows.rows : undefined;
        });
        expect(new Set(linked.map((row) => row.incident_id)).size).toBe(1);
      } finally {
        await ownApi.stop();
      }
    } finally {
      await own.drop();
    }
  });
});

describe('hotline calls', () => {
  it('a call opens an incident; the form finds it nearby; a second call joins it', async () => {
    const place = spot();
    const first = await post('/api/hotline/calls', { line: '114', callerName: 'Chị Lan', callerNumber: '0903 123 456', kind: 'fire', said: 'Khói đen bốc lên từ chợ', ...place });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ joined: false, incident: { kind: 'fire', severity: 'critical', state: 'open', callCount: 1, districtId } });

    const nearby = await get(`/api/incidents/nearby?lat=${place.lat + north(150)}&lon=${place.lon}&radiusM=500`);
    expect(nearby.status).toBe(200);
    expect(nearby.body.incidents[0]).toMatchObject({ incident: { id: first.body.incident.id }, distanceM: 150 });

    const second = await post('/api/hotline/calls', { line: '113', kind: 'fire', said: 'Cháy ở chợ', lat: place.lat + north(150), lon: place.lon, incidentId: first.body.incident.id });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ joined: true, incident: { id: first.body.incident.id, callCount: 2 } });
    const detail = (await get(`/api/incidents/${first.body.incident.id}`)).body;
    expect(detail.calls.map((call: { line: string }) => call.line)).toEqual(['114', '113']);
    expect(detail.timeline.map((entry: { type: string }) => entry.type)).toEqual(['opened', 'call', 'call']);
    // The audit says a number was given, never which.
    const audit = await test.db.query(`SELECT action, details FROM audit_log WHERE entity_type = 'incident' AND entity_id = $1 ORDER BY id`, [String(first.body.incident.id)]);
    expect(audit.rows.map((row) => row.action)).toEqual(['log_call', 'log_call_joined']);
    expect(JSON.stringify(audit.rows)).not.toContain('0903');
  });

  it('a place by district and address, without coordinates, and nearby incidents by district', async () => {
    const call = await post('/api/hotline/calls', { line: '1022', kind: 'infrastructure_fault', said: 'Đèn đường hỏng', districtId, address: '12 Lê Lợi' });
    expect(call.status).toBe(201);
    expect(call.body.incident).toMatchObject({ lat: null, lon: null, districtId, address: '12 Lê Lợi' });
    const nearby = await get(`/api/incidents/nearby?districtId=${districtId}`);
    expect(nearby.body.incidents.map((found: { incident: { id: number } }) => found.incident.id)).toContain(call.body.incident.id);
    // Coordinates outside every boundary and far from every device: no district, still logged.
    const outside = await post('/api/hotline/calls', { line: '1022', kind: 'other', said: 'Ngoài thành phố', lat: 9.5, lon: 105.5 });
    expect(outside.status).toBe(201);
    expect(outside.body.incident).toMatchObject({ districtId: null, lat: 9.5 });
  });

  it('refuses a call with no kind, no place, an unknown district or an ended incident, saying why, and logs nothing', async () => {
    const before = (await test.db.query(`SELECT count(*)::int AS n FROM hotline_calls`)).rows[0].n;
    const noKind = await post('/api/hotline/calls', { line: '113', said: 'Có đánh nhau', ...spot() });
    expect(noKind.status).toBe(400);
    expect(JSON.stringify(noKind.body)).toContain('choose what it is about');
    const noPlace = await post('/api/hotline/calls', { line: '113', kind: 'public_order', said: 'Có đánh nhau' });
    expect(noPlace.status).toBe(400);
    expect(noPlace.body.error.message).toContain('say where');
    const unknownDistrict = await post('/api/hotline/calls', { line: '113', kind: 'public_order', said: 'x', districtId: 'no-such-district', address: '1 A' });
    expect(unknownDistrict.status).toBe(400);
    expect(unknownDistrict.body.error.message).toContain('no-such-district');
    const closed = await post('/api/hotline/calls', { line: '115', kind: 'other', said: 'x', ...spot() });
    await post(`/api/incidents/${closed.body.incident.id}/state`, { state: 'closed' });
    const joinClosed = await post('/api/hotline/calls', { line: '115', kind: 'other', said: 'y', ...spot(), incidentId: closed.body.incident.id });
    expect(joinClosed.status).toBe(409);
    expect(joinClosed.body.error.message).toContain('join an active incident or open a new one');
    expect((await test.db.query(`SELECT count(*)::int AS n FROM hotline_calls`)).rows[0].n).toBe(before + 1);
  });
});

describe('people acting on incidents', () => {
  it('merge moves the sources and closes the merged incident; split takes them out again', async () => {
    const a = await post('/api/hotline/calls', { line: '114', kind: 'fire', said: 'Cháy nhà', ...spot() });
    const b = await post('/api/hotline/calls', { line: '114', kind: 'fire', said: 'Cháy nhà số 5', ...spot() });
    const aId = a.body.incident.id;
    const bId = b.body.incident.id;
    const merged = await post(`/api/incidents/${aId}/merge`, { incidentIds: [bId], note: 'Cùng một đám cháy' });
    expect(merged.status).toBe(200);
    expect(merged.body.incident.callCount).toBe(2);
    expect((await get(`/api/incidents/${bId}`)).body.incident).toMatchObject({ state: 'closed', mergedIntoId: aId, callCount: 0 });
    expect((await post(`/api/incidents/${aId}/merge`, { incidentIds: [bId] })).status).toBe(409);

    const calls = (await get(`/api/incidents/${aId}`)).body.calls;
    const split = await post(`/api/incidents/${aId}/split`, { callIds: [calls[1].id], note: 'Hai nơi khác nhau' });
    expect(split.status).toBe(201);
    expect(split.body.from.callCount).toBe(1);
    expect(split.body.created).toMatchObject({ callCount: 1, kind: 'fire', state: 'open' });
    const everything = await post(`/api/incidents/${aId}/split`, { callIds: [calls[0].id] });
    expect(everything.status).toBe(400);

    const audit = await test.db.query(`SELECT action FROM audit_log WHERE entity_type = 'incident' AND entity_id = $1 ORDER BY id`, [String(aId)]);
    expect(audit.rows.map((row) => row.action)).toEqual(['log_call', 'merge', 'split']);
    const timeline = (await get(`/api/incidents/${aId}`)).body.timeline.map((entry: { type: string }) => entry.type);
    expect(timeline).toEqual(['opened', 'call', 'merged', 'split']);
  });

  it('walks open → dispatched → on scene → resolved, reopens only with a reason, and a closed incident stays closed', async () => {
    const call = await post('/api/hotline/calls', { line: '115', kind: 'traffic_accident', said: 'Tai nạn xe máy', ...spot() });
    const id = call.body.incident.id;
    for (const state of ['dispatched', 'on_scene', 'resolved']) expect((await post(`/api/incidents/${id}/state`, { state })).body.incident.state).toBe(state);
    const noReason = await post(`/api/incidents/${id}/state`, { state: 'open' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toContain('why');
    const reopened = await post(`/api/incidents/${id}/state`, { state: 'open', note: 'Người dân gọi lại: chưa xử lý xong' });
    expect(reopened.body.incident).toMatchObject({ state: 'open', resolvedAt: null });
    expect((await post(`/api/incidents/${id}/state`, { state: 'closed' })).status).toBe(200);
    const afterClose = await post(`/api/incidents/${id}/state`, { state: 'open', note: 'x' });
    expect(afterClose.status).toBe(409);
    expect((await post(`/api/incidents/${id}/notes`, { note: 'late' })).status).toBe(409);
  });

  it('viewers read but do not act; field users see no incidents list; engineers tune the link rules, audited', async () => {
    expect((await get('/api/incidents', 'viewer')).status).toBe(200);
    expect((await post('/api/hotline/calls', { line: '113', kind: 'other', said: 'x', ...spot() }, 'viewer')).status).toBe(403);
    expect((await get('/api/incidents', 'field')).status).toBe(403);

    const rules = (await get('/api/incident-link-rules', 'engineer')).body.rules;
    expect(rules.map((rule: { name: string }) => rule.name)).toEqual(['flooding', 'stalled vehicle', 'crowd']);
    const flooding = rules[0];
    const changed = await api.request('PUT', `/api/incident-link-rules/${flooding.id}`, { role: 'engineer', body: { ...flooding, id: undefined, distanceM: 800 } });
    expect(changed.status).toBe(200);
    expect((await api.request('PUT', `/api/incident-link-rules/${flooding.id}`, { role: 'operator', body: { ...flooding, id: undefined } })).status).toBe(403);
    const bad = await post('/api/incident-link-rules', { ...flooding, id: undefined, name: 'bad', openingKinds: ['crowd'] }, 'engineer');
    expect(bad.status).toBe(400);
    const audit = await test.db.query(`SELECT details FROM audit_log WHERE entity_type = 'incident_link_rule' AND entity_id = $1`, [String(flooding.id)]);
    expect(audit.rows[0].details).toMatchObject({ before: { distanceM: 500 }, after: { distanceM: 800 } });
    await api.request('PUT', `/api/incident-link-rules/${flooding.id}`, { role: 'engineer', body: { ...flooding, id: undefined } });
  });
});
