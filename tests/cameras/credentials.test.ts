// Camera credentials against the real process table: cameras that ask for a password (in the RTSP
// handshake, or in the URL's query) stream through a real camera-ingest worker, and the password is
// in no process's command line, no log line and no API response.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { CameraIngestWorker } from '../../ingest/camera/worker.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ffmpegProcesses, removeTemporaryDirs, roleContext, startSimulator, waitFor, workerConfig } from './support.ts';

// Unique per run: a match in `ps` can only come from this test.
const BASIC_PASSWORD = `basic-${randomBytes(6).toString('hex')}`;
const QUERY_PASSWORD = `query-${randomBytes(6).toString('hex')}`;
const WRONG_PASSWORD = `wrong-${randomBytes(6).toString('hex')}`;
const SECRETS = [BASIC_PASSWORD, QUERY_PASSWORD, WRONG_PASSWORD];

let test: TestDatabase;
let api: TestApi;
let simulator: CameraSimulator;
let worker: CameraIngestWorker;
const logLines: string[] = [];

async function register(id: string, rtspUrl: string): Promise<string> {
  const response = await api.request('POST', '/api/cameras', { role: 'engineer', body: { id, name: id, rtspUrl, detectFps: 2 } });
  expect(response.status).toBe(201);
  return response.text();
}

const stateOf = async (id: string) => (await test.db.query('SELECT state, reason, message FROM camera_status WHERE camera_id = $1', [id])).rows[0];

beforeAll(async () => {
  test = await createTestDatabase();
  const logs = new PassThrough();
  logs.on('data', (chunk) => logLines.push(chunk.toString()));
  api = await startTestApi(test, { LOG_LEVEL: 'trace' }, { logDestination: logs });
  simulator = await startSimulator([
    { id: 'cam-basic', scene: 'traffic', credentials: { username: 'admin', password: BASIC_PASSWORD } },
    { id: 'cam-query', scene: 'traffic', credentials: { username: 'viewer', password: QUERY_PASSWORD, in: 'query' } },
  ]);
  const config = workerConfig(test, { SECRET_KEY: api.config.SECRET_KEY!, CAMERA_STALL_SECONDS: '4', LOG_LEVEL: 'debug' });
  worker = new CameraIngestWorker({ ...roleContext(test, config), logger: createLogger('debug', 'cityops', logs) });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await simulator?.stop();
  await api?.stop();
  await test?.drop();
  removeTemporaryDirs();
});

describe('camera credentials', () => {
  it('registers cameras with a password in the URL or in its query, and never returns it', async () => {
    const responses = [
      await register('cam-basic', simulator.url('cam-basic').replace('rtsp://', `rtsp://admin:${BASIC_PASSWORD}@`)),
      await register('cam-query', `${simulator.url('cam-query')}?user=viewer&password=${QUERY_PASSWORD}&channel=1`),
      await register('cam-query-wrong', `${simulator.url('cam-query')}?user=viewer&password=${WRONG_PASSWORD}`),
    ];
    expect(JSON.parse(responses[1]).camera).toMatchObject({ rtspUrl: `${simulator.url('cam-query')}?channel=1`, queryCredentialNames: ['user', 'password'] });
    const listed = await (await api.request('GET', '/api/cameras', { role: 'viewer' })).text();
    for (const text of [...responses, listed]) for (const secret of SECRETS) expect(text).not.toContain(secret);
  });

  it('streams them with no password in any process command line', async () => {
    await worker.start();
    await waitFor('both cameras online', async () => (await stateOf('cam-basic'))?.state === 'online' && (await stateOf('cam-query'))?.state === 'online', 60_000);
    // The whole process table, every user's, holds no password (ps reads /proc/*/cmdline)…
    const table = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    for (const secret of SECRETS) expect(table).not.toContain(secret);
    // …yet the ingest processes are there (the refused camera's has exited), named by the camera
    // URL without its credentials.
    const ingest = ffmpegProcesses(`:${simulator.port}/cam-`);
    expect(ingest.map((row) => row.args.match(/cityops_camera=(\S+)/)?.[1]).sort()).toEqual([
      simulator.url('cam-basic'),
      `${simulator.url('cam-query')}?user=***&password=***&channel=1`,
    ]);
  });

  it('tells a refused query password apart without repeating it anywhere', async () => {
    await waitFor('the wrong password refused', async () => (await stateOf('cam-query-wrong'))?.reason === 'auth_failed', 30_000);
    const statuses = await (await api.request('GET', '/api/cameras/status', { role: 'viewer' })).text();
    const camera = await (await api.request('GET', '/api/cameras/cam-query', { role: 'viewer' })).text();
    for (const text of [statuses, camera, logLines.join('')]) for (const secret of SECRETS) expect(text).not.toContain(secret);
    // The log did record the failure, with what ffmpeg said (redacted).
    expect(logLines.join('')).toContain('password=***');
    expect(logLines.join('')).toMatch(/cam-query-wrong[^\n]*auth_failed|auth_failed[^\n]*cam-query-wrong/);
  });
});
