// The public open data API as FIWARE tools and residents' scripts would use it, against the real api role
// and PostgreSQL: every entity validates against the official Smart Data Models schema (../shared/specs),
// q, georel and paging select what they say, bad queries answer 400 with a reason, the files carry the
// licence, and all of it answers without a session while refusing every write.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { addCamera, addDistrict, uniqueId } from '../alerts/support/fixtures.ts';
import { simplified } from '../../dashboard/server/open-data/ngsi-ld.ts';
import { addReport } from './support/reports.ts';

const SPECS = path.join(assetMirrorDir(), '..', 'specs', 'smart-data-models');
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** The official schemas, with the URLs they $ref mapped to the local copies. */
function schemaValidators(): Record<string, ValidateFunction> {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // common-schema.json's own $id is the URL the models $ref: adding it maps the URL to the file.
  ajv.addSchema(JSON.parse(readFileSync(path.join(SPECS, 'common-schema.json'), 'utf8')));
  // Alert.schema.json also $refs dataModel.Alert/alert-schema.json (Common-Alert) and the weather
  // categories, which ../shared/specs does not hold. Used when present; otherwise Common-Alert adds
  // nothing (the Alert schema's own `required` and subCategory enumeration still apply) and the weather
  // categories accept nothing (so subCategory must be in the Alert schema's own list).
  const alertCommon = path.join(SPECS, 'alert-schema.json');
  ajv.addSchema(
    existsSync(alertCommon)
      ? { ...JSON.parse(readFileSync(alertCommon, 'utf8')), $id: 'https://smart-data-models.github.io/dataModel.Alert/alert-schema.json' }
      : { $id: 'https://smart-data-models.github.io/dataModel.Alert/alert-schema.json', definitions: { 'Common-Alert': {} } },
  );
  ajv.addSchema({ $id: 'https://smart-data-models.github.io/dataModel.Weather/weather-schema.json', definitions: { WeatherAlertCategories: { not: {} } } });
  return Object.fromEntries(
    ['TrafficFlowObserved', 'CrowdFlowObserved', 'WaterObserved', 'FloodMonitoring', 'Alert', 'IssueReporting'].map((type) => [type, ajv.compile(JSON.parse(readFileSync(path.join(SPECS, `${type}.schema.json`), 'utf8')))]),
  );
}

let test: TestDatabase;
let api: TestApi;
let validators: Record<string, ValidateFunction>;
let cameraNear: string;
let cameraFar: string;
let tideGauge: string;
let riverGauge: string;
let rain: string;
let salinityStation: string;
let congestionAlertId: number;
let districtId: string;
let reportIds: { open: number; onScene: number; resolved: number; rejected: number; elsewhere: number };
let offlineAlertId: number;
const HOUR_MS = 3_600_000;
const thisHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
const hoursAgo = (n: number) => new Date(thisHour - n * HOUR_MS);
let addressCounter = 0;
/** Each test its own network address (TRUST_PROXY=loopback believes X-Forwarded-For), so the rate limit test stands alone. */
const freshAddress = () => `198.51.100.${++addressCounter}`;

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await api.request('GET', url, { headers: { 'x-forwarded-for': freshAddress(), ...headers } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: /json/.test(response.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined };
}

/** Entities of a type in key-values form, each checked against its official schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- entities are checked by the schema, then read freely
async function validEntities(url: string): Promise<Array<Record<string, any>>> {
  const answer = await get(url);
  expect(answer.status, answer.text).toBe(200);
  for (const entity of answer.body) {
    const validate = validators[entity.type];
    expect(validate(entity), `${entity.id}: ${JSON.stringify(validate.errors)}`).toBe(true);
  }
  return answer.body;
}

beforeAll(async () => {
  validators = schemaValidators();
  test = await createTestDatabase();
  api = await startTestApi(test, { TRUST_PROXY: 'loopback', PUBLIC_URL: 'https://ops.hcmc.example', OPEN_DATA_REQUESTS_PER_MINUTE: '30' });
  districtId = await addDistrict(test.db);
  cameraNear = await addCamera(test.db, districtId); // at 10.7769, 106.7009
  cameraFar = uniqueId('cam');
  await test.db.query(`INSERT INTO cameras (id, name, rtsp_url, lat, lon) VALUES ($1, 'far', 'rtsp://127.0.0.1/x', 10.85, 106.60)`, [cameraFar]);
  const minute = (hour: Date, m: number) => new Date(hour.getTime() + m * 60_000);
  const counts: Array<[string, Date, string, string, number]> = [
    [cameraNear, minute(hoursAgo(2), 5), 'car', '+', 12],
    [cameraNear, minute(hoursAgo(2), 6), 'car', '+', 3],
    [cameraNear, minute(hoursAgo(2), 5), 'truck', '-', 5],
    [cameraNear, minute(hoursAgo(2), 5), 'motorbike', '+', 3],
    [cameraNear, minute(hoursAgo(2), 7), 'motorcycle', '+', 4],
    [cameraNear, minute(hoursAgo(2), 7), 'person', '+', 9],
    [cameraNear, minute(hoursAgo(2), 8), 'person', '-', 4],
    [cameraNear, minute(hoursAgo(4), 8), 'person', '+', 1],
    [cameraFar, minute(hoursAgo(2), 8), 'person', '-', 30],
    [cameraNear, minute(hoursAgo(5), 1), 'car', '+', 2],
    [cameraFar, minute(hoursAgo(2), 1), 'bus', '+', 20],
  ];
  for (const [camera, at, vehicleClass, direction, count] of counts) {
    await test.db.query(`INSERT INTO traffic_counts (camera_id, line_id, minute, class, direction, count) VALUES ($1, 'l1', $2, $3, $4, $5)`, [camera, at, vehicleClass, direction, count]);
  }
  tideGauge = uniqueId('tide');
  riverGauge = uniqueId('river');
  rain = uniqueId('rain');
  salinityStation = uniqueId('salt');
  const unplaced = uniqueId('tide');
  await test.db.query(
    `INSERT INTO sensors (id, name, kind, unit, lat, lon) VALUES ($1, 'Phu An tide', 'tide_level', 'm', 10.77, 106.71), ($2, 'Canal gauge', 'water_level', 'cm', 10.80, 106.65),
       ($3, 'Rain', 'rainfall', 'mm', 10.8, 106.6), ($4, 'Nowhere', 'tide_level', 'm', NULL, NULL),
       ($5, 'Nha Be salinity', 'salinity', 'g/L', 10.7, 106.74)`,
    [tideGauge, riverGauge, rain, unplaced, salinityStation],
  );
  await test.db.query(`UPDATE sensors SET name = 'Kênh Nhiêu Lộc', name_en = 'Nhieu Loc canal' WHERE id = $1`, [riverGauge]);
  const readings: Array<[string, Date, number]> = [
    [tideGauge, minute(hoursAgo(2), 10), 1.2],
    [tideGauge, minute(hoursAgo(2), 40), 1.4],
    [tideGauge, minute(hoursAgo(3), 10), -0.2],
    [tideGauge, minute(hoursAgo(3), 40), -0.4],
    [riverGauge, minute(hoursAgo(2), 10), 150],
    [riverGauge, minute(hoursAgo(2), 20), 170],
    [rain, minute(hoursAgo(2), 10), 5],
    [rain, minute(hoursAgo(2), 20), 2.5],
    [salinityStation, minute(hoursAgo(2), 10), 3.2],
    [salinityStation, minute(hoursAgo(2), 30), 3.6],
    [unplaced, minute(hoursAgo(2), 10), 1],
  ];
  for (const [sensor, at, value] of readings) await test.db.query(`INSERT INTO sensor_readings (sensor_id, ts, value) VALUES ($1, $2, $3)`, [sensor, at, value]);

  // The gauges' state now (what sensor-ingest keeps): the tide above its second warning level, the canal quiet.
  await test.db.query(`UPDATE sensors SET level1 = 1.0, level2 = 1.3, level3 = 1.6 WHERE id = $1`, [tideGauge]);
  await test.db.query(
    `INSERT INTO sensor_state (sensor_id, last_value, last_ts, last_seen_at, status, level) VALUES ($1, 1.45, $3, $3, 'level2', 2), ($2, 120, $3, $3, 'ok', 0)`,
    [tideGauge, riverGauge, hoursAgo(1)],
  );

  // Residents' reports (one rejected, one from another district, dates spread over two days).
  const place = { lat: 10.776912, lon: 106.700934 };
  reportIds = {
    open: (await addReport(test.db, { category: 'flooding', ...place, districtId, receivedAt: hoursAgo(2) })).id,
    onScene: (await addReport(test.db, { category: 'flooding', ...place, districtId, receivedAt: hoursAgo(3), incidentState: 'on_scene' })).id,
    resolved: (await addReport(test.db, { category: 'fallen_tree', ...place, districtId, receivedAt: hoursAgo(2), incidentState: 'resolved' })).id,
    rejected: (await addReport(test.db, { category: 'flooding', ...place, districtId, receivedAt: hoursAgo(2), rejectedReason: 'trùng lặp' })).id,
    elsewhere: (await addReport(test.db, { category: 'garbage', lat: 10.85, lon: 106.6, districtId: null, receivedAt: hoursAgo(30) })).id,
  };

  const raiser = createAlertRaiser({ db: test.db });
  // A crowd at the far camera since 2 hours ago (its hour is then `congested`).
  const crowdAlertId = (await raiser.raise({ sourceType: 'camera', sourceId: cameraFar, kind: 'crowd', severity: 'minor', title: { vi: 'Đông', en: 'Crowd' } })).alertId;
  await test.db.query(`UPDATE alerts SET first_seen_at = $2 WHERE id = $1`, [crowdAlertId, new Date(hoursAgo(2).getTime() + 20 * 60_000)]);
  congestionAlertId = (await raiser.raise({ sourceType: 'camera', sourceId: cameraNear, kind: 'congestion', severity: 'major', title: { vi: 'Ùn tắc', en: 'Congestion' } })).alertId;
  await raiser.raise({ sourceType: 'sensor', sourceId: tideGauge, kind: 'sensor_level', severity: 'critical', title: { vi: 'Triều cao', en: 'High tide' } });
  offlineAlertId = (await raiser.raise({ sourceType: 'camera', sourceId: cameraFar, kind: 'camera_offline', severity: 'minor', title: { vi: 'Mất', en: 'Offline' } })).alertId;
});

afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('NGSI-LD entities', () => {
  it('serves traffic counts per camera, hour, vehicle type and direction as valid TrafficFlowObserved', async () => {
    const entities = await validEntities('/ngsi-ld/v1/entities?type=TrafficFlowObserved&options=keyValues&limit=100');
    const near = entities.filter((entity) => entity.refDevice === `urn:ngsi-ld:Device:${cameraNear}` && entity.dateObserved === hoursAgo(2).toISOString());
    const byType = Object.fromEntries(near.map((entity) => [`${entity.vehicleType}/${entity.laneDirection}`, entity.intensity]));
    // motorbike and motorcycle are one vehicleType; persons are not traffic; truck is a lorry.
    expect(byType).toEqual({ 'car/forward': 15, 'motorcycle/forward': 7, 'lorry/backward': 5 });
    const car = near.find((entity) => entity.vehicleType === 'car')!;
    expect(car.id).toBe(`urn:ngsi-ld:TrafficFlowObserved:${cameraNear}:${hoursAgo(2).toISOString().slice(0, 13)}Z:car:forward`);
    expect(car).toMatchObject({ license: 'CC-BY-4.0', dateObservedTo: hoursAgo(1).toISOString(), location: { type: 'Point', coordinates: [106.7009, 10.7769] } });
  });

  it('serves water and tide levels per gauge and hour, in metres, as valid WaterObserved', async () => {
    const entities = await validEntities('/ngsi-ld/v1/entities?type=WaterObserved&format=simplified');
    const ids = entities.map((entity) => entity.id);
    expect(ids.every((id) => id.includes(tideGauge) || id.includes(riverGauge))).toBe(true); // no rain gauge, no gauge without a place
    const tide = entities.find((entity) => entity.id === `urn:ngsi-ld:WaterObserved:${tideGauge}:${hoursAgo(2).toISOString().slice(0, 13)}Z`)!;
    expect(tide).toMatchObject({ waterLevel: 1.3, waterLevelMin: 1.2, waterLevelMax: 1.4, readings: 2, measurementKind: 'tide_level' });
    const river = entities.find((entity) => entity.id.includes(riverGauge))!;
    expect(river.waterLevel).toBe(1.6);
    // Below the datum: the model's waterLevel is >= 0, so the hour has min/max only (and still validates).
    const lowTide = entities.find((entity) => entity.id.includes(tideGauge) && entity.dateObserved === hoursAgo(3).toISOString())!;
    expect(lowTide.waterLevel).toBeUndefined();
    expect(lowTide.waterLevelMin).toBe(-0.4);
  });

  it('serves people counts per camera and hour as valid CrowdFlowObserved', async () => {
    const entities = await validEntities('/ngsi-ld/v1/entities?type=CrowdFlowObserved&options=keyValues&limit=100');
    const near = entities.find((entity) => entity.id === `urn:ngsi-ld:CrowdFlowObserved:${cameraNear}:${hoursAgo(2).toISOString().slice(0, 13)}Z`)!;
    expect(near).toMatchObject({ peopleCount: 13, peopleCountTowards: 9, peopleCountAway: 4, congested: false, refDevice: `urn:ngsi-ld:Device:${cameraNear}` });
    expect(near.location).toEqual({ type: 'Point', coordinates: [106.7009, 10.7769] });
    // Vehicles are not people.
    expect(entities.map((entity) => entity.peopleCount).sort((a, b) => a - b)).toEqual([1, 13, 30]);
    const crowded = await validEntities(`/ngsi-ld/v1/entities?type=CrowdFlowObserved&options=keyValues&q=${encodeURIComponent('peopleCount>=20')}`);
    expect(crowded.map((entity) => [entity.refDevice, entity.peopleCountAway, entity.congested])).toEqual([[`urn:ngsi-ld:Device:${cameraFar}`, 30, true]]);
  });

  it('serves the state of the gauges as valid FloodMonitoring, against their warning levels', async () => {
    const entities = await validEntities('/ngsi-ld/v1/entities?type=FloodMonitoring&options=keyValues');
    expect(entities.map((entity) => entity.stationID).sort()).toEqual([riverGauge, tideGauge].sort()); // not the rain gauge, not the unplaced one
    const tide = entities.find((entity) => entity.stationID === tideGauge)!;
    expect(tide).toMatchObject({ id: `urn:ngsi-ld:FloodMonitoring:${tideGauge}`, currentLevel: 1.45, alertLevel: 1, dangerLevel: 1.6, floodLevelStatus: 'alert', warningLevel: 2 });
    expect(tide.observationDateTime).toBe(hoursAgo(1).toISOString());
    expect(entities.find((entity) => entity.stationID === riverGauge)).toMatchObject({ currentLevel: 1.2, floodLevelStatus: 'normal' });
    const alarming = await validEntities(`/ngsi-ld/v1/entities?type=FloodMonitoring&options=keyValues&q=${encodeURIComponent('floodLevelStatus!=normal')}`);
    expect(alarming.map((entity) => entity.stationID)).toEqual([tideGauge]);
    const one = await get(`/ngsi-ld/v1/entities/urn:ngsi-ld:FloodMonitoring:${tideGauge}`);
    expect(one.body.observationDateTime).toEqual({ type: 'Property', value: { '@type': 'DateTime', '@value': hoursAgo(1).toISOString() } });
  });

  it("serves residents' reports, not rejected, coarsened, as valid IssueReporting", async () => {
    const since = hoursAgo(48).toISOString();
    const entities = await validEntities(`/ngsi-ld/v1/entities?type=IssueReporting&options=keyValues&q=${encodeURIComponent(`dateCreated>=${since}`)}`);
    expect(entities.map((entity) => entity.id).sort()).toEqual(
      [reportIds.open, reportIds.onScene, reportIds.resolved, reportIds.elsewhere].map((id) => `urn:ngsi-ld:IssueReporting:${id}`).sort(),
    );
    const byId = (id: number) => entities.find((entity) => entity.id === `urn:ngsi-ld:IssueReporting:${id}`)!;
    expect(byId(reportIds.open)).toEqual({
      id: `urn:ngsi-ld:IssueReporting:${reportIds.open}`,
      type: 'IssueReporting',
      category: 'flooding',
      areaServed: `District ${districtId}`,
      resolutionStatus: 'Open',
      reportState: 'received',
      dateCreated: hoursAgo(2).toISOString(),
      location: { type: 'Point', coordinates: [106.701, 10.777] }, // ~100 m, not the resident's doorstep
      dataProvider: 'https://ops.hcmc.example',
      license: 'CC-BY-4.0',
    });
    expect(byId(reportIds.onScene)).toMatchObject({ resolutionStatus: 'InProgress', reportState: 'in_progress' });
    expect(byId(reportIds.resolved)).toMatchObject({ resolutionStatus: 'Closed.', reportState: 'resolved', dateResolved: expect.any(String) });
    // The last 24 hours by default: the report of 30 hours ago is left out.
    expect((await validEntities('/ngsi-ld/v1/entities?type=IssueReporting&options=keyValues')).length).toBe(3);
    const floods = await validEntities(`/ngsi-ld/v1/entities?type=IssueReporting&options=keyValues&q=${encodeURIComponent('category==flooding;reportState==received')}`);
    expect(floods.map((entity) => entity.id)).toEqual([`urn:ngsi-ld:IssueReporting:${reportIds.open}`]);
    expect((await get(`/ngsi-ld/v1/entities/urn:ngsi-ld:IssueReporting:${reportIds.resolved}?options=keyValues`)).body.category).toBe('fallen_tree');
    expect((await get(`/ngsi-ld/v1/entities/urn:ngsi-ld:IssueReporting:${reportIds.rejected}`)).status).toBe(404);
  });

  it('serves active public alerts as valid Alert entities, without device faults', async () => {
    const entities = await validEntities('/ngsi-ld/v1/entities?type=Alert&options=keyValues');
    expect(entities.map((entity) => entity.subCategory).sort()).toEqual(['crowdRisk', 'floodRisk', 'trafficJam']);
    expect(entities.find((entity) => entity.id === `urn:ngsi-ld:Alert:${congestionAlertId}`)).toMatchObject({ category: 'traffic', severity: 'high' });
    expect(entities.some((entity) => entity.id === `urn:ngsi-ld:Alert:${offlineAlertId}`)).toBe(false);
  });

  it('serves the normalized form by default, with the context in a Link header or in the body for JSON-LD', async () => {
    const plain = await get('/ngsi-ld/v1/entities?type=Alert');
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    expect(plain.headers.get('link')).toContain('rel="http://www.w3.org/ns/json-ld#context"');
    expect(plain.headers.get('link')).toContain('rel="license"');
    expect(plain.body[0].severity.type).toBe('Property');
    for (const entity of plain.body) expect(validators.Alert(simplified(entity))).toBe(true);
    const linked = await get('/ngsi-ld/v1/entities?type=TrafficFlowObserved', { accept: 'application/ld+json' });
    expect(linked.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(linked.body[0]['@context']).toContain('https://smartdatamodels.org/context.jsonld');
    expect(linked.body[0].refDevice).toEqual({ type: 'Relationship', object: expect.stringMatching(/^urn:ngsi-ld:Device:/) });
    const one = await get(`/ngsi-ld/v1/entities/${encodeURIComponent(linked.body[0].id)}?options=keyValues`);
    expect(one.status).toBe(200);
    expect(validators.TrafficFlowObserved(one.body)).toBe(true);
    expect(one.body.id).toBe(linked.body[0].id);
    expect((await get('/ngsi-ld/v1/entities/urn:ngsi-ld:Alert:999999999')).status).toBe(404);
  });

  it('filters with q, georel and pages with limit and offset', async () => {
    const busy = await validEntities(`/ngsi-ld/v1/entities?type=TrafficFlowObserved&options=keyValues&q=${encodeURIComponent('intensity>=7;laneDirection==forward')}`);
    expect(busy.map((entity) => entity.intensity).sort()).toEqual([15, 20, 7]);
    const since = hoursAgo(3).toISOString();
    const recent = await validEntities(`/ngsi-ld/v1/entities?type=TrafficFlowObserved&options=keyValues&q=${encodeURIComponent(`dateObserved>=${since};vehicleType=="car"`)}`);
    expect(recent.map((entity) => entity.intensity)).toEqual([15]); // the car 5 hours ago is before the bound
    const near = await validEntities(`/ngsi-ld/v1/entities?type=TrafficFlowObserved&options=keyValues&georel=${encodeURIComponent('near;maxDistance==500')}&geometry=Point&coordinates=[106.7010,10.7770]`);
    expect(new Set(near.map((entity) => entity.refDevice))).toEqual(new Set([`urn:ngsi-ld:Device:${cameraNear}`]));
    const square = JSON.stringify([[[106.59, 10.84], [106.61, 10.84], [106.61, 10.86], [106.59, 10.86], [106.59, 10.84]]]);
    const within = await validEntities(`/ngsi-ld/v1/entities?type=TrafficFlowObserved&options=keyValues&georel=within&geometry=Polygon&coordinates=${encodeURIComponent(square)}`);
    expect(within.map((entity) => entity.refDevice)).toEqual([`urn:ngsi-ld:Device:${cameraFar}`]);
    const all = await get('/ngsi-ld/v1/entities?type=TrafficFlowObserved&options=keyValues&limit=100&count=true');
    expect(all.headers.get('ngsild-results-count')).toBe(String(all.body.length));
    const first = await get('/ngsi-ld/v1/entities?type=TrafficFlowObserved&options=keyValues&limit=2');
    const second = await get('/ngsi-ld/v1/entities?type=TrafficFlowObserved&options=keyValues&limit=2&offset=2');
    expect([...first.body, ...second.body].map((entity: { id: string }) => entity.id)).toEqual(all.body.slice(0, 4).map((entity: { id: string }) => entity.id));
  });

  it('answers a bad query with 400 and a reason, and never runs it as SQL', async () => {
    const cases: Array<[string, RegExp]> = [
      ['type=TrafficFlowObserved&q=speed>3', /no queryable attribute "speed".*intensity/],
      ['type=TrafficFlowObserved&q=intensity>lots', /intensity takes a number/],
      ['type=TrafficFlowObserved&q=' + encodeURIComponent("vehicleType=='car';DROP TABLE users"), /not a comparison|takes a word/],
      ['type=TrafficFlowObserved&q=' + encodeURIComponent('intensity>1|intensity<0'), /only terms joined by ";"/],
      ['type=TrafficFlowObserved&q=' + encodeURIComponent('vehicleType==tank'), /one of car, motorcycle/],
      ['type=TrafficFlowObserved&q=' + encodeURIComponent('dateObserved>=2020-01-01T00:00:00Z;dateObserved<2020-03-01T00:00:00Z'), /at most 31 days/],
      ['type=TrafficFlowObserved&limit=5000', /limit: a whole number 1 to 1000/],
      ['type=TrafficFlowObserved&georel=near&geometry=Point&coordinates=[106.7,10.7]', /maxDistance/],
      ['type=TrafficFlowObserved&georel=' + encodeURIComponent('near;maxDistance==10') + '&geometry=Point&coordinates=[200,10]', /longitude/],
      ['q=intensity>1', /type is required/],
    ];
    for (const [query, message] of cases) {
      const answer = await get(`/ngsi-ld/v1/entities?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.type).toBe('https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
      expect(answer.body.title, query).toMatch(message);
    }
    expect(Number((await test.db.query('SELECT count(*) FROM users')).rows[0].count)).toBeGreaterThan(0);
  });
});

describe('open data files', () => {
  it('serves the datasets as CSV and JSON with the licence', async () => {
    const csv = await get(`/api/open/traffic-counts.csv?from=${hoursAgo(6).toISOString()}&camera=${cameraNear}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('hour,camera_id,lat,lon,vehicle_type,direction,count,licence');
    expect(lines).toContain(`${hoursAgo(2).toISOString()},${cameraNear},10.7769,106.7009,car,forward,15,CC-BY-4.0`);
    expect(lines).toHaveLength(5); // header, 3 types 2 hours ago, the car 5 hours ago
    const json = await get(`/api/open/water-levels.json?station=${riverGauge}`);
    expect(json.body).toMatchObject({ dataset: 'water-levels', licence: 'CC-BY-4.0', licenceUrl: 'https://creativecommons.org/licenses/by/4.0/' });
    expect(json.body.rows).toEqual([expect.objectContaining({ station_id: riverGauge, station_name: 'Kênh Nhiêu Lộc', station_name_en: 'Nhieu Loc canal', level_avg_m: 1.6, readings: 2 })]);
    const rainfall = await get('/api/open/rainfall.csv');
    expect(rainfall.text.trim().split('\r\n')).toEqual([
      'hour,station_id,station_name,station_name_en,lat,lon,rainfall,unit,readings,licence',
      `${hoursAgo(2).toISOString()},${rain},Rain,Rain,10.8,106.6,7.5,mm,2,CC-BY-4.0`, // no English name: the local one in both
    ]);
    const salinity = await get(`/api/open/salinity.json?station=${salinityStation}`);
    expect(salinity.body.rows).toEqual([expect.objectContaining({ salinity_avg: 3.4, salinity_min: 3.2, salinity_max: 3.6, unit: 'g/L' })]);
    const alerts = await get('/api/open/alerts.csv');
    expect(alerts.text.split('\r\n')[0]).toBe('id,kind,category,sub_category,severity,first_seen_at,last_seen_at,lat,lon,district,district_en,licence');
    const crowd = await get(`/api/open/crowd-counts.csv?from=${hoursAgo(6).toISOString()}&camera=${cameraNear}`);
    expect(crowd.text.trim().split('\r\n')).toEqual([
      'hour,camera_id,lat,lon,people,people_towards,people_away,congested,licence',
      `${hoursAgo(4).toISOString()},${cameraNear},10.7769,106.7009,1,1,0,false,CC-BY-4.0`,
      `${hoursAgo(2).toISOString()},${cameraNear},10.7769,106.7009,13,9,4,false,CC-BY-4.0`,
    ]);
    const days = (hours: number) => hoursAgo(hours).toISOString().slice(0, 10);
    const reports = await get(`/api/open/report-counts.json?from=${days(72)}T00:00:00Z`);
    const expected = new Map<string, number>();
    for (const [hours, category, district] of [[2, 'flooding', districtId], [3, 'flooding', districtId], [2, 'fallen_tree', districtId], [30, 'garbage', null]] as const) {
      const key = `${days(hours)}|${category}|${district}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    expect(new Map(reports.body.rows.map((row: Record<string, unknown>) => [`${row.day}|${row.category}|${row.district_id}`, row.reports]))).toEqual(expected);
    expect(reports.body.rows.find((row: Record<string, unknown>) => row.district_id === districtId).district).toBe(`District ${districtId}`);
    const reportsCsv = await get(`/api/open/report-counts.csv?from=${days(72)}T00:00:00Z`);
    expect(reportsCsv.text.split('\r\n')[0]).toBe('day,category,district_id,district,district_en,reports,licence');
    const tooLong = await get('/api/open/traffic-counts.json?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/at most 31 days/);
  });
});

describe('public but protected', () => {
  const ROUTES = [
    '/ngsi-ld/v1/types',
    '/ngsi-ld/v1/entities?type=TrafficFlowObserved',
    '/ngsi-ld/v1/entities?type=WaterObserved',
    '/ngsi-ld/v1/entities?type=Alert',
    '/ngsi-ld/v1/entities?type=CrowdFlowObserved',
    '/ngsi-ld/v1/entities?type=FloodMonitoring',
    '/ngsi-ld/v1/entities?type=IssueReporting',
    '/api/open/crowd-counts.csv',
    '/api/open/crowd-counts.json',
    '/api/open/report-counts.csv',
    '/api/open/report-counts.json',
    '/api/open/traffic-counts.csv',
    '/api/open/traffic-counts.json',
    '/api/open/water-levels.csv',
    '/api/open/water-levels.json',
    '/api/open/rainfall.csv',
    '/api/open/rainfall.json',
    '/api/open/salinity.csv',
    '/api/open/salinity.json',
    '/api/open/alerts.csv',
    '/api/open/alerts.json',
  ];

  it('answers every route without a session, and refuses every write', async () => {
    for (const route of ROUTES) expect((await get(route)).status, route).toBe(200);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const route of ['/ngsi-ld/v1/entities', `/ngsi-ld/v1/entities/urn:ngsi-ld:Alert:${congestionAlertId}`, '/api/open/alerts.json']) {
        const response = await api.request(method, route, { body: { id: 'urn:ngsi-ld:Alert:1', type: 'Alert' }, headers: { 'x-forwarded-for': freshAddress() } });
        expect(response.status, `${method} ${route}`).toBe(405);
        expect(response.headers.get('allow')).toBe('GET');
      }
    }
    // Even an admin's session cannot write through it.
    const asAdmin = await api.request('POST', '/ngsi-ld/v1/entities', { role: 'admin', body: {}, headers: { 'x-forwarded-for': freshAddress() } });
    expect(asAdmin.status).toBe(405);
  });

  it('limits each network address, with 429 and Retry-After, without limiting the others', async () => {
    const address = '203.0.113.7';
    // 30 a minute: 61 requests span at most two minutes, so one of them holds a 31st request; none before the 31st is refused.
    let firstRefused = -1;
    for (let i = 0; i < 61 && firstRefused < 0; i++) {
      const response = await api.request('GET', i % 2 ? '/ngsi-ld/v1/types' : '/api/open/alerts.json', { headers: { 'x-forwarded-for': address } });
      if (response.status === 429) {
        firstRefused = i;
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        const body = await response.json();
        expect(body.error?.message ?? body.title).toMatch(/at most 30 open data requests a minute/);
      } else {
        expect(response.status).toBe(200);
        await response.text();
      }
    }
    expect(firstRefused).toBeGreaterThanOrEqual(30);
    expect((await get('/ngsi-ld/v1/types')).status).toBe(200); // another address
  });
});
