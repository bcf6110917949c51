// Evidence at hand (#17 part 4) in Debian's Chromium against the real api role with the demo devices:
// a camera alert with a snapshot and a real MP4 clip. The operator's alert detail and the field team's
// phone list the clip with its time, length and size without fetching a byte of it; a tap plays it
// (one audited opening); the police download saves the file and shows the SHA-256 the audit log holds,
// which the test recomputes from the saved file. In Vietnamese and in English.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { queryAudit } from '../../core/audit.ts';
import { addTeamMember, insertTeam } from '../../dashboard/server/alerts/teams.ts';
import { ownedDirName } from '../support/abandoned-dirs.ts';
import type { TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { saveRealClip } from '../support/evidence-clip.ts';
import { waitFor } from '../support/wait.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot, startDashboardServer } from './harness.ts';

const CAMERA = 'cam-003';
const PHONE = { width: 390, height: 844 };
let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let clipDir: string;
let teamId: number;

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test, { CITY_TIME_ZONE: 'Asia/Ho_Chi_Minh' });
  browser = await launchChromium();
  clipDir = ownedDirName('cityops-evidence-browser-');
  mkdirSync(clipDir, { recursive: true });
  teamId = (await insertTeam(test.db, { name: 'Đội phản ứng nhanh', districtId: null })).id;
  const fieldUser = await test.db.query(`SELECT id FROM users WHERE username = 'field-user'`);
  await addTeamMember(test.db, teamId, Number(fieldUser.rows[0].id));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
  if (clipDir) rmSync(clipDir, { recursive: true, force: true });
});

/** A camera alert with a snapshot; its clip is pending (the clip service saves it 20 s later). */
async function alertWithPendingClip(zone: string): Promise<number> {
  const snapshotJpeg = await sharp({ create: { width: 320, height: 180, channels: 3, background: '#3a4f6b' } }).jpeg().toBuffer();
  const { alertId } = await createAlertRaiser({ db: test.db }).raise({
    sourceType: 'camera',
    sourceId: CAMERA,
    kind: 'stalled_vehicle',
    zoneId: `lane-${zone}`,
    severity: 'major',
    title: { vi: 'Xe dừng trên làn khẩn cấp', en: 'Vehicle stopped in the emergency lane' },
    evidence: { snapshotJpeg },
  });
  return alertId;
}

/** A camera alert with a snapshot and a saved 3 s clip, assigned to the field user's team. */
async function alertWithClip(language: string, { assign = true } = {}): Promise<{ alertId: number; clipFile: string }> {
  const alertId = await alertWithPendingClip(language);
  const clip = await saveRealClip(test.db, alertId, clipDir);
  if (assign) {
    const assigned = await api.request('POST', `/api/alerts/${alertId}/assign`, { role: 'operator', body: { teamId } });
    expect(assigned.status).toBe(200);
  }
  return { alertId, clipFile: clip.filePath };
}

/** Every request the page makes for clip bytes (playing or downloading). */
function recordClipRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    if (/\/clips\/\d+\/(video|download)/.test(request.url())) seen.push(request.url());
  });
  return seen;
}

const audits = (alertId: number, action: string) => queryAudit(test.db, { action, entityType: 'alert', entityId: String(alertId) });

/** Taps Play and waits until the video has decoded a picture (HAVE_CURRENT_DATA or more). */
async function playClip(page: Page): Promise<void> {
  await page.click('[data-testid=evidence-play]');
  await page.waitForFunction(() => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid=evidence-video]');
    return Boolean(video && (video.readyState >= 2 || video.currentTime > 0));
  });
}

describe('evidence at hand', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`shows, plays and exports an alert's clip in the alert detail (${language})`, async () => {
      const { alertId, clipFile } = await alertWithClip(language);
      const page = await openSignedIn(browser, api, 'operator', `/alerts/${alertId}`, { language });
      const clipRequests = recordClipRequests(page);
      const panel = page.locator('[data-testid=evidence-panel]');
      await panel.waitFor();
      await page.locator('[data-testid=evidence-clip]').waitFor();
      expect(await panel.locator('h3').innerText()).toBe(language === 'vi' ? 'Bằng chứng' : 'Evidence');
      expect(await panel.locator('[data-testid=evidence-snapshot]').count()).toBe(1);
      // Time · length · size: a 3 s clip of some tens of kilobytes.
      expect(await page.locator('[data-testid=evidence-clip] [data-testid=evidence-facts]').innerText()).toMatch(language === 'vi' ? /· 3 giây · \d+ KB$/ : /· 3 s · \d+ KB$/);
      // The camera by the name people use in the reader's language (the demo's cam-003), not its id.
      expect(await page.locator('[data-testid=evidence-clip]').innerText()).toContain(language === 'vi' ? 'Đoạn video Nút giao Hàng Xanh' : 'Video clip Hang Xanh junction');
      expect(await page.locator('[data-testid=evidence-play]').innerText()).toContain(language === 'vi' ? 'Xem video' : 'Play clip');
      expect(clipRequests, 'no clip bytes before a tap').toEqual([]);
      await screenshot(page, `evidence-detail-${language}`);

      await playClip(page);
      expect(clipRequests.length).toBeGreaterThan(0);
      expect((await audits(alertId, 'evidence.view')).map((entry) => entry.username)).toEqual(['operator-user']);

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=evidence-export]')]);
      const shown = await page.locator('[data-testid=evidence-sha256]').innerText();
      const saved = readFileSync(await download.path());
      const [exported] = await audits(alertId, 'evidence.export');
      expect(exported.details).toMatchObject({ sha256: shown, size: saved.length, cameraId: CAMERA, alertId, clipId: alertId });
      expect(createHash('sha256').update(saved).digest('hex')).toBe(shown);
      expect(saved.equals(readFileSync(clipFile))).toBe(true);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^cityops-alert-${alertId}-${CAMERA}-.+\\.mp4$`));
      expect(await page.locator('[data-testid=evidence-hash-check]').innerText()).toBe(
        language === 'vi' ? 'Đã kiểm tra: mã khớp với tệp nhận được' : 'Checked: the hash matches the file received',
      );
      await page.locator('[data-testid=evidence-panel]').scrollIntoViewIfNeeded();
      await screenshot(page, `evidence-detail-played-${language}`);
      await page.context().close();
    }, 120_000);

    it(`says a clip is being saved, and offers it once saved without a reload (${language})`, async () => {
      const alertId = await alertWithPendingClip(`${language}-pending`);
      const page = await openSignedIn(browser, api, 'operator', `/alerts/${alertId}`, { language });
      const clip = page.locator('[data-testid=evidence-clip]');
      await clip.waitFor();
      expect(await clip.innerText()).toContain(language === 'vi' ? 'Đang lưu đoạn video (20 giây sau cảnh báo)…' : 'Saving the clip (20 s after the alert)…');
      expect(await page.locator('[data-testid=evidence-play]').count()).toBe(0);
      await saveRealClip(test.db, alertId, clipDir);
      // The panel asks again every 10 s while a clip is pending.
      await page.locator('[data-testid=evidence-play]').waitFor({ timeout: 30_000 });
      await page.context().close();
    }, 120_000);

    it(`lets the field team play a clip on the phone, fetched only on a tap (${language})`, async () => {
      const { alertId } = await alertWithClip(`${language}-field`);
      const page = await openSignedIn(browser, api, 'field', `/field/alerts/${alertId}`, { language, viewport: PHONE });
      const clipRequests = recordClipRequests(page);
      await page.locator('[data-testid=field-detail] [data-testid=evidence-clip]').waitFor();
      // The snapshot is the field view's own picture above; the panel lists the clip only.
      expect(await page.locator('[data-testid=evidence-snapshot]').count()).toBe(0);
      expect(await page.locator('[data-testid=evidence-export]').innerText()).toContain(language === 'vi' ? 'Tải về cho công an' : 'Download for police');
      await page.locator('[data-testid=evidence-clip]').scrollIntoViewIfNeeded();
      expect(clipRequests, 'no clip bytes before a tap').toEqual([]);
      expect(await page.locator('video').count()).toBe(0);
      await screenshot(page, `evidence-field-${language}`);

      await playClip(page);
      await page.locator('[data-testid=evidence-video]').scrollIntoViewIfNeeded();
      expect((await audits(alertId, 'evidence.view')).map((entry) => entry.username)).toEqual(['field-user']);
      await screenshot(page, `evidence-field-played-${language}`);
      await page.context().close();
    }, 120_000);

    it(`shows the evidence of an incident's alerts on the card of the team sent to it (${language})`, async () => {
      // The alert is not the team's; the incident the linker gathered it into is sent to the team.
      const { alertId } = await alertWithClip(`${language}-incident`, { assign: false });
      const incidentId = await waitFor('the alert\'s incident', async () => (await test.db.query(`SELECT incident_id FROM incident_alerts WHERE alert_id = $1`, [alertId])).rows[0]?.incident_id);
      // The linker may gather the second language's alert into the first one's incident, already sent.
      const sent = await test.db.query(`SELECT 1 FROM incident_assignments WHERE incident_id = $1 AND team_id = $2 AND ended_at IS NULL`, [incidentId, teamId]);
      if (!sent.rowCount) expect((await api.request('POST', `/api/incidents/${incidentId}/assign`, { role: 'operator', body: { teamId } })).status).toBe(200);
      const page = await openSignedIn(browser, api, 'field', '/field', { language, viewport: PHONE });
      const clipRequests = recordClipRequests(page);
      const panel = page.locator(`[data-testid=field-incident][data-incident-id="${incidentId}"] [data-testid=evidence-panel][data-alert-id="${alertId}"]`);
      await panel.locator('[data-testid=evidence-clip]').waitFor();
      expect(await panel.locator('h3').innerText()).toBe(language === 'vi' ? `Bằng chứng · cảnh báo #${alertId}` : `Evidence · alert #${alertId}`);
      // The snapshot loads lazily: on a card with many alerts it starts loading only once scrolled to.
      await panel.scrollIntoViewIfNeeded();
      await panel.locator('[data-testid=evidence-snapshot] img').evaluate((image: HTMLImageElement) => image.decode());
      expect(clipRequests, 'no clip bytes before a tap').toEqual([]);
      await screenshot(page, `evidence-field-incident-${language}`);
      await panel.locator('[data-testid=evidence-play]').click();
      await panel.locator('[data-testid=evidence-video]').evaluate((video: HTMLVideoElement) => new Promise<void>((resolve) => (video.readyState >= 2 ? resolve() : video.addEventListener('loadeddata', () => resolve(), { once: true }))));
      expect((await audits(alertId, 'evidence.view')).map((entry) => entry.username)).toEqual(['field-user']);
      await page.context().close();
    }, 120_000);
  }
});
