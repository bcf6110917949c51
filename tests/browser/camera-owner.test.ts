// The camera owner's page on a phone (390x844), opened from the link alone (no account): the camera is
// shown, "pause sharing now" pauses it, and within 5 s the server says paused and refuses live view.
// Screenshots in Vietnamese (before) and English (after the pause).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { registerCamera } from '../cameras/support.ts';
import { ensureDashboardBuilt, launchChromium, newTestContext, screenshot } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let linkPath = '';

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startTestApi(test);
  await registerCamera(test, api.secretBox, { id: 'school-gate', rtspUrl: 'rtsp://127.0.0.1:1/school-gate' });
  const created = await api.request('POST', '/api/camera-owners', { role: 'engineer', body: { name: 'Trường Tiểu học Lê Văn Tám', kind: 'school', contact: 'bgh@example.vn' } });
  const { owner, link } = await created.json();
  linkPath = link.path;
  const consent = { ownerId: owner.id, sharesLive: true, sharesAnalysis: true, sharesClips: false, hours: { from: '06:00', to: '05:00' }, clipRetentionDays: 3, givenAt: new Date(Date.now() - 60_000).toISOString() };
  // 06:00-05:00 (across midnight): shared all but one hour; the test must not run in it.
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
  const body = hour === 5 ? { ...consent, hours: null } : consent;
  expect((await api.request('PUT', '/api/cameras/school-gate/consent', { role: 'engineer', body })).status).toBe(200);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('camera owner page', () => {
  it('on a phone, the owner pauses sharing and live view is refused within 5 s', async () => {
    const context = await newTestContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await context.addInitScript(() => localStorage.setItem('cityops.language', 'vi'));
    const page = await context.newPage();
    await page.goto(`${api.baseUrl}${linkPath}`);
    const card = page.getByTestId('owner-camera-school-gate');
    await card.waitFor();
    expect(await card.getByTestId('sharing-state').textContent()).toBe('Đang chia sẻ');
    expect((await api.request('POST', '/api/cameras/school-gate/live', { role: 'operator' })).status).not.toBe(403);
    await screenshot(page, 'camera-owner-vi');

    await page.getByTestId('language-en').click();
    const pressedAt = Date.now();
    await card.getByTestId('owner-pause').click();
    await card.getByTestId('owner-resume').waitFor({ timeout: 5000 });
    expect(await card.getByTestId('sharing-state').textContent()).toBe('Sharing paused');

    const consent = await (await api.request('GET', '/api/cameras/school-gate/consent', { role: 'engineer' })).json();
    expect(consent.consent.sharingNow).toBe('paused');
    const live = await api.request('POST', '/api/cameras/school-gate/live', { role: 'operator' });
    expect(live.status).toBe(403);
    expect((await live.json()).error.code).toBe('not_shared');
    expect(Date.now() - pressedAt).toBeLessThan(5000);
    await screenshot(page, 'camera-owner-en-paused');
    await context.close();
  });
});
