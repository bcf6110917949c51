// Nothing personal is ever published: people's names and numbers are put where operations keep them (a
// user, a team's phone, an alert's title and description, a note, a hotline caller, a field position,
// a manual report, a resident's report: its description, contact, tracking code, device hash, exact
// place, rating comment, the reason it was rejected), then every open output, in every form and the
// daily files, is searched for them. The published alert and report must be there, so the search is not
// over an empty answer.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { addCamera, addDistrict, uniqueId } from '../alerts/support/fixtures.ts';
import { addTeam, addUser } from '../alerts/support/people.ts';
import { addReport } from './support/reports.ts';
import { exportDay } from '../../dashboard/server/open-data/daily-files.ts';
import { openDataMeta } from '../../dashboard/server/open-data/entity-type.ts';

/** Distinctive strings that may only ever be seen by operators. */
const PERSONAL = {
  userName: 'tranthibimat',
  displayName: 'Trần Thị Bímật',
  teamPhone: '0987 000 111',
  alertTitle: 'Ông Lê Văn Riêngtư gọi báo',
  alertDescription: 'số nhà 42 hẻm Kínđáo',
  note: 'Người báo: chị Hoa Kínmiệng 0912 345 678',
  callerName: 'Phạm Gọiđến',
  callerNumber: '0903 999 888',
  callerSaid: 'nhà tôi ở 17 Bímật',
  manualTitle: 'Báo cáo của Võ Thámtử',
  positionLat: '10.7612345',
  positionLon: '106.6812345',
  reportDescription: 'Nhà bà Nguyễn Thị Kínđáo số 9 bị ngập',
  reportContact: 'kindao.resident@example.vn',
  reportDeviceHash: 'f00dfacecafe0123456789abcdef0123456789abcdef0123456789abcdef9999',
  reportLat: '10.7723456',
  reportLon: '106.6987654',
  ratingComment: 'Cảm ơn anh Bảovệ',
  rejectionReason: 'Trùng với phản ánh của ông Lý Riêngtư',
};

let test: TestDatabase;
let api: TestApi;
let alertId: number;
let reportId: number;
let rejectedReportCode: string;
let reportCode: string;
let dailyDir: string;
let districtId: string;
const reportReceivedAt = new Date(Date.now() - 3_600_000);
let address = 0;

beforeAll(async () => {
  test = await createTestDatabase();
  dailyDir = mkdtempSync(path.join(os.tmpdir(), 'cityops-open-private-'));
  api = await startTestApi(test, { TRUST_PROXY: 'loopback', OPEN_DATA_REQUESTS_PER_MINUTE: '1000', OPEN_DATA_DAILY_DIR: dailyDir });
  districtId = await addDistrict(test.db);
  const cameraId = await addCamera(test.db, districtId);
  await test.db.query(`INSERT INTO traffic_counts (camera_id, line_id, minute, class, direction, count) VALUES ($1, 'l1', now() - interval '1 hour', 'car', '+', 4)`, [cameraId]);
  const field = await addUser(test.db, api, PERSONAL.userName, 'field');
  await test.db.query(`UPDATE users SET display_name = $1 WHERE id = $2`, [PERSONAL.displayName, field.id]);
  const teamId = await addTeam(api, uniqueId('team'), [field.id], districtId);
  const patched = await api.request('PATCH', `/api/teams/${teamId}`, { role: 'admin', body: { phone: PERSONAL.teamPhone } });
  if (patched.status !== 200) throw new Error(`team phone: ${patched.status} ${await patched.text()}`);

  const raiser = createAlertRaiser({ db: test.db });
  alertId = (
    await raiser.raise({
      sourceType: 'camera',
      sourceId: cameraId,
      kind: 'congestion',
      severity: 'major',
      title: { vi: PERSONAL.alertTitle, en: PERSONAL.alertTitle },
      description: { vi: PERSONAL.alertDescription, en: PERSONAL.alertDescription },
      evidence: { data: { reportedBy: PERSONAL.callerName } },
    })
  ).alertId;
  const calls: Array<[string, string, unknown]> = [
    ['POST', `/api/alerts/${alertId}/acknowledge`, {}],
    ['POST', `/api/alerts/${alertId}/notes`, { note: PERSONAL.note }],
    ['POST', `/api/alerts/${alertId}/assign`, { teamId }],
    ['POST', '/api/alerts', { severity: 'minor', title: { vi: PERSONAL.manualTitle, en: PERSONAL.manualTitle }, lat: 10.7769, lon: 106.7009 }],
    ['POST', '/api/hotline/calls', { line: '1022', callerName: PERSONAL.callerName, callerNumber: PERSONAL.callerNumber, kind: 'flooding', said: PERSONAL.callerSaid, lat: 10.77, lon: 106.70 }],
  ];
  for (const [method, url, body] of calls) {
    const response = await api.request(method, url, { role: 'admin', body });
    if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  }
  const report = await addReport(test.db, {
    category: 'flooding',
    lat: Number(PERSONAL.reportLat),
    lon: Number(PERSONAL.reportLon),
    districtId,
    description: PERSONAL.reportDescription,
    contact: PERSONAL.reportContact,
    deviceHash: PERSONAL.reportDeviceHash,
    receivedAt: reportReceivedAt,
    incidentState: 'resolved',
    rating: { stars: 5, comment: PERSONAL.ratingComment },
  });
  reportId = report.id;
  reportCode = report.code;
  rejectedReportCode = (
    await addReport(test.db, { category: 'garbage', lat: 10.78, lon: 106.7, districtId, description: PERSONAL.reportDescription, rejectedReason: PERSONAL.rejectionReason })
  ).code;
  for (const [method, url, body] of [['PUT', '/api/field/duty', { onDuty: true }], ['POST', '/api/field/position', { lat: Number(PERSONAL.positionLat), lon: Number(PERSONAL.positionLon) }]] as const) {
    const response = await api.request(method, url, { cookie: field.cookie, body });
    if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  }
});

afterAll(async () => {
  await api?.stop();
  await test?.drop();
  if (dailyDir) rmSync(dailyDir, { recursive: true, force: true });
});

async function fetchText(url: string, accept = '*/*'): Promise<string> {
  const response = await api.request('GET', url, { headers: { accept, 'x-forwarded-for': `192.0.2.${++address}` } });
  expect(response.status, url).toBe(200);
  return `${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n${await response.text()}`;
}

it('publishes nothing personal in any open output', async () => {
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const outputs: string[] = [await fetchText('/ngsi-ld/v1/types')];
  const timeAttribute: Record<string, string | undefined> = {
    TrafficFlowObserved: 'dateObserved',
    CrowdFlowObserved: 'dateObserved',
    WaterObserved: 'dateObserved',
    FloodMonitoring: undefined,
    Alert: undefined,
    IssueReporting: 'dateCreated',
  };
  for (const [type, attribute] of Object.entries(timeAttribute)) {
    const q = attribute ? `&q=${encodeURIComponent(`${attribute}>=${since}`)}` : '';
    for (const form of ['', '&options=keyValues']) {
      const text = await fetchText(`/ngsi-ld/v1/entities?type=${type}&limit=1000${q}${form}`, 'application/ld+json');
      outputs.push(text);
      for (const entity of JSON.parse(text.slice(text.indexOf('\n['))) as Array<{ id: string }>) {
        outputs.push(await fetchText(`/ngsi-ld/v1/entities/${encodeURIComponent(entity.id)}${form.replace('&', '?')}`));
      }
    }
  }
  const datasets = ['traffic-counts', 'crowd-counts', 'water-levels', 'rainfall', 'salinity', 'alerts', 'report-counts'];
  for (const dataset of datasets) {
    for (const format of ['csv', 'json']) outputs.push(await fetchText(`/api/open/${dataset}.${format}?from=${since}`));
  }
  // The daily files of the report's day (written now for the test; the task writes yesterday's), through the API.
  const today = reportReceivedAt.toISOString().slice(0, 10);
  await exportDay({ db: test.db, caps: test.caps, meta: openDataMeta(api.config), dir: dailyDir }, today);
  outputs.push(await fetchText('/api/open/daily'));
  for (const dataset of datasets) {
    for (const format of ['csv', 'json']) outputs.push(await fetchText(`/api/open/daily/${today}/${dataset}.${format}`));
  }
  const everything = outputs.join('\n');
  // Not an empty search: the alert and the counts are published.
  expect(everything).toContain(`urn:ngsi-ld:Alert:${alertId}`);
  expect(everything).toContain('urn:ngsi-ld:TrafficFlowObserved:');
  expect(everything).toContain(`urn:ngsi-ld:IssueReporting:${reportId}`);
  expect(everything).toContain(`${today},flooding,${districtId}`); // the report counted in its day's file
  const leaks = Object.entries({ ...PERSONAL, reportCode, rejectedReportCode }).filter(([, value]) => everything.toLowerCase().includes(value.toLowerCase()));
  expect(leaks).toEqual([]);
});
