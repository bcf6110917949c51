// The alert view has one TypeScript definition (the zod schema in contract/socket-schemas.ts, tied to the
// AlertView type by `satisfies`) and is built by PostgreSQL (the SQL function alert_view, migration 0012). This
// checks, on real PostgreSQL, that every view it builds, stored on an alert or carried by an event,
// is exactly the schema: no key missing, none extra, every value of the declared type.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser, manualTrigger, raiseManualAlert } from '../../core/alerts/raise.ts';
import { alertViewSchema } from '../../contract/socket-schemas.ts';
import { createUser } from '../../core/auth/users.ts';
import { addTeamMember, insertTeam } from '../../dashboard/server/alerts/teams.ts';
import { actOnAlert } from '../../dashboard/server/alerts/lifecycle.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { addCamera, addDistrict, addSensor } from './support/fixtures.ts';

let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test?.drop();
});

/** Alerts in every shape the view takes: each nullable field both null and set. */
async function alertsOfEveryShape(): Promise<void> {
  const db = test.db;
  const raiser = createAlertRaiser({ db });
  const districtId = await addDistrict(test.db);
  const cameraId = await addCamera(db, districtId);
  const sensorId = await addSensor(db, null);
  const operator = await createUser(db, { username: `view-operator-${Date.now()}`, password: 'correct horse battery staple', role: 'operator' });
  const field = await createUser(db, { username: `view-field-${Date.now()}`, password: 'correct horse battery staple', role: 'field' });
  const team = await insertTeam(db, { name: `View team ${Date.now()}`, districtId });
  await addTeamMember(db, team.id, field.id);
  const asOperator = { id: operator.id, role: operator.role };
  const act = (alertId: number, action: 'acknowledge' | 'assign' | 'resolve' | 'close', user = asOperator) =>
    actOnAlert({ db, noteMaxChars: 500 }, { alertId, action, user, actor: { userId: user.id, username: 'view-test' }, teamId: team.id });

  // A camera alert with a snapshot, taken through the whole lifecycle (every timestamp set).
  const snapshotJpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  const walked = await raiser.raise({
    sourceType: 'camera',
    sourceId: cameraId,
    kind: 'stalled_vehicle',
    zoneId: 'lane-2',
    severity: 'major',
    title: { vi: 'Xe dừng', en: 'Stalled vehicle' },
    description: { vi: 'Làn phải', en: 'Right lane' },
    evidence: { snapshotJpeg, data: { seconds: 90 } },
  });
  await raiser.clear({ sourceType: 'camera', sourceId: cameraId, kind: 'stalled_vehicle', zoneId: 'lane-2' }, { vi: 'Xe đã đi', en: 'Vehicle left' });
  await act(walked.alertId, 'assign');
  await act(walked.alertId, 'acknowledge', { id: field.id, role: field.role });
  await act(walked.alertId, 'resolve');
  await act(walked.alertId, 'close');

  // A sensor alert without district, auto-cleared without a reason.
  await raiser.raise({ sourceType: 'sensor', sourceId: sensorId, kind: 'sensor_level', severity: 'minor', title: { vi: 'Mực nước', en: 'Water level' } });
  await raiser.clear({ sourceType: 'sensor', sourceId: sensorId, kind: 'sensor_level' });

  // A manual alert: no device, no location.
  await raiseManualAlert({ db }, manualTrigger({ kind: 'manual', severity: 'info', title: { vi: 'Báo cáo', en: 'Report' } }), { userId: operator.id, username: 'view-test' }, operator.id);
}

describe('the alert view built by PostgreSQL', () => {
  it('is exactly the zod schema of contract/socket-schemas.ts, on alerts and on the events that carry it', async () => {
    await alertsOfEveryShape();
    const views = [
      ...(await test.db.query(`SELECT alert_view(a) AS view FROM alerts a ORDER BY a.id`)).rows.map((row) => row.view),
      ...(await test.db.query(`SELECT alert AS view FROM alert_events ORDER BY position`)).rows.map((row) => row.view),
    ] as Record<string, unknown>[];
    expect(views.length).toBeGreaterThan(3);

    for (const view of views) {
      // parse fails on a missing key or a wrong type; it drops keys the schema does not know (at any
      // depth), so comparing the result with the input catches an extra key.
      expect(alertViewSchema.parse(view)).toStrictEqual(view);
      // Times as JavaScript's Date.toISOString() writes them (cityops_iso), which clients rely on.
      const times = [...Object.entries(view).filter(([key]) => key.endsWith('At')).map(([, value]) => value), (view.autoCleared as { at?: string } | null)?.at];
      for (const time of times.filter((value) => value != null)) expect(new Date(time as string).toISOString()).toBe(time);
    }

    // Every key is always there (none optional: PostgreSQL writes null), and every nullable one was
    // seen set (so its type was checked) and null.
    for (const key of Object.keys(alertViewSchema.shape) as (keyof typeof alertViewSchema.shape)[]) {
      expect(alertViewSchema.shape[key].safeParse(undefined).success, `${key} optional`).toBe(false);
      if (!alertViewSchema.shape[key].safeParse(null).success) continue;
      expect(views.some((view) => view[key] === null), `${key} null`).toBe(true);
      expect(views.some((view) => view[key] !== null), `${key} set`).toBe(true);
    }
    const reasons = views.map((view) => (view.autoCleared as { reason: unknown } | null)?.reason).filter((reason) => reason !== undefined);
    expect(reasons).toContainEqual(null);
    expect(reasons).toContainEqual({ vi: 'Xe đã đi', en: 'Vehicle left' });
    expect(views.some((view) => view.hasSnapshot === true) && views.some((view) => view.hasSnapshot === false)).toBe(true);
  });
});
