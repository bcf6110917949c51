// Residents' report figures through the REST API (real PostgreSQL): reports sent as residents send them,
// a team of an agency acknowledges and resolves two, residents rate them, an operator rejects one; the
// figures per category, agency and district, and the CSV, count them and time them from receipt.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportFigures, ReportReceipt } from '../../contract/citizen-reports.ts';
import type { UserRole } from '../../contract/roles.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { addDistrict, uniqueId } from '../alerts/support/fixtures.ts';
import { addTeam, addUser } from '../alerts/support/people.ts';

let test: TestDatabase;
let api: TestApi;
let districtId: string;
let member: { id: number; cookie: string };
let teamId: number;
const AGENCY = 'Công ty Thoát nước';

let nextSpot = 0;
const spot = () => ({ lat: 10.70 + 0.05 * nextSpot, lon: 106.60 + 0.05 * nextSpot++ });
let nextAddress = 10;

/** POST /api/public/reports as the page sends it (multipart, from its own address through the trusted proxy). */
async function send(category: string): Promise<{ id: number; code: string; incidentId: number }> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ category, description: 'Báo cáo', ...spot() })) form.append(name, String(value));
  const response = await fetch(`${api.baseUrl}/api/public/reports`, {
    method: 'POST',
    headers: { 'x-forwarded-for': `203.0.113.${nextAddress++}`, 'idempotency-key': uniqueId('report-key') },
    body: form,
  });
  expect(response.status).toBe(201);
  const { code } = (await response.json()) as ReportReceipt;
  const { rows } = await test.db.query(`SELECT id, incident_id FROM citizen_reports WHERE code = $1`, [code]);
  return { id: Number(rows[0].id), code, incidentId: Number(rows[0].incident_id) };
}
const call = async (method: string, path: string, who: UserRole | { cookie: string }, body?: unknown) =>
  api.request(method, path, { ...(typeof who === 'string' ? { role: who } : { cookie: who.cookie }), body });

/** The team acknowledges and resolves; then the times are set to known minutes after the report's receipt. */
async function handle(report: { id: number; code: string; incidentId: number }, acknowledgeAfter: number, resolveAfter: number, stars: number) {
  expect((await call('POST', `/api/incidents/${report.incidentId}/assign`, 'operator', { teamId })).status).toBe(200);
  expect((await call('POST', `/api/incidents/${report.incidentId}/acknowledge`, member)).status).toBe(200);
  const form = new FormData();
  form.append('note', 'Done');
  form.append('photo', new Blob([new Uint8Array(await sharp({ create: { width: 32, height: 32, channels: 3, background: '#228822' } }).png().toBuffer())], { type: 'image/png' }), 'fix.png');
  const resolved = await fetch(`${api.baseUrl}/api/incidents/${report.incidentId}/resolve`, { method: 'POST', headers: { cookie: api.cookieFor('operator') }, body: form });
  expect(resolved.status).toBe(200);
  await test.db.query(
    `UPDATE incident_assignments SET acknowledged_at = (SELECT received_at FROM citizen_reports WHERE id = $1) + make_interval(mins => $2) WHERE incident_id = $3`,
    [report.id, acknowledgeAfter, report.incidentId],
  );
  await test.db.query(`UPDATE incidents SET resolved_at = (SELECT received_at FROM citizen_reports WHERE id = $1) + make_interval(mins => $2) WHERE id = $3`, [report.id, resolveAfter, report.incidentId]);
  const rated = await fetch(`${api.baseUrl}/api/public/reports/${report.code}/rating`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.1' }, body: JSON.stringify({ stars }) });
  expect(rated.status).toBe(201);
}

const figures = async (query: string, who: UserRole = 'viewer') => {
  const response = await call('GET', `/api/reports/figures?${query}`, who);
  return { status: response.status, body: (await response.json()) as ReportFigures };
};

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test, { TRUST_PROXY: 'loopback', REPORTS_PER_MINUTE_PER_ADDRESS: '30', REPORTS_PER_MINUTE_PER_DEVICE: '1000' });
  districtId = await addDistrict(test.db, undefined, { type: 'Polygon', coordinates: [[[106.5, 10.6], [108.5, 10.6], [108.5, 12.5], [106.5, 12.5], [106.5, 10.6]]] });
  member = await addUser(test.db, api, uniqueId('drain'), 'field');
  teamId = await addTeam(api, 'Đội bơm 1', [member.id]);
  const agency = await call('POST', '/api/agencies', 'admin', { name: AGENCY, kind: 'drainage_company', delivery: 'team' });
  expect(agency.status).toBe(201);
  expect((await call('PUT', `/api/teams/${teamId}/agency`, 'admin', { agencyId: (await agency.json()).agency.id })).status).toBe(200);

  // Two floods handled by the agency's team (acknowledged after 10 and 20 min, resolved after 60 and 100,
  // rated 4 and 2); two garbage reports: one rejected as spam, one still waiting.
  await handle(await send('flooding'), 10, 60, 4);
  await handle(await send('flooding'), 20, 100, 2);
  const spam = await send('garbage');
  expect((await call('POST', `/api/reports/${spam.id}/reject`, 'operator', { reason: 'Quảng cáo, không phải sự cố' })).status).toBe(200);
  await send('garbage');
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('residents\' report figures', () => {
  it('per category: counts, medians from receipt, ratings; rejected reports counted, not timed', async () => {
    const { status, body } = await figures('by=category');
    expect(status).toBe(200);
    expect(body.by).toBe('category');
    expect(body.rows).toEqual([
      { group: 'flooding', reports: 2, rejected: 0, resolved: 2, medianToAcknowledgeMinutes: 15, medianToResolveMinutes: 80, ratings: 2, averageStars: 3 },
      { group: 'garbage', reports: 2, rejected: 1, resolved: 0, medianToAcknowledgeMinutes: null, medianToResolveMinutes: null, ratings: 0, averageStars: null },
    ]);
  });

  it('per agency (the team\'s agency; none is \'\') and per district', async () => {
    const byAgency = (await figures('by=agency')).body.rows;
    expect(byAgency.map((row) => [row.group, row.reports, row.resolved])).toEqual([[AGENCY, 2, 2], ['', 2, 0]]);
    const byDistrict = (await figures('by=district')).body.rows;
    expect(byDistrict).toMatchObject([{ group: districtId, reports: 4, rejected: 1, resolved: 2, ratings: 2 }]);
  });

  it('a period without reports is empty; bad queries and field roles are refused', async () => {
    expect((await figures('from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z')).body.rows).toEqual([]);
    expect((await figures('by=team')).status).toBe(400);
    expect((await figures('from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z')).status).toBe(400);
    expect((await figures('by=category', 'field')).status).toBe(403);
  });

  it('the CSV: a header, one quoted line per group, the period', async () => {
    const response = await call('GET', '/api/reports/figures.csv?by=category', 'operator');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="report-figures-category-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = (await response.text()).split('\r\n');
    expect(lines[0]).toBe('by,group,reports,rejected,resolved,median_to_acknowledge_min,median_to_resolve_min,ratings,average_stars,from,to');
    expect(lines[1]).toMatch(/^category,flooding,2,0,2,15,80,2,3,\d{4}-.+Z,\d{4}-.+Z$/);
    expect(lines[2]).toMatch(/^category,garbage,2,1,0,,,0,,/);
    expect(lines[3]).toBe('');
  });
});
