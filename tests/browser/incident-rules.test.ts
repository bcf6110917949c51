// The incident rules screen (/engineer/incident-rules) in Debian's Chromium against the real api role: an
// engineer widens the flooding link rule's distance and shortens the fire policy's acknowledge deadline
// (the API's refusal of 2 seconds shown beside the field first); the labels in Vietnamese; a viewer sees
// both tables without edit buttons. One page, signed in with API sessions (no login, no map). Screenshots
// in /tmp/incident-rules-shots/ (INCIDENT_RULES_SHOTS_DIR).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchPolicyRule, IncidentLinkRule } from '../../contract/incidents.ts';
import type { UserRole } from '../../contract/roles.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { ensureDashboardBuilt, launchChromium, newTestContext } from './harness.ts';

const SHOTS = process.env.INCIDENT_RULES_SHOTS_DIR ?? '/tmp/incident-rules-shots';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const read = async <T>(route: string): Promise<T> => (await (await api.request('GET', route, { role: 'viewer' })).json()) as T;
async function signInAs(role: UserRole) {
  const cookie = api.cookieFor(role);
  await context.clearCookies();
  await context.addCookies([{ name: cookie.slice(0, cookie.indexOf('=')), value: cookie.slice(cookie.indexOf('=') + 1), url: api.baseUrl }]);
}

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startTestApi(test, { ASSET_MIRROR_DIR: assetMirrorDir() });
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
  context = await newTestContext(browser, { viewport: { width: 1600, height: 1000 } });
  await signInAs('engineer');
  await context.addInitScript(() => localStorage.setItem('cityops.language', 'en'));
  page = await context.newPage();
  await page.goto(`${api.baseUrl}/engineer/incident-rules`);
  await page.locator('[data-testid=link-rule-row]').first().waitFor();
  // Each step is quick once the page is there: a missing element fails in seconds, not at the test's timeout.
  page.setDefaultTimeout(5_000);
}, 180_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('the incident rules screen', () => {
  it('changes a link rule distance and a policy deadline, the API refusal beside the field (en)', async () => {
    const flooding = page.locator('[data-testid=link-rule-row][data-rule-name=flooding]');
    expect(await flooding.innerText()).toMatch(/10\s+flooding\s+Flooding\s+Alarm level, Fast rise, Stalled vehicle, Congestion, Flooded road\s+Critical\s+500\s+30\s+On/);
    expect(await flooding.locator('[data-opening=true]').allInnerTexts()).toEqual(['Alarm level', 'Flooded road']);
    await flooding.locator('[data-testid=link-rule-edit]').click();
    await page.locator('[data-testid=link-rule-distance-input]').fill('650');
    await page.locator('[data-testid=link-rule-save]').click();
    await expect.poll(() => flooding.locator('[data-testid=link-rule-distance]').innerText()).toBe('650');
    const { rules } = await read<{ rules: IncidentLinkRule[] }>('/api/incident-link-rules');
    expect(rules.find((rule) => rule.name === 'flooding')).toMatchObject({ distanceM: 650, openingKinds: ['sensor_level', 'flooded_road'], alertKinds: ['sensor_level', 'sensor_rate_of_rise', 'stalled_vehicle', 'congestion', 'flooded_road'] });

    const fire = page.locator('[data-testid=policy-row][data-kind=fire][data-severity="*"]');
    expect(await fire.innerText()).toMatch(/Fire\s+Any severity\s+60 s\s+10\.0 min\s+60 s\s+Remind the team\s+Alert the supervisors\s+Propose the next team\s+No/);
    await fire.locator('[data-testid=policy-edit]').click();
    const form = page.locator('[data-testid=policy-form]');
    await form.locator('[data-testid=policy-acknowledge-input]').fill('2');
    await form.locator('[data-testid=policy-save]').click();
    await expect.poll(() => form.locator('[data-testid=policy-error-acknowledgeSeconds]').innerText()).toContain('at least 5 seconds');
    expect(await form.locator('.form-field.invalid [data-testid=policy-acknowledge-input]').count()).toBe(1);
    await page.screenshot({ path: path.join(SHOTS, 'incident-rules-error-en.png'), fullPage: true });

    await form.locator('[data-testid=policy-acknowledge-input]').fill('180');
    await form.locator('[data-testid=policy-save]').click();
    await expect.poll(() => fire.locator('[data-testid=policy-acknowledge]').innerText()).toBe('3.0 min');
    const { policies } = await read<{ policies: DispatchPolicyRule[] }>('/api/dispatch-policies');
    expect(policies.find((policy) => policy.kind === 'fire' && policy.severity === null)).toMatchObject({ acknowledgeSeconds: 180, arriveSeconds: 600 });
    // The default keeps its edit button, never a delete.
    expect(await page.locator('[data-testid=policy-row][data-kind="*"][data-severity="*"] [data-testid=policy-delete]').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'incident-rules-en.png'), fullPage: true });
  }, 60_000);

  it('speaks Vietnamese', async () => {
    await page.click('[data-testid=language-vi]');
    await expect.poll(() => page.locator('[data-testid=engineer-tab-incident-rules]').innerText()).toContain('Quy tắc vụ việc');
    const rulesHead = (await page.locator('[data-testid=link-rule-table] thead').innerText()).toLowerCase();
    for (const label of ['Thứ tự', 'Tên quy tắc', 'Loại vụ việc', 'Loại cảnh báo (in đậm: mở vụ việc)', 'Mở từ mức', 'Bán kính (m)', 'Khoảng thời gian (phút)', 'Đang dùng']) expect(rulesHead).toContain(label.toLowerCase());
    const policyHead = (await page.locator('[data-testid=policy-table] thead').innerText()).toLowerCase();
    for (const label of ['Mức độ', 'Hạn xác nhận', 'Hạn có mặt', 'Mỗi bước sau', 'Các bước khi quá hạn', 'Cần ảnh xác nhận']) expect(policyHead).toContain(label.toLowerCase());
    const fire = await page.locator('[data-testid=policy-row][data-kind=fire][data-severity="*"]').innerText();
    for (const label of ['Cháy', 'Mọi mức', '3,0 phút', 'Nhắc đội', 'Báo giám sát', 'Đề xuất đội khác', 'Không', 'Sửa', 'Xóa']) expect(fire).toContain(label);
    await page.locator('[data-testid=policy-row][data-kind="*"][data-severity="*"] [data-testid=policy-edit]').click();
    const form = await page.locator('[data-testid=policy-form]').innerText();
    for (const label of ['Sửa chính sách: Mọi loại, Mọi mức', 'Hạn xác nhận (giây)', 'Cần ảnh đã khắc phục để kết thúc vụ việc', 'Lưu', 'Hủy']) expect(form).toContain(label);
    await page.screenshot({ path: path.join(SHOTS, 'incident-rules-vi.png'), fullPage: true });
  }, 60_000);

  it('shows a viewer both tables without edit buttons', async () => {
    await signInAs('viewer');
    await page.reload();
    await expect.poll(() => page.locator('[data-testid=nav-account]').innerText()).toContain('viewer-user');
    await page.locator('[data-testid=policy-row]').first().waitFor();
    expect(await page.locator('[data-testid=link-rule-row]').count()).toBe(3);
    expect(await page.locator('[data-testid=policy-row]').count()).toBe(6);
    expect(await page.locator('[data-testid$=-edit], [data-testid$=-delete], [data-testid$=-new]').count()).toBe(0);
    // The command room's tabs: these rules and the joint rules (tests/browser/joint-rules.test.ts).
    expect(await page.locator('[data-testid^=engineer-tab-]').evaluateAll((tabs) => tabs.map((tab) => tab.getAttribute('data-testid')))).toEqual(['engineer-tab-incident-rules', 'engineer-tab-joint-rules']);
  }, 60_000);
});
