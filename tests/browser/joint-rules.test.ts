// The joint rules screen in Debian's Chromium against the real api role with the demo devices, in
// Vietnamese and English: an engineer writes "water level ≥ II at a gauge and a stalled vehicle or
// congestion within 500 m → flooded road"; the form refuses a radius of 0 in the engineer's language, the
// rule in words follows each change as it is typed, the dry run finds the stalled car 300 m from the gauge,
// and the saved rule is listed in words. The command room reads it without edit buttons.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { JointRuleEvaluator } from '../../analytics/joint-rules/evaluator.ts';
import { createLogger } from '../../core/logger.ts';
import { waitFor } from '../support/wait.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { TestApi } from '../support/api.ts';
import { registerSensor } from '../sensors/helpers.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot, startDashboardServer } from './harness.ts';

const CAMERA = 'cam-003';
const GAUGE = 'tide-joint-test';
let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let cameraName: string;

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  browser = await launchChromium();
  // A gauge 300 m north of a demo camera, at level II, and a stalled car on that camera.
  const camera = (await test.db.query(`SELECT name, lat, lon FROM cameras WHERE id = $1`, [CAMERA])).rows[0];
  cameraName = camera.name;
  await registerSensor(test.db, { id: GAUGE, name: 'Trạm triều thử nghiệm', kind: 'tide_level', lat: camera.lat - 0.0027, lon: camera.lon, level1: 1.5, level2: 1.6, level3: 1.7, expectedIntervalSeconds: 3600 });
  await test.db.query(`INSERT INTO sensor_state (sensor_id, level, status, last_value, last_ts) VALUES ($1, 2, 'level2', 1.64, now())`, [GAUGE]);
  const snapshotJpeg = await sharp({ create: { width: 320, height: 180, channels: 3, background: '#3a5f7d' } }).jpeg().toBuffer();
  await createAlertRaiser({ db: test.db }).raise({ sourceType: 'camera', sourceId: CAMERA, kind: 'stalled_vehicle', severity: 'minor', title: { vi: 'Xe dừng', en: 'Stalled vehicle' }, evidence: { snapshotJpeg } });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

const WORDS = {
  vi: {
    radiusError: 'Bán kính là số nguyên mét, lớn hơn 0 và tối đa 5000 m.',
    explanation: (radius: number) =>
      `Khi Trạm triều thử nghiệm ở mức báo động cấp II trở lên, và trong vòng 30 phút có xe dừng bất thường hoặc ùn tắc trên bất kỳ camera nào cách cảm biến không quá ${radius} m, tạo cảnh báo “Đường bị ngập” mức khẩn cấp.`,
    matches: 'Cảm biến khớp lúc này: 1',
    tab: 'Quy tắc kết hợp',
  },
  en: {
    radiusError: 'The radius is a whole number of metres, above 0 and at most 5000 m.',
    explanation: (radius: number) =>
      `When Trạm triều thử nghiệm is at alarm level II or above, and within 30 min stalled vehicle or congestion is seen on any camera within ${radius} m of it, raise “Flooded road” (critical).`,
    matches: 'Sensors matching now: 1',
    tab: 'Joint rules',
  },
};

describe('the joint rules screen', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`lets an engineer write a rule, checked and explained as it is typed, and tried on what is happening now (${language})`, async () => {
      const words = WORDS[language];
      const name = language === 'vi' ? 'Ngập đường gần trạm thử' : 'Flooded road near the test gauge';
      const page = await openSignedIn(browser, api, 'engineer', '/engineer/joint-rules', { language });
      await page.waitForSelector('[data-testid=joint-rules-page][data-can-edit=true]');
      expect(await page.locator('[data-testid=engineer-tab-joint-rules]').innerText()).toContain(words.tab);
      await page.click('[data-testid=joint-rule-new]');
      const form = page.locator('[data-testid=joint-rule-form]');
      await form.locator('[data-testid=joint-rule-name]').fill(name);
      await form.locator('[data-testid=joint-rule-sensor]').selectOption(GAUGE);
      await form.locator('[data-testid=joint-rule-radius]').fill('0');
      await form.locator('[data-testid=joint-rule-save]').click();
      await expect.poll(() => form.locator('[data-testid=joint-rule-error-radiusM]').innerText()).toBe(words.radiusError);
      expect(await form.locator('[data-testid=joint-rule-explanation]').innerText()).toContain(words.explanation(0));
      await screenshot(page, `joint-rule-error-${language}`);

      await form.locator('[data-testid=joint-rule-radius]').fill('500');
      await expect.poll(() => form.locator('[data-testid=joint-rule-explanation]').innerText()).toContain(words.explanation(500));
      await form.locator('[data-testid=joint-rule-dry-run]').click();
      const result = form.locator('[data-testid=joint-rule-dry-run-result]');
      await expect.poll(() => result.innerText()).toContain(words.matches);
      expect(await result.innerText()).toContain(`${cameraName}`);
      expect(await result.innerText()).toContain('300 m');
      await screenshot(page, `joint-rule-form-${language}`);

      await form.locator('[data-testid=joint-rule-save]').click();
      const row = page.locator(`[data-testid=joint-rule-row][data-rule-name="${name}"]`);
      await row.waitFor();
      expect(await row.locator('[data-testid=joint-rule-words]').innerText()).toContain(words.explanation(500));
      await screenshot(page, `joint-rules-list-${language}`);
      await page.context().close();

      const operator = await openSignedIn(browser, api, 'operator', '/engineer/joint-rules', { language });
      await operator.locator(`[data-testid=joint-rule-row][data-rule-name="${name}"]`).waitFor();
      expect(await operator.locator('[data-testid=joint-rules-page]').getAttribute('data-can-edit')).toBe('false');
      expect(await operator.locator('[data-testid=joint-rule-edit]').count()).toBe(0);
      await operator.context().close();
    }, 120_000);
  }

  it('puts the joint alert before the operator with both evidences: the gauge\'s level and the camera\'s picture', async () => {
    // The evaluator runs in the sensor-ingest role; here one pass of it, on the rules saved above.
    const evaluator = new JointRuleEvaluator({ db: test.db, logger: createLogger('silent'), alerts: createAlertRaiser({ db: test.db }), checkEveryMs: 600_000 });
    await waitFor('a joint rules pass', async () => (await evaluator.passOnce()).raised > 0);
    const alertId = (await test.db.query(`SELECT id FROM alerts WHERE kind = 'flooded_road' AND source_id = $1 ORDER BY id LIMIT 1`, [GAUGE])).rows[0].id;
    for (const language of ['vi', 'en'] as const) {
      const page = await openSignedIn(browser, api, 'operator', `/alerts/${alertId}`, { language });
      // A missing picture fails in seconds, not at the test's timeout.
      page.setDefaultTimeout(10_000);
      const detail = page.locator(`[data-testid=alert-detail][data-alert-id="${alertId}"]`);
      await detail.waitFor();
      const text = await detail.innerText();
      expect(text).toContain(language === 'vi' ? 'Đường ngập gần Trạm triều thử nghiệm' : 'Flooded road near Trạm triều thử nghiệm');
      expect(text).toContain(language === 'vi' ? `xe dừng bất thường tại ${cameraName} (300 m)` : `stalled vehicle at ${cameraName} (300 m)`);
      await expect.poll(() => detail.locator('.snapshot img').evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBe(320);
      await screenshot(page, `joint-alert-detail-${language}`);
      await page.context().close();
    }
  }, 90_000);

  it('shows the server\'s refusal beside the field it names (a name already taken)', async () => {
    const page = await openSignedIn(browser, api, 'engineer', '/engineer/joint-rules', { language: 'en' });
    await page.click('[data-testid=joint-rule-new]');
    const form = page.locator('[data-testid=joint-rule-form]');
    await form.locator('[data-testid=joint-rule-name]').fill('Flooded road near the test gauge');
    await form.locator('[data-testid=joint-rule-sensor]').selectOption(GAUGE);
    await form.locator('[data-testid=joint-rule-save]').click();
    await expect.poll(() => form.locator('[data-testid=joint-rule-error-name]').innerText()).toMatch(/name/i);
    await page.context().close();
  }, 60_000);
});
