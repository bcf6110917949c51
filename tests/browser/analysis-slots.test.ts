// The analysis slots view in Debian's Chromium against the real api role and the real slot scheduler
// (SlotLeader) on PostgreSQL: an operator pins a camera and sees it analysed as pinned; a viewer watching
// the same view sees the change live (slots:changed) and has no pin buttons. Screenshots in both languages.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotLeader } from '../../analytics/slots/leader.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { createLogger } from '../../core/logger.ts';
import type { TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, SCREENSHOT_DIR, startDashboardServer } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let leader: SlotLeader;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** Signed in with the API's session for `role` on the account page, a light one: the login form lands on
 *  the map, slow in software WebGL, and is tested in dashboard and admin. The tests go on by the menu. */
async function signedIn(role: 'viewer' | 'operator', language: 'vi' | 'en'): Promise<Page> {
  const page = await openSignedIn(browser, api, role, '/account', { language });
  contexts.push(page.context());
  return page;
}

async function shot(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

/** What camera-ingest reports for a camera whose stream is up: only watchable cameras get a slot
 *  (the leader below counts a frame as recent for 10 minutes, longer than this test). */
async function markStreamsOnline(db: TestDatabase['db']) {
  await db.query(
    `INSERT INTO camera_activity (camera_id, motion_score, motion_peak, frames, stream_online, last_frame_at, reported_by)
     SELECT id, 0, 0, 10, true, now(), 'browser-test' FROM cameras WHERE enabled
     ON CONFLICT (camera_id) DO UPDATE SET stream_online = true, last_frame_at = EXCLUDED.last_frame_at`,
  );
}

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  await markStreamsOnline(test.db);
  leader = new SlotLeader({
    db: test.db,
    logger: createLogger('silent'),
    live: createLivePublisher(test.db),
    id: 'browser-test-leader',
    settings: {
      slotCount: 2,
      intervalMs: 1000,
      leaseMs: 5000,
      scheduler: { minHoldMs: 60_000, roundRobinPeriodMs: 30 * 60_000, motionEnterScore: 3, motionExitScore: 2 },
      signals: { sensorRadiusM: 1000, sensorMinLevel: 2, recentEventMs: 10 * 60_000, streamStaleMs: 10 * 60_000, timeZone: 'Asia/Ho_Chi_Minh' },
    },
  });
  await leader.start();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await leader?.stop();
  await api?.stop();
  await test?.drop();
});

describe('analysis slots view', () => {
  it('lets an operator pin a camera, shown as pinned to everyone live, with buttons for operators only', async () => {
    for (const language of ['vi', 'en'] as const) {
      await test.db.query('DELETE FROM analysis_pins');
      const viewer = await signedIn('viewer', language);
      await viewer.click('[data-testid=nav-analysis]');
      await viewer.waitForSelector('[data-testid=slot-row]', { timeout: 45_000 }).catch(async (error) => {
        await shot(viewer, `failure-analysis-slots-${language}`);
        throw error;
      });
      expect(await viewer.locator('[data-testid=slot-count]').textContent()).toMatch(/^2 \/ 2/);

      const operator = await signedIn('operator', language);
      await operator.click('[data-testid=nav-analysis]');
      await operator.waitForSelector('[data-testid=slot-row]', { timeout: 45_000 });
      // A camera the scheduler is not analysing now: pinning it must take a slot from a round-robin one.
      const target = await operator.locator('[data-testid=slot-camera-row][data-analysed=false]').first().getAttribute('data-camera-id');
      expect(target).toBeTruthy();
      await operator.click(`[data-testid=pin-${target}]`);
      // Pinning asks for an optional note first (admin.test.ts pins with one).
      await operator.click(`[data-testid=confirm-pin-${target}]`);
      const pinnedRow = `[data-testid=slot-row][data-camera-id="${target}"][data-reason=pinned]`;
      await operator.waitForSelector(pinnedRow, { timeout: 45_000 });
      await operator.waitForSelector(`[data-testid=unpin-${target}]`);
      await operator.waitForTimeout(300);
      await shot(operator, `analysis-slots-${language}`);

      // The viewer did nothing: the row came by slots:changed. Viewers get no pin buttons.
      await viewer.waitForSelector(pinnedRow, { timeout: 45_000 });
      expect(await viewer.locator('[data-testid^=pin-], [data-testid^=unpin-]').count()).toBe(0);
      const pins = await test.db.query('SELECT pinned_by FROM analysis_pins WHERE camera_id = $1', [target]);
      expect(pins.rows).toEqual([{ pinned_by: 'operator-user' }]);
    }
  }, 180_000);
});
