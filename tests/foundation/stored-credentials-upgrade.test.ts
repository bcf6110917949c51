// Cameras an older CityOps stored with credentials in clear in rtsp_url (query parameters before
// migration 0058, user:pass@ before that): the api role moves them into the encrypted columns at start,
// once, audited, and ffmpeg still gets the URL it got before. Real PostgreSQL, real api role.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraStreamUrl } from '../../devices/camera-repository.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startPrivateDatabase } from '../support/private-database.ts';
import { waitFor } from '../support/wait.ts';
import { createLogger } from '../../core/logger.ts';

const SECRET_KEY = randomBytes(32).toString('hex');
const QUERY_PASSWORD = 'Qu3ry S3cret&';
const legacyUrls: Record<string, string> = {
  'cam-dahua': `rtsp://10.1.2.5:554/cam/realmonitor?channel=1&user=admin&password=${encodeURIComponent(QUERY_PASSWORD)}&subtype=0`,
  'cam-token': 'rtsp://10.1.2.6/live?token=t0ken-value-77',
  'cam-userinfo': 'rtsp://admin:us3r-Inf0-pw@10.1.2.7/stream1?pwd=pwd-value-88',
};
const SECRETS = [QUERY_PASSWORD, encodeURIComponent(QUERY_PASSWORD), 't0ken-value-77', 'us3r-Inf0-pw', 'pwd-value-88'];
const PLAIN_URL = 'rtsp://10.1.2.8/Streaming/Channels/101?transportmode=unicast';

let test: TestDatabase;
let api: TestApi | undefined;

beforeAll(async () => {
  test = await createTestDatabase();
  // Written as an older version did: straight into rtsp_url.
  for (const [id, url] of Object.entries(legacyUrls)) await test.db.query(`INSERT INTO cameras (id, name, rtsp_url) VALUES ($1, $1, $2)`, [id, url]);
  await test.db.query(`INSERT INTO cameras (id, name, rtsp_url) VALUES ('cam-plain', 'cam-plain', $1)`, [PLAIN_URL]);
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

const storedCameras = async () => (await test.db.query(`SELECT * FROM cameras ORDER BY id`)).rows;
const movedAudit = async () =>
  (await test.db.query(`SELECT entity_id, username, details FROM audit_log WHERE action = 'camera_credentials_moved' ORDER BY entity_id`)).rows;

describe('credentials left in stored camera URLs', () => {
  it('are moved into the encrypted columns at the api role\'s start; ffmpeg still gets the same URL', async () => {
    api = await startTestApi(test, { SECRET_KEY });
    const stored = await storedCameras();
    expect(stored.map((row) => row.rtsp_url)).toEqual([
      'rtsp://10.1.2.5:554/cam/realmonitor?channel=1&subtype=0',
      PLAIN_URL,
      'rtsp://10.1.2.6/live',
      'rtsp://10.1.2.7/stream1',
    ]);
    const storedText = JSON.stringify(stored);
    for (const secret of SECRETS) expect(storedText).not.toContain(secret);
    expect(stored.find((row) => row.id === 'cam-userinfo')).toMatchObject({ rtsp_username: 'admin', rtsp_query_credential_names: ['pwd'] });

    for (const [id, url] of Object.entries(legacyUrls)) expect(await cameraStreamUrl(test.db, api.secretBox, id)).toBe(url);
    expect(await cameraStreamUrl(test.db, api.secretBox, 'cam-plain')).toBe(PLAIN_URL);

    for (const path of ['/api/cameras', ...Object.keys(legacyUrls).map((id) => `/api/cameras/${id}`)]) {
      const answer = await api.request('GET', path, { role: 'admin' });
      expect(answer.status).toBe(200);
      const text = await answer.text();
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }

    const audit = await movedAudit();
    expect(audit).toEqual([
      { entity_id: 'cam-dahua', username: 'system:devices', details: { queryParameters: ['user', 'password'], userInfo: false } },
      { entity_id: 'cam-token', username: 'system:devices', details: { queryParameters: ['token'], userInfo: false } },
      { entity_id: 'cam-userinfo', username: 'system:devices', details: { queryParameters: ['pwd'], userInfo: true } },
    ]);
  });

  it('are moved as soon as the database answers when the api started while it was away', async () => {
    const database = await startPrivateDatabase('cityops-credentials-outage', createLogger('silent', 'test'));
    let late: TestApi | undefined;
    try {
      await database.db.query(`INSERT INTO cameras (id, name, rtsp_url) VALUES ('cam-late', 'cam-late', $1)`, [legacyUrls['cam-token']]);
      await database.server.stop();
      late = await startTestApi(database.test, { SECRET_KEY }, { skipLogins: true });
      await database.server.start();
      const storedUrl = async () => (await database.db.query(`SELECT rtsp_url FROM cameras WHERE id = 'cam-late'`)).rows[0].rtsp_url as string;
      await waitFor('the credentials moved after the outage', async () => (await storedUrl().catch(() => undefined)) === 'rtsp://10.1.2.6/live', 90_000);
      expect(await cameraStreamUrl(database.db, late.secretBox, 'cam-late')).toBe(legacyUrls['cam-token']);
    } finally {
      await late?.stop();
      await database.remove();
    }
  }, 180_000);

  it('changes nothing at the next start', async () => {
    const before = await storedCameras();
    await api!.stop();
    api = await startTestApi(test, { SECRET_KEY }, { skipLogins: true });
    expect(await storedCameras()).toEqual(before);
    expect(await movedAudit()).toHaveLength(3);
    for (const [id, url] of Object.entries(legacyUrls)) expect(await cameraStreamUrl(test.db, api.secretBox, id)).toBe(url);
  });
});
