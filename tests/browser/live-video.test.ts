// Live camera video in Debian's Chromium, end to end: the camera simulator plays a shared video over
// RTSP, the real camera-ingest role pulls it (ffmpeg → node-media-server → signed HTTP-FLV), the real
// api role issues the signed URL, and the dashboard plays it with mpegts.js in MSE (H.264). Then the
// camera stops sending: the tile must say so in words, and Retry must bring the picture back.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import type { Component } from '../../core/lifecycle.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { createRole } from '../../apps/roles/camera-ingest.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { registerCamera, removeTemporaryDirs, roleContext, startSimulator, waitFor, workerConfig } from '../cameras/support.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { addSessionCookie, ensureDashboardBuilt, launchChromium, SCREENSHOT_DIR, newTestContext } from './harness.ts';

const CAMERA = 'cam-live';
/** Sends H.265, which FLV cannot carry: frames for analytics, but no live view. */
const HEVC_CAMERA = 'cam-hevc';

let test: TestDatabase;
let api: TestApi;
let simulator: CameraSimulator;
let cameraIngest: Component;
let browser: Browser;
let context: BrowserContext;
let alertId: number;

async function shot(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

/** The alert's or device's own tile, not the tiles of the cameras near the place (they have their own test). */
const ONLY_TILE = '[data-testid=live-video]:not([data-testid=place-camera] [data-testid=live-video])';
/** The wall shows a tile per camera: the one of the H.264 camera. */
const WALL_TILE = `.wall-tile:has-text("${CAMERA}") [data-testid=live-video]`;

/** What the <video> in the live tile is doing now. */
function videoState(page: Page, tile = ONLY_TILE) {
  return page.locator(tile).evaluate((tile) => {
    const video = tile.querySelector('video')!;
    return {
      state: tile.getAttribute('data-state'),
      text: (tile.querySelector('.video-message') as HTMLElement | null)?.innerText ?? '',
      currentTime: video.currentTime,
      videoWidth: video.videoWidth,
      videoHeight: video.videoHeight,
    };
  });
}

/** Waits for the tile to reach `states`; on a timeout, a screenshot and the tile's last state. */
async function waitForTile(page: Page, states: string[], screenshot: string, timeoutMs: number, tile = ONLY_TILE) {
  let last: Awaited<ReturnType<typeof videoState>> | undefined;
  try {
    return await waitFor(`live tile in ${states.join('/')}`, async () => {
      last = await videoState(page, tile);
      return states.includes(last.state ?? '') ? last : undefined;
    }, timeoutMs, 250);
  } catch (error) {
    await shot(page, `failure-${screenshot}`);
    throw new Error(`${(error as Error).message}; last seen ${JSON.stringify(last)}`);
  }
}

/** Playing for real: the picture has a size and the playback clock moves on. */
async function expectPicturePlaying(page: Page, tile = ONLY_TILE, timeoutMs = 90_000) {
  const first = await waitForTile(page, ['playing'], 'live-video-playing', timeoutMs, tile);
  expect(first.videoWidth).toBeGreaterThan(0);
  expect(first.videoHeight).toBeGreaterThan(0);
  await waitFor('currentTime to advance by a second', async () => (await videoState(page, tile)).currentTime > first.currentTime + 1, 30_000, 250);
}

/** The alert's detail beside the list, on its live video tab. */
async function openLiveVideoTab(page: Page) {
  const failedRequests: string[] = [];
  page.on('response', (response) => failedRequests.push(`${response.status()} ${response.url()}`));
  page.on('requestfailed', (request) => failedRequests.push(`FAILED ${request.failure()?.errorText} ${request.url()}`));
  page.on('console', (message) => failedRequests.push(`console ${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => failedRequests.push(`pageerror ${error.message}`));
  await page.goto(`${api.baseUrl}/alerts/${alertId}`);
  await page.click('[data-testid=tab-video]', { timeout: 30_000 }).catch(async (error) => {
    await shot(page, 'failure-live-video-tab');
    throw new Error(`${(error as Error).message}\npage log:\n${failedRequests.filter((line) => !line.includes('/assets/')).join('\n')}`);
  });
}

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startTestApi(test);
  simulator = await startSimulator([
    { id: CAMERA, scene: 'traffic' },
    { id: HEVC_CAMERA, scene: 'people', codec: 'h265' },
  ]);
  for (const id of [CAMERA, HEVC_CAMERA]) await registerCamera(test, api.secretBox, { id, rtspUrl: simulator.url(id) });
  // The real role entry (the worker behind the slot hook); a stall is noticed after 4 s.
  const config = workerConfig(test, { SECRET_KEY: api.config.SECRET_KEY!, CAMERA_STALL_SECONDS: '4' });
  cameraIngest = await createRole(roleContext(test, config));
  await cameraIngest.start();
  await waitFor('the camera online with live view', async () => {
    const result = await test.db.query(`SELECT state, live_view FROM camera_status WHERE camera_id = $1`, [CAMERA]);
    return result.rows[0]?.state === 'online' && result.rows[0]?.live_view === true;
  }, 90_000, 250);
  await waitFor('the H.265 camera online', async () => {
    const result = await test.db.query(`SELECT state, codec FROM camera_status WHERE camera_id = $1`, [HEVC_CAMERA]);
    return result.rows[0]?.state === 'online' && result.rows[0]?.codec === 'hevc';
  }, 90_000, 250);
  const raiser = createAlertRaiser({ db: test.db, live: createLivePublisher(test.db) });
  alertId = (await raiser.raise({ sourceType: 'camera', sourceId: CAMERA, kind: 'crowd', severity: 'major', title: { vi: 'Đám đông', en: 'Crowd' } })).alertId;
  browser = await launchChromium();
  context = await newTestContext(browser, { viewport: { width: 1600, height: 900 } });
  await context.addInitScript(() => localStorage.setItem('cityops.language', 'en'));
  // One operator session for the whole context (its cookie serves every page): the API's, not the login
  // form's, which would land on the map for nothing (the form is tested in dashboard and admin).
  await addSessionCookie(context, api.baseUrl, api.cookieFor('operator'));
}, 240_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
  await cameraIngest?.stop();
  await simulator?.stop();
  await api?.stop();
  await test?.drop();
  removeTemporaryDirs();
});

describe('live camera video in the browser', () => {
  it('plays the camera in the alert detail (H.264 over signed HTTP-FLV in MSE) and audits the viewing', async () => {
    const page = await context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    await openLiveVideoTab(page);
    try {
      await expectPicturePlaying(page);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nbrowser console:\n${consoleLines.slice(-30).join('\n')}`);
    }
    await shot(page, 'live-video-playing');

    const operator = await test.db.query(`SELECT id FROM users WHERE username = 'operator-user'`);
    const audit = await waitFor('the viewing in the audit log', async () => {
      const result = await test.db.query(`SELECT action, user_id, username FROM audit_log WHERE entity_type = 'camera' AND entity_id = $1 ORDER BY id`, [CAMERA]);
      return result.rows.some((row) => row.action === 'live_view_started') ? result.rows : undefined;
    }, 15_000);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'live_url_issued', user_id: operator.rows[0].id, username: 'operator-user' }),
        expect.objectContaining({ action: 'live_view_started', user_id: operator.rows[0].id, username: 'operator-user' }),
      ]),
    );
    await page.close();
  }, 180_000);

  it('says in words when the camera stops sending, and Retry plays it again once it resumes', async () => {
    const page = await context.newPage();
    await openLiveVideoTab(page);
    await expectPicturePlaying(page);

    // The camera keeps its RTSP session but sends nothing: the relay keeps the viewer connected and
    // silent, so only the player's watchdog can tell (the picture must not just freeze).
    await simulator.fault(CAMERA, 'stop');
    const stalled = await waitForTile(page, ['failed'], 'live-video-stopped', 90_000);
    expect(await page.locator(ONLY_TILE).getAttribute('data-reason')).toBe('video.stalled');
    expect(stalled.text).toContain('The camera stopped sending video');
    expect(await page.locator(`${ONLY_TILE} .video-message`).isVisible()).toBe(true);
    await shot(page, 'live-video-stopped');

    // Retry while the camera is still down: the api says why instead of opening a silent stream.
    await waitFor('the camera offline', async () => {
      const result = await test.db.query(`SELECT state FROM camera_status WHERE camera_id = $1`, [CAMERA]);
      return result.rows[0]?.state === 'offline';
    }, 90_000, 250);
    await page.click(`${ONLY_TILE} [data-testid=live-video-retry]`);
    const refused = await waitForTile(page, ['unavailable'], 'live-video-offline', 60_000);
    expect(await page.locator(ONLY_TILE).getAttribute('data-reason')).toBe('video.noPicture');
    expect(refused.text).toContain('The camera sends no picture');
    await shot(page, 'live-video-offline');

    await simulator.fault(CAMERA, 'resume');
    await waitFor('the camera online again', async () => {
      const result = await test.db.query(`SELECT state FROM camera_status WHERE camera_id = $1`, [CAMERA]);
      return result.rows[0]?.state === 'online';
    }, 90_000, 250);
    await page.click(`${ONLY_TILE} [data-testid=live-video-retry]`);
    await expectPicturePlaying(page);
    await shot(page, 'live-video-recovered');
    await page.close();
  }, 300_000);

  it('goes on playing when the camera connection drops and camera-ingest re-opens it', async () => {
    const page = await context.newPage();
    await openLiveVideoTab(page);
    await expectPicturePlaying(page);
    const restartsBefore = (await test.db.query(`SELECT restarts FROM camera_status WHERE camera_id = $1`, [CAMERA])).rows[0].restarts;
    await simulator.fault(CAMERA, 'disconnect');
    await waitFor('camera-ingest to reconnect', async () => {
      const result = await test.db.query(`SELECT restarts, state FROM camera_status WHERE camera_id = $1`, [CAMERA]);
      return result.rows[0].restarts > restartsBefore && result.rows[0].state === 'online';
    }, 90_000, 250);
    // node-media-server resumes the same publish within its grace window, so the open stream goes on
    // (measured: the tile never left "playing"). A reconnect slower than the stall watchdog (10 s, a
    // very busy machine) is reported as a stopped camera instead: Retry then, as an operator would.
    if ((await videoState(page)).state === 'failed') await page.click(`${ONLY_TILE} [data-testid=live-video-retry]`);
    await expectPicturePlaying(page);
    await page.close();
  }, 300_000);

  it('tells why an H.265 camera has no live video, in the camera detail', async () => {
    const page = await context.newPage();
    await page.goto(`${api.baseUrl}/?device=camera:${HEVC_CAMERA}`);
    const refused = await waitForTile(page, ['unavailable'], 'live-video-hevc', 60_000);
    expect(await page.locator(ONLY_TILE).getAttribute('data-reason')).toBe('video.codecUnsupported');
    expect(refused.text).toContain('The camera sends H.265: set it to H.264 for live view');
    // Retrying cannot help until the camera is reconfigured: no button to press in vain.
    expect(await page.locator(`${ONLY_TILE} [data-testid=live-video-retry]`).count()).toBe(0);
    await shot(page, 'live-video-hevc');
    await page.close();
  }, 120_000);

  it('keeps a wall tile honest by itself: says the camera stopped, then plays again when it is back', async () => {
    const wall = await newTestContext(browser, { viewport: { width: 1920, height: 1080 } });
    try {
      await wall.addInitScript(() => localStorage.setItem('cityops.language', 'vi'));
      const page = await wall.newPage();
      await addSessionCookie(wall, api.baseUrl, api.cookieFor('viewer'));
      await page.goto(`${api.baseUrl}/wall`);
      await page.waitForSelector(WALL_TILE, { timeout: 60_000 }).catch(async (error) => {
        await shot(page, 'failure-live-video-wall');
        throw error;
      });
      await expectPicturePlaying(page, WALL_TILE);
      await shot(page, 'live-video-wall-vi');

      await simulator.fault(CAMERA, 'stop');
      const stalled = await waitForTile(page, ['failed', 'unavailable'], 'live-video-wall-stopped', 90_000, WALL_TILE);
      expect(stalled.text).toMatch(/Camera đã ngừng gửi hình|Camera không gửi hình/);
      await shot(page, 'live-video-wall-stopped-vi');

      // Nobody clicks on a wall: the tile tries again by itself and plays once the camera is back
      // (after 20 s, then 40 s, … while it stays down: up to three tries fit in this wait).
      await simulator.fault(CAMERA, 'resume');
      await expectPicturePlaying(page, WALL_TILE, 180_000);
    } finally {
      await wall.close();
    }
  }, 300_000);
});
