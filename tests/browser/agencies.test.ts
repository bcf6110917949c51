// The agency registry screen (/admin/agencies) in Debian's Chromium against the real api role: an admin
// registers an agency, sees the server refuse a wildcard MQTT topic beside the field, saves it, changes it
// to a webhook (only the host is ever shown) with one of the field teams, and disables it; in English,
// then the same screen's labels in Vietnamese. One page, one navigation. Screenshots in
// /tmp/agency-shots/ (AGENCY_SHOTS_DIR).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agency } from '../../contract/agencies.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { addDistrict } from '../alerts/support/fixtures.ts';
import { ensureDashboardBuilt, launchChromium, newTestContext } from './harness.ts';

const SHOTS = process.env.AGENCY_SHOTS_DIR ?? '/tmp/agency-shots';
const NAME = 'PCCC Quận 7';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let page: Page;
let teamId: number;

async function agencies(): Promise<Agency[]> {
  return ((await (await api.request('GET', '/api/agencies', { role: 'admin' })).json()) as { agencies: Agency[] }).agencies;
}

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startTestApi(test, { ASSET_MIRROR_DIR: assetMirrorDir() });
  await addDistrict(test.db, 'q7');
  const response = await api.request('POST', '/api/teams', { role: 'admin', body: { name: 'Đội chữa cháy Q7', districtId: 'q7' } });
  teamId = ((await response.json()) as { team: { id: number } }).team.id;
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
  // Signed in with the admin's API session: the login would land on the map, slow in software WebGL.
  const context = await newTestContext(browser, { viewport: { width: 1600, height: 900 } });
  const cookie = api.cookieFor('admin');
  await context.addCookies([{ name: cookie.slice(0, cookie.indexOf('=')), value: cookie.slice(cookie.indexOf('=') + 1), url: api.baseUrl }]);
  await context.addInitScript(() => localStorage.setItem('cityops.language', 'en'));
  page = await context.newPage();
  await page.goto(`${api.baseUrl}/admin/agencies`);
  await page.locator('[data-testid=agencies-panel]').waitFor();
}, 180_000);

afterAll(async () => {
  await page?.context().close().catch(() => {});
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('the agency registry screen', () => {
  it('creates, refuses, edits and disables an agency (en)', async () => {
    await page.click('[data-testid=agency-new]');
    const form = page.locator('[data-testid=agency-form]');
    await form.locator('[data-testid=agency-name]').fill(NAME);
    await form.locator('[data-testid=agency-kind]').selectOption('fire_brigade');
    await form.locator('[data-testid=agency-districts] input[value=q7]').check();
    await form.locator('[data-testid=agency-incident-kinds] input[value=fire]').check();
    await form.locator('[data-testid=agency-delivery]').selectOption('mqtt');
    await form.locator('[data-testid=agency-mqtt-topic]').fill('agencies/q7/#');
    await form.locator('[data-testid=agency-save]').click();
    await expect.poll(() => form.locator('[data-testid=agency-error-mqttTopic]').innerText()).toContain('without wildcards');
    expect(await agencies()).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'agencies-error-en.png') });

    await form.locator('[data-testid=agency-mqtt-topic]').fill('agencies/q7/fire');
    await form.locator('[data-testid=agency-save]').click();
    const row = page.locator(`[data-testid=agency-row][data-agency-name="${NAME}"]`);
    await expect.poll(() => row.innerText()).toMatch(/Fire and rescue[\s\S]*District q7[\s\S]*Fire[\s\S]*MQTT message[\s\S]*agencies\/q7\/fire[\s\S]*Enabled/);

    await row.locator('[data-testid=agency-edit]').click();
    await form.locator('[data-testid=agency-delivery]').selectOption('webhook');
    await form.locator('[data-testid=agency-webhook-url]').fill('https://hooks.q7.example.org/cityops?token=secret-token');
    await form.locator('[data-testid=agency-phone]').fill('028 3773 0114');
    await form.locator(`[data-testid=agency-teams] input[value="${teamId}"]`).check();
    await form.locator('[data-testid=agency-save]').click();
    await expect.poll(() => row.innerText()).toMatch(/Webhook \(HTTP POST\)\s*hooks\.q7\.example\.org[\s\S]*028 3773 0114[\s\S]*Đội chữa cháy Q7/);
    expect(await page.content()).not.toContain('secret-token');

    await row.locator('[data-testid=agency-toggle]').click();
    await page.locator(`[data-testid=agency-row][data-agency-name="${NAME}"][data-enabled=false]`).waitFor();
    expect(await row.innerText()).toContain('Disabled');
    // Disabling kept everything else, the stored webhook URL included.
    const [stored] = await agencies();
    expect(stored).toMatchObject({ enabled: false, delivery: 'webhook', webhookHost: 'hooks.q7.example.org', districtIds: ['q7'], incidentKinds: ['fire'], teamIds: [teamId] });
    await page.screenshot({ path: path.join(SHOTS, 'agencies-en.png') });
  }, 120_000);

  it('shows the registry in Vietnamese', async () => {
    await page.click('[data-testid=language-vi]');
    await expect.poll(() => page.locator('[data-testid=admin-tab-agencies]').innerText()).toContain('Cơ quan phối hợp');
    const head = await page.locator('[data-testid=agency-table] thead').innerText();
    for (const label of ['Địa bàn', 'Loại vụ việc xử lý', 'Cách nhận việc', 'Điện thoại trực', 'Trạng thái', 'Đội hiện trường']) expect(head.toLowerCase()).toContain(label.toLowerCase());
    const row = await page.locator('[data-testid=agency-row]').innerText();
    for (const label of ['Cảnh sát PCCC và CNCH', 'Cháy', 'Tạm ngưng', 'Bật lại', 'Sửa', 'Xóa']) expect(row).toContain(label);
    await page.click('[data-testid=agency-edit]');
    const form = await page.locator('[data-testid=agency-form]').innerText();
    for (const label of ['Tên cơ quan', 'Cách nhận việc', 'Địa chỉ nhận (URL)', 'Đang dùng hooks.q7.example.org', 'Đang nhận vụ việc', 'Lưu', 'Hủy']) expect(form).toContain(label);
    await page.screenshot({ path: path.join(SHOTS, 'agencies-vi.png') });
  }, 60_000);
});
