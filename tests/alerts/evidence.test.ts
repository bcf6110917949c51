// An alert's evidence at hand (#17 part 4), on real PostgreSQL with a real MP4: listed for whoever may
// see the alert, played by ranges after one audited opening, exported for the police with the SHA-256
// of exactly the bytes sent in the header and in the audit log.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { queryAudit } from '../../core/audit.ts';
import { ownedDirName } from '../support/abandoned-dirs.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { saveRealClip } from '../support/evidence-clip.ts';
import { waitFor } from '../support/wait.ts';
import { addCamera, addDistrict, uniqueId } from './support/fixtures.ts';
import { addTeam, addUser, userId } from './support/people.ts';

let test: TestDatabase;
let api: TestApi;
let clipDir: string;
let cameraId: string;
let alertId: number;
let clip: { filePath: string; bytes: number; durationSeconds: number };
let teamA: number;
let fieldB: { id: number; cookie: string };
let teamB: number;

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  clipDir = ownedDirName('cityops-evidence-');
  mkdirSync(clipDir, { recursive: true });
  const districtId = await addDistrict(test.db);
  cameraId = await addCamera(test.db, districtId);
  const snapshotJpeg = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#456' } }).jpeg().toBuffer();
  // A camera alert asks for its clip (the alert_clips trigger); the clip is then saved as a worker would.
  const raised = await createAlertRaiser({ db: test.db }).raise({
    sourceType: 'camera',
    sourceId: cameraId,
    kind: 'stalled_vehicle',
    zoneId: uniqueId('zone'),
    severity: 'major',
    title: { vi: 'Xe dừng', en: 'Stalled vehicle' },
    evidence: { snapshotJpeg },
  });
  alertId = raised.alertId;
  clip = await saveRealClip(test.db, alertId, clipDir);
  teamA = await addTeam(api, 'Đội A', [await userId(test.db, 'field-user')], districtId);
  fieldB = await addUser(test.db, api, 'field-b-evidence', 'field');
  teamB = await addTeam(api, 'Đội B', [fieldB.id]);
  const assigned = await api.request('POST', `/api/alerts/${alertId}/assign`, { role: 'operator', body: { teamId: teamA } });
  expect(assigned.status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
  if (clipDir) rmSync(clipDir, { recursive: true, force: true });
});

const audits = (action: string) => queryAudit(test.db, { action, entityType: 'alert', entityId: String(alertId) });
const clipPath = (rest: string) => `/api/alerts/${alertId}/clips/${alertId}/${rest}`;

describe('an alert\'s evidence', () => {
  it('lists the snapshot and the clip with time, length and size to the command room and the assigned team', async () => {
    for (const cookie of [api.cookieFor('viewer'), api.cookieFor('field')]) {
      const response = await api.request('GET', `/api/alerts/${alertId}/evidence`, { cookie });
      expect(response.status).toBe(200);
      const evidence = await response.json();
      expect(evidence.snapshots).toEqual([{ url: `/api/alerts/${alertId}/snapshot`, at: expect.any(String), bytes: expect.any(Number), contentType: 'image/jpeg' }]);
      expect(evidence.clips).toEqual([
        { clipId: alertId, cameraId, cameraName: `Camera ${cameraId}`, cameraNameEn: null, state: 'saved', triggerAt: expect.any(String), clipStartAt: expect.any(String), durationSeconds: clip.durationSeconds, bytes: clip.bytes },
      ]);
    }
  });

  it('refuses a visitor without a session (401) and another team (403) on every evidence route', async () => {
    const routes: [string, string][] = [
      ['GET', `/api/alerts/${alertId}/evidence`],
      ['GET', `/api/alerts/${alertId}/snapshot`],
      ['POST', clipPath('view')],
      ['GET', clipPath('video')],
      ['GET', clipPath('download')],
    ];
    for (const [method, path] of routes) {
      expect((await fetch(`${api.baseUrl}${path}`, { method })).status, `${method} ${path} without a session`).toBe(401);
      expect((await api.request(method, path, { cookie: fieldB.cookie })).status, `${method} ${path} by another team`).toBe(403);
    }
  });

  it('plays a clip by ranges after one audited opening, only through the opener\'s own link', async () => {
    const before = (await audits('evidence.view')).length;
    const opened = await api.request('POST', clipPath('view'), { role: 'field' });
    expect(opened.status).toBe(200);
    const { url } = await opened.json();
    const file = readFileSync(clip.filePath);

    const whole = await api.request('GET', url, { role: 'field' });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(file)).toBe(true);

    const part = await api.request('GET', url, { role: 'field', headers: { range: 'bytes=100-1099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${file.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(file.subarray(100, 1100))).toBe(true);
    const tail = await api.request('GET', url, { role: 'field', headers: { range: `bytes=${file.length - 10}-` } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(file.subarray(file.length - 10))).toBe(true);
    expect((await api.request('GET', url, { role: 'field', headers: { range: `bytes=${file.length}-` } })).status).toBe(416);

    // One opening, one audit entry, however many ranges the player asked for.
    const views = await audits('evidence.view');
    expect(views.length).toBe(before + 1);
    expect(views[0]).toMatchObject({ username: 'field-user', details: { alertId, cameraId, clipId: alertId } });

    // The link is the opener's: another user (who may see the alert) must open it themselves; no link, no video.
    expect((await api.request('GET', url, { role: 'operator' })).status).toBe(403);
    expect((await api.request('GET', clipPath('video'), { role: 'field' })).status).toBe(403);
    expect((await api.request('GET', url.replace(/sig=[^&]+/, 'sig=forged'), { role: 'field' })).status).toBe(403);
  });

  it('exports a clip for the police with the SHA-256 of the bytes sent in its header and in the audit log', async () => {
    const response = await api.request('GET', clipPath('download'), { role: 'field' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="cityops-alert-${alertId}-${cameraId}-[0-9TZ-]+\\.mp4"$`));
    const bytes = Buffer.from(await response.arrayBuffer());
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(response.headers.get('x-content-sha256')).toBe(sha256);
    const [exported] = await audits('evidence.export');
    expect(exported).toMatchObject({ username: 'field-user', details: { alertId, cameraId, clipId: alertId, sha256, size: bytes.length } });
  });

  it('lets only field teams and operators export (not viewers or engineers), and says why a clip is not there', async () => {
    expect((await api.request('GET', clipPath('download'), { role: 'viewer' })).status).toBe(403);
    expect((await api.request('GET', clipPath('download'), { role: 'engineer' })).status).toBe(403);
    expect((await api.request('GET', clipPath('download'), { role: 'operator' })).status).toBe(200);
    expect((await api.request('GET', `/api/alerts/${alertId}/clips/${alertId + 1000}/download`, { role: 'operator' })).status).toBe(404);

    await test.db.query(`UPDATE alert_clips SET state = 'pending' WHERE alert_id = $1`, [alertId]);
    try {
      const pending = await api.request('POST', clipPath('view'), { role: 'operator' });
      expect(pending.status).toBe(409);
      expect((await pending.json()).error.code).toBe('clip_pending');
    } finally {
      await test.db.query(`UPDATE alert_clips SET state = 'saved' WHERE alert_id = $1`, [alertId]);
    }
  });
});

describe('the evidence of an incident\'s alerts', () => {
  it('is the field team\'s while the incident is assigned to it, and no longer after', async () => {
    const asTeamB = (method: string, path: string) => api.request(method, path, { cookie: fieldB.cookie });
    // The incident linker gathers the camera alert into an incident of its own.
    const incidentId = await waitFor('the alert\'s incident', async () => (await test.db.query(`SELECT incident_id FROM incident_alerts WHERE alert_id = $1`, [alertId])).rows[0]?.incident_id);
    expect((await asTeamB('GET', `/api/alerts/${alertId}/evidence`)).status).toBe(403);
    expect((await asTeamB('GET', `/api/alerts/${alertId}/snapshot`)).status).toBe(403);

    expect((await api.request('POST', `/api/incidents/${incidentId}/assign`, { role: 'operator', body: { teamId: teamB } })).status).toBe(200);
    expect((await asTeamB('GET', `/api/alerts/${alertId}/evidence`)).status).toBe(200);
    const snapshot = await asTeamB('GET', `/api/alerts/${alertId}/snapshot`);
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers.get('content-type')).toBe('image/jpeg');
    expect((await asTeamB('POST', clipPath('view'))).status).toBe(200);
    expect((await asTeamB('GET', clipPath('download'))).status).toBe(200);
    // The alert itself stays the other team's: its desk routes still refuse team B.
    expect((await asTeamB('GET', `/api/alerts/${alertId}`)).status).toBe(403);
    expect((await asTeamB('GET', `/api/alerts/${alertId}/cap`)).status).toBe(403);

    expect((await api.request('POST', `/api/incidents/${incidentId}/assign`, { role: 'operator', body: { teamId: teamA, replace: true } })).status).toBe(200);
    expect((await asTeamB('GET', `/api/alerts/${alertId}/evidence`)).status).toBe(403);
    expect((await asTeamB('GET', `/api/alerts/${alertId}/snapshot`)).status).toBe(403);
    expect((await asTeamB('POST', clipPath('view'))).status).toBe(403);
  });
});

describe('a private camera\'s evidence', () => {
  it('shows its owner who watched and who exported its clips', async () => {
    const created = await api.request('POST', '/api/camera-owners', { role: 'engineer', body: { name: 'Tiệm tạp hóa Cô Ba', kind: 'shop', contact: '+84 90 123 4567' } });
    expect(created.status).toBe(201);
    const { owner, link } = await created.json();
    const consent = { ownerId: owner.id, sharesLive: true, sharesAnalysis: true, sharesClips: true, hours: null, clipRetentionDays: 7, givenAt: new Date(Date.now() - 3_600_000).toISOString() };
    expect((await api.request('PUT', `/api/cameras/${cameraId}/consent`, { role: 'engineer', body: consent })).status).toBe(200);

    expect((await api.request('POST', clipPath('view'), { role: 'viewer' })).status).toBe(200);
    expect((await api.request('GET', clipPath('download'), { role: 'operator' })).status).toBe(200);
    const page = await (await fetch(`${api.baseUrl}/api/camera-owner/${link.path.split('/').pop()}`)).json();
    const clipViews = page.views.filter((view: { kind: string; at: string }) => view.kind === 'clip' && Date.parse(view.at) >= Date.parse(consent.givenAt));
    expect(clipViews.slice(0, 2)).toEqual([
      expect.objectContaining({ cameraId, kind: 'clip', viewer: 'operator-user' }),
      expect.objectContaining({ cameraId, kind: 'clip', viewer: 'viewer-user' }),
    ]);
  });
});
