// Administration in Debian's Chromium against the real api role: an admin deletes a field team (after
// confirming), then finds that deletion in the audit log by action and entity type, and exports what the
// search found as CSV; a user whose role an admin changes sees their page follow without a reload; an
// engineer's device health says what each camera decodes and why it holds an analysis slot. In
// Vietnamese and in English.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { TestApi } from '../support/api.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot, startDashboardServer } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('administration and device health', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`finds a deleted team in the audit log and exports it (${language})`, async () => {
      const teamName = language === 'vi' ? 'Đội tạm thời Quận 3' : 'Temporary team District 3';
      const created = await api.request('POST', '/api/teams', { role: 'admin', body: { name: teamName } });
      expect(created.status).toBe(201);
      const teamId = String((await created.json()).team.id);

      const page = await openSignedIn(browser, api, 'admin', '/admin/teams', { language });
      const card = page.locator(`[data-testid=team-card][data-team-name="${teamName}"]`);
      await card.locator('[data-testid=team-delete]').click();
      expect(await card.innerText()).toContain(language === 'vi' ? `Xóa đội ${teamName}?` : `Delete ${teamName}?`);
      expect((await test.db.query(`SELECT count(*)::int AS n FROM teams WHERE id = $1`, [teamId])).rows[0].n).toBe(1); // not before confirming
      await card.locator('[data-testid=team-delete-confirm]').click();
      await card.waitFor({ state: 'detached' });
      expect((await test.db.query(`SELECT count(*)::int AS n FROM teams WHERE id = $1`, [teamId])).rows[0].n).toBe(0);

      await page.click('[data-testid=admin-tab-audit]');
      await page.locator('[data-testid=audit-table]').waitFor();
      await page.fill('[data-testid=audit-filter-action]', 'delete');
      await page.fill('[data-testid=audit-filter-entityType]', 'team');
      await page.fill('[data-testid=audit-filter-entityId]', teamId);
      await page.click('[data-testid=audit-search]');
      const row = page.locator('[data-testid=audit-row][data-action=delete][data-entity-type=team]');
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.innerText()).toContain(teamName);
      expect(await page.locator('[data-testid=audit-row]').count()).toBe(1);
      expect(await page.locator('thead').innerText()).toContain(language === 'vi' ? 'NGƯỜI DÙNG' : 'USER');
      await screenshot(page, `audit-log-${language}`);

      const href = await page.locator('[data-testid=audit-export]').getAttribute('href');
      expect(href).toContain('action=delete');
      const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href!);
      const lines = csv.trim().split('\r\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`,admin-user,`);
      expect(lines[1]).toContain(`,delete,team,${teamId},`);
      await page.context().close();
    });
  }

  it('follows a role change on the user\'s open page without a reload (vi: operator → engineer, en: back)', async () => {
    const operatorId = Number((await test.db.query(`SELECT id FROM users WHERE username = 'operator-user'`)).rows[0].id);
    for (const [language, from, to] of [['vi', 'operator', 'engineer'], ['en', 'engineer', 'operator']] as const) {
      const page = await openSignedIn(browser, api, 'operator', '/account', { language });
      const engineerNav = page.locator('[data-testid=nav-engineer]');
      expect(await engineerNav.count()).toBe(from === 'engineer' ? 1 : 0);
      await page.evaluate(() => ((window as unknown as { beforeRoleChange: boolean }).beforeRoleChange = true));
      expect((await api.request('PATCH', `/api/users/${operatorId}`, { role: 'admin', body: { role: to } })).status).toBe(200);
      await expect.poll(() => engineerNav.count(), { timeout: 15_000 }).toBe(to === 'engineer' ? 1 : 0);
      // The same page, not a reload.
      expect(await page.evaluate(() => (window as unknown as { beforeRoleChange?: boolean }).beforeRoleChange)).toBe(true);
      expect(await page.locator('.topbar').innerText()).toContain(language === 'vi' ? 'KỸ SƯ' : 'OPERATOR');
      await screenshot(page, `role-change-${language}`);
      await page.context().close();
    }
  });

  it('shows each camera\'s decode mode and analysis slot in device health (vi, en)', async () => {
    // A camera-ingest worker holding cam-001 (in a slot, pinned: every frame) and cam-002 (cheap tier).
    await test.db.query(`INSERT INTO camera_workers (worker_id, host, pid, expires_at) VALUES ('ingest-test', 'test', 1, now() + interval '1 hour')`);
    for (const [cameraId, decode] of [['cam-001', 'all'], ['cam-002', 'keyframes']]) {
      await test.db.query(`INSERT INTO camera_leases (camera_id, worker_id, acquired_at, expires_at) VALUES ($1, 'ingest-test', now(), now() + interval '1 hour')
                           ON CONFLICT (camera_id) DO UPDATE SET worker_id = EXCLUDED.worker_id, expires_at = EXCLUDED.expires_at`, [cameraId]);
      await test.db.query(`INSERT INTO camera_status (camera_id, state, fps, target_fps, frames_received, frames_delivered, frames_dropped, restarts, since, decode, updated_at)
                           VALUES ($1, 'online', 2, 2, 10, 10, 0, 0, now(), $2, now())`, [cameraId, decode]);
    }
    await test.db.query(`INSERT INTO analysis_slots (camera_id, reason, assigned_at) VALUES ('cam-001', 'pinned', now())`);
    for (const language of ['vi', 'en'] as const) {
      const page = await openSignedIn(browser, api, 'engineer', '/engineer/health', { language });
      const cell = (cameraId: string) => page.locator(`[data-testid=camera-analysis][data-camera-id="${cameraId}"]`);
      await expect.poll(() => cell('cam-001').innerText()).toContain(language === 'vi' ? 'Suất phân tích: Được ghim' : 'Analysis slot: Pinned');
      expect(await cell('cam-001').innerText()).toContain(language === 'vi' ? 'Mọi khung hình' : 'Every frame');
      expect(await cell('cam-002').innerText()).toBe(language === 'vi' ? 'Chỉ khung hình khóa' : 'Keyframes only');
      await screenshot(page, `device-health-${language}`);
      await page.context().close();
    }
  });
});
