// Alert actions resent by a phone that never got the answer (the field outbox): the same
// Idempotency-Key gives the first answer back, and the change, its note, photo and audit row exist once.
import { createHash, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createSession } from '../../core/auth/sessions.ts';
import { housekeeping } from '../../core/database/housekeeping.ts';
import { createLogger } from '../../core/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { addCamera, addDistrict } from './support/fixtures.ts';
import { addTeam, userId } from './support/people.ts';

let test: TestDatabase;
let api: TestApi;
let raiser: ReturnType<typeof createAlertRaiser>;
let cameraId: string;
let teamId: number;

const assignedAlert = async () => {
  const { alertId } = await raiser.raise({
    sourceType: 'camera',
    sourceId: cameraId,
    kind: 'stalled_vehicle',
    zoneId: `zone-${Math.random()}`,
    severity: 'major',
    title: { vi: 'Xe dừng trên cầu', en: 'Vehicle stopped on the bridge' },
  });
  expect((await api.request('POST', `/api/alerts/${alertId}/assign`, { role: 'operator', body: { teamId } })).status).toBe(200);
  return alertId;
};
const post = (path: string, key: string, body: unknown = {}) => api.request('POST', path, { role: 'field', body, headers: { 'idempotency-key': key } });
const count = async (sql: string, alertId: number) => Number((await test.db.query(sql, [alertId])).rows[0].count);
const key = () => `k-${Math.random().toString(36).slice(2)}-${Date.now()}`;

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  raiser = createAlertRaiser({ db: test.db });
  const districtId = await addDistrict(test.db);
  cameraId = await addCamera(test.db, districtId);
  teamId = await addTeam(api, 'Đội cứu hộ A', [await userId(test.db, 'field-user')], districtId);
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('idempotent alert actions', () => {
  it('applies a resent resolve once and answers the resend with the first event', async () => {
    const id = await assignedAlert();
    const resolveKey = key();
    const first = await post(`/api/alerts/${id}/resolve`, resolveKey, { note: 'Đã kéo xe đi' });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await post(`/api/alerts/${id}/resolve`, resolveKey, { note: 'Đã kéo xe đi' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await again.json()).event).toEqual((await first.json()).event);
    // Without the key the same action is a new one, refused by the lifecycle.
    expect((await api.request('POST', `/api/alerts/${id}/resolve`, { role: 'field', body: {} })).status).toBe(409);

    expect(await count(`SELECT count(*) FROM alert_events WHERE alert_id = $1 AND type = 'resolved'`, id)).toBe(1);
    expect(await count(`SELECT count(*) FROM alert_notes WHERE alert_id = $1`, id)).toBe(1);
    const audit = (await test.db.query(`SELECT action, details FROM audit_log WHERE entity_type = 'alert' AND entity_id = $1 AND action = 'resolve'`, [String(id)])).rows;
    expect(audit).toHaveLength(1);
    expect(audit[0].details.idempotencyKey).toBe(resolveKey);
  });

  it('stores a photo sent twice with the same key once, and two concurrent copies of a note once', async () => {
    const id = await assignedAlert();
    const jpeg = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#0a0' } }).jpeg().toBuffer();
    const photoKey = key();
    const upload = () => {
      const form = new FormData();
      form.append('photo', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'scene.jpg');
      return fetch(`${api.baseUrl}/api/alerts/${id}/photos`, { method: 'POST', headers: { cookie: api.cookieFor('field'), 'idempotency-key': photoKey }, body: form });
    };
    expect((await upload()).status).toBe(200);
    expect((await upload()).status).toBe(200);
    expect(await count(`SELECT count(*) FROM alert_media WHERE alert_id = $1 AND kind = 'photo'`, id)).toBe(1);

    const noteKey = key();
    const answers = await Promise.all([1, 2, 3].map(() => post(`/api/alerts/${id}/notes`, noteKey, { note: 'Đã đến nơi' })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true')).toHaveLength(2);
    expect(await count(`SELECT count(*) FROM alert_notes WHERE alert_id = $1`, id)).toBe(1);
    expect(await count(`SELECT count(*) FROM audit_log WHERE entity_type = 'alert' AND entity_id = $1::text AND action IN ('note', 'photo')`, id)).toBe(2);
  });

  it('refuses a key reused for another action or alert, and a malformed key', async () => {
    const id = await assignedAlert();
    const other = await assignedAlert();
    const reused = key();
    expect((await post(`/api/alerts/${id}/notes`, reused, { note: 'một' })).status).toBe(200);
    const otherAction = await post(`/api/alerts/${id}/acknowledge`, reused);
    expect(otherAction.status).toBe(422);
    expect((await otherAction.json()).error.code).toBe('idempotency_key_reused');
    expect((await post(`/api/alerts/${other}/notes`, reused, { note: 'một' })).status).toBe(422);
    expect((await post(`/api/alerts/${id}/notes`, 'bad key!', { note: 'hai' })).status).toBe(400);
    // A key is the user's own: the operator's request with the field user's key is a separate action.
    const operator = await api.request('POST', `/api/alerts/${id}/notes`, { role: 'operator', body: { note: 'ba' }, headers: { 'idempotency-key': reused } });
    expect(operator.status).toBe(200);
    expect(operator.headers.get('idempotent-replayed')).toBeNull();
  });

  it('forgets keys past their week of retention, and idle sessions, in the hourly housekeeping', async () => {
    const id = await assignedAlert();
    const [oldKey, recentKey] = [key(), key()];
    expect((await post(`/api/alerts/${id}/notes`, oldKey, { note: 'cũ' })).status).toBe(200);
    expect((await post(`/api/alerts/${id}/notes`, recentKey, { note: 'mới' })).status).toBe(200);
    await test.db.query(`UPDATE idempotent_requests SET at = now() - interval '8 days' WHERE idempotency_key = $1`, [oldKey]);
    const fieldUser = await userId(test.db, 'field-user');
    const idleToken = await createSession(test.db, fieldUser, '127.0.0.1');
    await test.db.query(`UPDATE sessions SET last_seen_at = now() - interval '2 hours' WHERE token_hash = $1`, [createHash('sha256').update(idleToken).digest()]);

    const deleted = await housekeeping(test.db, 30, createLogger('silent')).runOnce();
    expect(deleted).toEqual({ sessions: 1, actionRequests: 1, alertDeliveries: 0 });
    const keys = (await test.db.query(`SELECT idempotency_key FROM idempotent_requests WHERE request LIKE $1`, [`POST /api/alerts/${id}/%`])).rows.map((row) => row.idempotency_key);
    expect(keys).toEqual([recentKey]);
    // The forgotten key is a new action now; the recent one still replays; the api's own session lives on.
    expect((await post(`/api/alerts/${id}/notes`, oldKey, { note: 'cũ' })).headers.get('idempotent-replayed')).toBeNull();
    expect((await post(`/api/alerts/${id}/notes`, recentKey, { note: 'mới' })).headers.get('idempotent-replayed')).toBe('true');
  });

  it('forgets delivery ids of outbox raises past their week in the housekeeping; a resend within it still raises nothing', async () => {
    const raise = (zoneId: string, deliveryId: string) =>
      raiser.raise({ sourceType: 'camera', sourceId: cameraId, kind: 'camera_tamper', zoneId, severity: 'minor', title: { vi: 'Che camera', en: 'Camera covered' } }, { deliveryId });
    const [oldDelivery, recentDelivery] = [randomUUID(), randomUUID()];
    await raise('zone-delivery-old', oldDelivery);
    const recent = await raise('zone-delivery-recent', recentDelivery);
    await test.db.query(`UPDATE alert_deliveries SET at = now() - interval '8 days' WHERE id = $1`, [oldDelivery]);
    await test.db.query(`UPDATE alert_deliveries SET at = now() - interval '6 days' WHERE id = $1`, [recentDelivery]);

    const deleted = await housekeeping(test.db, 30, createLogger('silent')).runOnce();
    expect(deleted).toMatchObject({ alertDeliveries: 1 });
    const kept = (await test.db.query(`SELECT id FROM alert_deliveries WHERE id = ANY($1::uuid[])`, [[oldDelivery, recentDelivery]])).rows.map((row) => row.id);
    expect(kept).toEqual([recentDelivery]);

    // The outbox sends the recent raise again (a crash after its commit): the first answer, no new occurrence.
    const resent = await raise('zone-delivery-recent', recentDelivery);
    expect(resent).toMatchObject({ alertId: recent.alertId, created: false, occurrences: 1 });
    const occurrences = await test.db.query(`SELECT occurrences FROM alerts WHERE id = $1`, [recent.alertId]);
    expect(occurrences.rows[0].occurrences).toBe(1);
  });
});
