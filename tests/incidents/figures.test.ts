// Response figures through the REST API: incidents built by hotline calls, assignments, the teams'
// answers and resolutions, then moved to known times in the database, so the medians, p90s, deadline
// counts and groupings are known in advance; the CSV says the same as the JSON; the wall's list of
// assignments past a deadline; command room only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { addDistrict } from '../alerts/support/fixtures.ts';
import type { IncidentsOverdue, ResponseFigureGroup, ResponseFigures } from '../../contract/incident-figures.ts';
import type { UserRole } from '../../contract/roles.ts';

let test: TestDatabase;
let api: TestApi;

const call = async (method: string, path: string, role: UserRole | null, body?: unknown) => {
  const response = await api.request(method, path, { ...(role ? { role } : {}), body });
  const text = await response.text();
  // The CSV is not JSON: its body stays undefined, its text is there.
  const json = () => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  return { status: response.status, body: text ? json() : undefined, text, headers: response.headers };
};
const ok = async (method: string, path: string, body?: unknown) => {
  const answer = await call(method, path, 'operator', body);
  expect(answer.status, `${method} ${path}: ${answer.text}`).toBeLessThan(300);
  return answer.body;
};

const NORTH = 'q-north';
const SOUTH = 'q-south';
// A name that needs RFC 4180 quoting, and one a spreadsheet would run as a formula.
const FIRE_TEAM = 'Đội "Cứu hỏa", Quận 1';
const FLOOD_TEAM = '=Đội chống ngập';
let fireTeam: number;
let floodTeam: number;

/** The period the figures are read over; incidents are moved into it, one per hour from 01:00. */
const PERIOD = { from: '2026-01-05T00:00:00.000Z', to: '2026-01-06T00:00:00.000Z' };
const T0 = Date.parse('2026-01-05T01:00:00Z');
const seconds = (base: number, count: number) => new Date(base + count * 1000);
let nextHour = 0;

async function hotlineCall(kind: 'fire' | 'flooding' | 'traffic_accident', place: { districtId: string } | { lat: number; lon: number }): Promise<number> {
  const where = 'districtId' in place ? { ...place, address: '12 Lê Lợi' } : place;
  const answer = await ok('POST', '/api/hotline/calls', { line: kind === 'fire' ? '114' : '1022', kind, said: 'Người dân gọi báo', ...where });
  return answer.incident.id;
}
const assign = async (incidentId: number, teamId: number, replace = false) => (await ok('POST', `/api/incidents/${incidentId}/assign`, { teamId, replace })).assignment.id as number;

/**
 * Moves an incident and its assignments to known times: opened at `openedAt`, each assignment's
 * deadlines shifted with it (so the policy's intervals stay), its answers and end as given in seconds
 * after it was assigned. Only what the API set is moved: a time the API left empty stays empty.
 */
async function setTimes(incidentId: number, openedAt: Date, resolvedAfterS: number | null, assignments: Array<{ id: number; assignedAfterS: number; acknowledgeS?: number; arriveS?: number; endS?: number }>) {
  const resolvedAt = resolvedAfterS === null ? null : seconds(openedAt.getTime(), resolvedAfterS);
  await test.db.query(`UPDATE incidents SET opened_at = $2, resolved_at = CASE WHEN resolved_at IS NULL THEN NULL ELSE $3::timestamptz END WHERE id = $1`, [incidentId, openedAt, resolvedAt]);
  for (const assignment of assignments) {
    const assignedAt = seconds(openedAt.getTime(), assignment.assignedAfterS);
    const after = (count: number | undefined) => (count === undefined ? null : seconds(assignedAt.getTime(), count));
    await test.db.query(
      `UPDATE incident_assignments SET
         acknowledge_by = $2::timestamptz + (acknowledge_by - assigned_at), arrive_by = $2::timestamptz + (arrive_by - assigned_at), assigned_at = $2,
         acknowledged_at = CASE WHEN acknowledged_at IS NULL THEN NULL ELSE $3::timestamptz END,
         arrived_at = CASE WHEN arrived_at IS NULL THEN NULL ELSE $4::timestamptz END,
         ended_at = CASE WHEN ended_at IS NULL THEN NULL ELSE $5::timestamptz END
       WHERE id = $1 AND incident_id = $6`,
      [assignment.id, assignedAt, after(assignment.acknowledgeS), after(assignment.arriveS), after(assignment.endS) ?? resolvedAt, incidentId],
    );
  }
}

/** An incident through the API (call, assign, acknowledge, arrive, resolve), then moved to known times. */
async function answered(kind: 'fire' | 'flooding', districtId: string, teamId: number, times: { acknowledgeS: number; arriveS: number; resolveS: number | null }, before?: (incidentId: number) => Promise<void>) {
  const incidentId = await hotlineCall(kind, { districtId });
  const assignmentId = await assign(incidentId, teamId);
  await ok('POST', `/api/incidents/${incidentId}/acknowledge`);
  await ok('POST', `/api/incidents/${incidentId}/arrive`);
  await before?.(incidentId);
  if (times.resolveS !== null) await ok('POST', `/api/incidents/${incidentId}/state`, { state: 'resolved' });
  await setTimes(incidentId, seconds(T0, 3600 * nextHour++), times.resolveS, [{ id: assignmentId, assignedAfterS: 30, acknowledgeS: times.acknowledgeS, arriveS: times.arriveS }]);
  return incidentId;
}

const figures = async (query: string, role: UserRole = 'viewer') => {
  const answer = await call('GET', `/api/incidents/figures?${query}`, role);
  expect(answer.status, answer.text).toBe(200);
  return answer.body as ResponseFigures;
};
const period = `from=${PERIOD.from}&to=${PERIOD.to}`;

/** A group's figures in a compact form: [median, p90, count] per duration. */
const summary = (group: ResponseFigureGroup) => ({
  key: group.key,
  label: group.label,
  incidents: group.incidents,
  resolved: group.resolved,
  acknowledge: [group.acknowledge.medianSeconds, group.acknowledge.p90Seconds, group.acknowledge.count],
  arrive: [group.arrive.medianSeconds, group.arrive.p90Seconds, group.arrive.count],
  resolve: [group.resolve.medianSeconds, group.resolve.p90Seconds, group.resolve.count],
  late: [group.pastAcknowledgeDeadline, group.pastArriveDeadline, group.pastDeadline],
});

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  // These incidents are resolved by state changes: the proof photo some kinds need is dispatch.test.ts's concern.
  await test.db.query(`UPDATE dispatch_policies SET requires_photo = false`);
  await addDistrict(test.db, NORTH);
  await addDistrict(test.db, SOUTH);
  const team = async (name: string) => (await call('POST', '/api/teams', 'admin', { name })).body.team.id as number;
  fireTeam = await team(FIRE_TEAM);
  floodTeam = await team(FLOOD_TEAM);
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('response figures', () => {
  beforeAll(async () => {
    // Fires in the north, the fire team (deadlines of the fire policy: acknowledge 60 s, arrive 600 s).
    const first = await answered('fire', NORTH, fireTeam, { acknowledgeS: 60, arriveS: 700, resolveS: 1000 }, async (incidentId) => {
      // A second report of the same fire, merged into it: counted once.
      const duplicate = await hotlineCall('fire', { districtId: NORTH });
      await ok('POST', `/api/incidents/${incidentId}/merge`, { incidentIds: [duplicate] });
      await test.db.query(`UPDATE incidents SET opened_at = $2 WHERE id = $1`, [duplicate, seconds(T0, 60)]);
    });
    expect(first).toBeGreaterThan(0);
    await answered('fire', NORTH, fireTeam, { acknowledgeS: 120, arriveS: 400, resolveS: 2000 });
    await answered('fire', NORTH, fireTeam, { acknowledgeS: 180, arriveS: 500, resolveS: 3000 });
    await answered('fire', NORTH, fireTeam, { acknowledgeS: 240, arriveS: 600, resolveS: 4000 });
    await answered('fire', NORTH, fireTeam, { acknowledgeS: 300, arriveS: 300, resolveS: null });
    // Floods in the south, the flood team (flooding policy: acknowledge 300 s, arrive 1800 s).
    await answered('flooding', SOUTH, floodTeam, { acknowledgeS: 200, arriveS: 1000, resolveS: 3600 });
    await answered('flooding', SOUTH, floodTeam, { acknowledgeS: 400, arriveS: 2000, resolveS: 7200 });

    // A crash nobody was sent to (no district: a point outside every district), resolved after 10 min.
    const unsent = await hotlineCall('traffic_accident', { lat: 10.5, lon: 107.9 });
    await ok('POST', `/api/incidents/${unsent}/state`, { state: 'resolved' });
    await setTimes(unsent, seconds(T0, 3600 * nextHour++), 600, []);
    // A crash in the south: the fire team never answers and is replaced after 500 s by the flood team,
    // which answers at once. The figures measure the first assignment: no acknowledgement, late for it.
    const replaced = await hotlineCall('traffic_accident', { districtId: SOUTH });
    const firstAssignment = await assign(replaced, fireTeam);
    const secondAssignment = await assign(replaced, floodTeam, true);
    await ok('POST', `/api/incidents/${replaced}/acknowledge`);
    await ok('POST', `/api/incidents/${replaced}/arrive`);
    await ok('POST', `/api/incidents/${replaced}/state`, { state: 'resolved' });
    await setTimes(replaced, seconds(T0, 3600 * nextHour++), 3000, [
      { id: firstAssignment, assignedAfterS: 30, endS: 500 },
      { id: secondAssignment, assignedAfterS: 530, acknowledgeS: 30, arriveS: 200 },
    ]);
    expect((await test.db.query(`SELECT district_id FROM incidents WHERE id = $1`, [unsent])).rows[0].district_id).toBeNull();
  });

  it('per kind: medians and p90s of acknowledge, arrive and resolve, counts and deadlines missed', async () => {
    const byKind = await figures(`${period}&by=kind`);
    expect(byKind).toMatchObject({ from: PERIOD.from, to: PERIOD.to, by: 'kind' });
    expect(byKind.groups.map(summary)).toEqual([
      // acknowledge 60..300 (p90 interpolated: 240 + 0.6 × 60); late: acknowledged after 60 s (4), arrived after 600 s (1).
      { key: 'fire', label: null, incidents: 5, resolved: 4, acknowledge: [180, 276, 5], arrive: [500, 660, 5], resolve: [2500, 3700, 4], late: [4, 1, 5] },
      { key: 'flooding', label: null, incidents: 2, resolved: 2, acknowledge: [300, 380, 2], arrive: [1500, 1900, 2], resolve: [5400, 6840, 2], late: [1, 1, 1] },
      // The replaced team's acknowledgement deadline (120 s) passed before it was replaced (500 s); its arrival deadline did not.
      { key: 'traffic_accident', label: null, incidents: 2, resolved: 2, acknowledge: [null, null, 0], arrive: [null, null, 0], resolve: [1800, 2760, 2], late: [1, 0, 1] },
    ]);
    expect(summary(byKind.total)).toEqual({
      key: null,
      label: null,
      incidents: 9,
      resolved: 8,
      acknowledge: [200, 340, 7],
      arrive: [600, 1400, 7],
      resolve: [3000, 4960, 8],
      late: [6, 2, 7],
    });
  });

  it('per district and per team (the first team sent), a group for none', async () => {
    const byDistrict = await figures(`${period}&by=district`, 'operator');
    expect(byDistrict.groups.map(summary)).toEqual([
      { key: NORTH, label: `District ${NORTH}`, incidents: 5, resolved: 4, acknowledge: [180, 276, 5], arrive: [500, 660, 5], resolve: [2500, 3700, 4], late: [4, 1, 5] },
      { key: SOUTH, label: `District ${SOUTH}`, incidents: 3, resolved: 3, acknowledge: [300, 380, 2], arrive: [1500, 1900, 2], resolve: [3600, 6480, 3], late: [2, 1, 2] },
      { key: null, label: null, incidents: 1, resolved: 1, acknowledge: [null, null, 0], arrive: [null, null, 0], resolve: [600, 600, 1], late: [0, 0, 0] },
    ]);
    const byTeam = await figures(`${period}&by=team`, 'engineer');
    expect(byTeam.groups.map(summary)).toEqual([
      { key: String(fireTeam), label: FIRE_TEAM, incidents: 6, resolved: 5, acknowledge: [180, 276, 5], arrive: [500, 660, 5], resolve: [3000, 3600, 5], late: [5, 1, 6] },
      { key: String(floodTeam), label: FLOOD_TEAM, incidents: 2, resolved: 2, acknowledge: [300, 380, 2], arrive: [1500, 1900, 2], resolve: [5400, 6840, 2], late: [1, 1, 1] },
      { key: null, label: null, incidents: 1, resolved: 1, acknowledge: [null, null, 0], arrive: [null, null, 0], resolve: [600, 600, 1], late: [0, 0, 0] },
    ]);
    // The total does not depend on the grouping.
    expect(byTeam.total).toEqual((await figures(`${period}&by=kind`)).total);

    // Per agency: the agency of the first team sent; the flood team has none, like incidents without a team.
    const agency = await call('POST', '/api/agencies', 'admin', { name: 'Cảnh sát PCCC', kind: 'fire_brigade', delivery: 'team' });
    expect((await call('PUT', `/api/teams/${fireTeam}/agency`, 'admin', { agencyId: agency.body.agency.id })).status).toBe(200);
    const byAgency = await figures(`${period}&by=agency`);
    expect(byAgency.groups.map((group) => [group.key, group.label, group.incidents])).toEqual([
      [String(agency.body.agency.id), 'Cảnh sát PCCC', 6],
      [null, null, 3],
    ]);
    expect((await call('PUT', `/api/teams/${fireTeam}/agency`, 'admin', { agencyId: null })).status).toBe(200);
  });

  it('counts incidents opened in [from, to), and refuses a bad query', async () => {
    // Opened at 01:00 and 02:00; the one opened at 03:00 is the end of the period, not in it.
    const early = await figures(`from=${PERIOD.from}&to=${new Date(T0 + 2 * 3600_000).toISOString()}&by=kind`);
    expect(early.groups.map((group) => [group.key, group.incidents, group.acknowledge.medianSeconds])).toEqual([['fire', 2, 90]]);
    const empty = await figures(`from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z`);
    expect(empty.groups).toEqual([]);
    expect(summary(empty.total)).toMatchObject({ incidents: 0, resolved: 0, acknowledge: [null, null, 0], late: [0, 0, 0] });
    expect(empty.by).toBe('kind');
    for (const query of [`from=${PERIOD.to}&to=${PERIOD.from}`, `${period}&by=nowhere`, 'from=yesterday', 'from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z']) {
      const refused = await call('GET', `/api/incidents/figures?${query}`, 'viewer');
      expect(refused.status, query).toBe(400);
    }
  });

  it('exports the same figures as CSV (RFC 4180, names quoted, formulas defused)', async () => {
    const json = await figures(`${period}&by=team`);
    const answer = await call('GET', `/api/incidents/figures.csv?${period}&by=team`, 'viewer');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe('attachment; filename="response-figures-team-2026-01-05-2026-01-06.csv"');
    expect(answer.text).toContain('"Đội ""Cứu hỏa"", Quận 1"');
    expect(answer.text.endsWith('\r\n')).toBe(true);
    expect(answer.text.replaceAll('\r\n', '')).not.toContain('\n');

    const [header, ...rows] = parseCsv(answer.text);
    expect(header.slice(0, 5)).toEqual(['by', 'key', 'label', 'incidents', 'resolved']);
    const records = rows.map((row) => Object.fromEntries(header.map((column, index) => [column, row[index]])));
    const cell = (value: number | string | null) => (value === null ? '' : String(value));
    const expected = [...json.groups.map((group) => ({ group, key: group.key })), { group: json.total, key: '*' }].map(({ group, key }) => ({
      by: 'team',
      key: cell(key),
      label: group.label?.startsWith('=') ? `'${group.label}` : cell(group.label),
      incidents: cell(group.incidents),
      resolved: cell(group.resolved),
      acknowledge_median_s: cell(group.acknowledge.medianSeconds),
      acknowledge_p90_s: cell(group.acknowledge.p90Seconds),
      acknowledge_count: cell(group.acknowledge.count),
      arrive_median_s: cell(group.arrive.medianSeconds),
      arrive_p90_s: cell(group.arrive.p90Seconds),
      arrive_count: cell(group.arrive.count),
      resolve_median_s: cell(group.resolve.medianSeconds),
      resolve_p90_s: cell(group.resolve.p90Seconds),
      resolve_count: cell(group.resolve.count),
      past_acknowledge_deadline: cell(group.pastAcknowledgeDeadline),
      past_arrive_deadline: cell(group.pastArriveDeadline),
      past_deadline: cell(group.pastDeadline),
      from: PERIOD.from,
      to: PERIOD.to,
    }));
    expect(records).toEqual(expected);
    expect(records.find((record) => record.key === String(floodTeam))?.label).toBe(`'${FLOOD_TEAM}`);
    expect(records.at(-1)).toMatchObject({ key: '*', incidents: '9', acknowledge_median_s: '200', acknowledge_p90_s: '340' });
  });

  it('lists active assignments past a deadline now, most overdue first; an arrival or a resolution takes them off', async () => {
    const lateToAcknowledge = await hotlineCall('fire', { districtId: NORTH });
    const lateAcknowledgeAssignment = await assign(lateToAcknowledge, fireTeam);
    const lateToArrive = await hotlineCall('flooding', { districtId: SOUTH });
    const lateArriveAssignment = await assign(lateToArrive, floodTeam);
    await ok('POST', `/api/incidents/${lateToArrive}/acknowledge`);
    const onTime = await hotlineCall('fire', { districtId: SOUTH });
    const onTimeAssignment = await assign(onTime, floodTeam);
    const move = (id: number, acknowledgeBy: string, arriveBy: string) =>
      test.db.query(`UPDATE incident_assignments SET acknowledge_by = now() + $2::interval, arrive_by = now() + $3::interval WHERE id = $1`, [id, acknowledgeBy, arriveBy]);
    await move(lateAcknowledgeAssignment, '-5 minutes', '1 hour');
    await move(lateArriveAssignment, '-10 minutes', '-2 minutes');
    await move(onTimeAssignment, '1 hour', '2 hours');

    const overdue = async () => {
      const answer = await call('GET', '/api/incidents/overdue', 'viewer');
      expect(answer.status).toBe(200);
      return answer.body as IncidentsOverdue;
    };
    const first = await overdue();
    // The unresolved fire of January is active too, but its team arrived: nothing is late.
    expect(first.activeIncidents).toBe(4);
    expect(first.overdue.map((item) => [item.incidentId, item.assignmentId, item.deadline, item.teamName, item.kind])).toEqual([
      [lateToAcknowledge, lateAcknowledgeAssignment, 'acknowledge', FIRE_TEAM, 'fire'],
      [lateToArrive, lateArriveAssignment, 'arrive', FLOOD_TEAM, 'flooding'],
    ]);
    expect(first.overdue[0].overdueSeconds).toBeGreaterThanOrEqual(300);
    expect(first.overdue[0].overdueSeconds).toBeLessThan(360);
    expect(first.overdue[1].overdueSeconds).toBeGreaterThanOrEqual(120);
    expect(first.overdue[1].overdueSeconds).toBeLessThan(180);
    expect(Math.abs(Date.parse(first.at) - Date.parse(first.overdue[0].dueAt) - first.overdue[0].overdueSeconds * 1000)).toBeLessThanOrEqual(500);

    await ok('POST', `/api/incidents/${lateToArrive}/arrive`);
    await ok('POST', `/api/incidents/${lateToAcknowledge}/state`, { state: 'resolved' });
    const after = await overdue();
    expect(after.overdue).toEqual([]);
    expect(after.activeIncidents).toBe(3);
    // The default period (the last 7 days) holds today's incidents, not January's.
    expect((await figures('by=kind')).total.incidents).toBe(3);
  });

  it('is for the command room: a field user is refused, nobody logged in is asked to log in', async () => {
    for (const path of [`/api/incidents/figures?${period}`, `/api/incidents/figures.csv?${period}`, '/api/incidents/overdue']) {
      expect((await call('GET', path, 'field')).status, path).toBe(403);
      expect((await call('GET', path, null)).status, path).toBe(401);
      expect((await call('GET', path, 'viewer')).status, path).toBe(200);
    }
  });
});

/** RFC 4180: fields separated by commas, records by CRLF, quoted fields with "" for a quote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += char;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}
