// The field view on a phone with a poor connection, in Debian's Chromium against the real api role and
// PostgreSQL: actions taken offline wait in the outbox (IndexedDB), survive a reload, and are applied
// once each, in order, when the connection returns; a refused one is reported; a resend after a lost
// answer is not applied twice; on a throttled link the list shows at once and photos go up shrunk.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { raiseDemoAlerts, seedFieldTeam } from './demo-data.ts';
import { ensureDashboardBuilt, launchChromium, logIn, recordExternalRequests, SCREENSHOT_DIR, startDashboardServer, newTestContext } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let teamId: number;
/** Demo alert ids: [tide, crowd, stalled vehicle, canal, congestion, salinity, soil]. */
let alertIds: number[];
const contexts: BrowserContext[] = [];
const external: string[][] = [];

interface AlertDetail {
  state: string;
  teamAcknowledgedAt: string | null;
  history: { type: string; note: string | null }[];
  notes: { text: string }[];
  photos: { width: number; height: number }[];
}

async function alertDetail(id: number): Promise<AlertDetail> {
  const response = await api.request('GET', `/api/alerts/${id}`, { role: 'admin' });
  return ((await response.json()) as { alert: AlertDetail }).alert;
}

async function auditCounts(id: number): Promise<Record<string, number>> {
  const rows = (await test.db.query(`SELECT action, count(*)::int AS count FROM audit_log WHERE entity_type = 'alert' AND entity_id = $1 GROUP BY action`, [String(id)])).rows;
  return Object.fromEntries(rows.map((row) => [row.action, row.count]));
}

async function assignToTeam(id: number) {
  const response = await api.request('POST', `/api/alerts/${id}/assign`, { role: 'operator', body: { teamId, note: 'Đội Quận 1 kiểm tra' } });
  expect(response.status).toBe(200);
}

async function fieldPhone(): Promise<Page> {
  const context = await newTestContext(browser, {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    geolocation: { latitude: 10.7769, longitude: 106.7009 },
    permissions: ['geolocation'],
  });
  contexts.push(context);
  await context.addInitScript(() => localStorage.setItem('cityops.language', 'vi'));
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log('page error:', error.message));
  external.push(recordExternalRequests(page));
  await logIn(page, api.baseUrl, 'field-user', TEST_PASSWORD);
  await page.waitForSelector('.field', { timeout: 45_000 });
  // Opening /field itself registers the service worker, which keeps the shell for offline starts.
  await page.goto(`${api.baseUrl}/field`);
  await page.waitForSelector('html[data-shell-cached=true]', { timeout: 45_000 });
  return page;
}

async function shot(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

const card = (page: Page, id: number) => page.locator(`[data-testid=field-alert][data-alert-id="${id}"]`);

async function openAlert(page: Page, id: number) {
  await card(page, id).click();
  await page.waitForSelector('[data-testid=field-detail]');
}

/** A phone camera's photo: 4000 × 3000 with texture, several MB as it comes out of the camera. */
async function phonePhoto(): Promise<Buffer> {
  const width = 4000;
  const height = 3000;
  const noise = Buffer.alloc(width * height * 3);
  for (let index = 0; index < noise.length; index++) noise[index] = (index * 2654435761) >>> 24;
  return sharp(noise, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
}

/** Waits for a condition on the server (the phone sends in the background). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  teamId = await seedFieldTeam(test.db);
  alertIds = await raiseDemoAlerts(test.db);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('the field view with a poor connection', () => {
  it('queues a confirm, a note and a resolve with a photo taken offline, keeps them through a reload, applies them once and in order when back online, and reports the one refused meanwhile', async () => {
    const [tide, crowd] = alertIds;
    await assignToTeam(tide);
    await assignToTeam(crowd);
    const page = await fieldPhone();
    await card(page, tide).waitFor({ timeout: 45_000 });
    await card(page, crowd).waitFor();

    await page.context().setOffline(true);
    await openAlert(page, tide);
    await page.click('[data-testid=field-acknowledge]');
    await page.waitForSelector('[data-testid=outbox-pending][data-count="1"]');
    await page.fill('[data-testid=field-note]', 'Đã đến hiện trường, nước ngập 20 cm');
    await page.click('[data-testid=field-add-note]');
    await page.waitForSelector('[data-testid=outbox-pending][data-count="2"]');
    await page.setInputFiles('[data-testid=field-photo]', { name: 'bo-ke.jpg', mimeType: 'image/jpeg', buffer: await phonePhoto() });
    await page.fill('[data-testid=field-note]', 'Nước đã rút, bờ kè an toàn');
    await page.click('[data-testid=field-resolve]');
    await page.waitForURL(/\/field$/);
    await page.waitForSelector('[data-testid=outbox-pending][data-count="4"]');
    await page.waitForSelector(`[data-testid=field-alert][data-alert-id="${tide}"] [data-testid=alert-pending][data-count="4"]`);

    // The crowd alert: resolved on the phone offline, and by the command room meanwhile.
    await openAlert(page, crowd);
    await page.fill('[data-testid=field-note]', 'Đám đông đã giải tán');
    await page.click('[data-testid=field-resolve]');
    await page.waitForSelector('[data-testid=outbox-pending][data-count="5"]');
    expect((await api.request('POST', `/api/alerts/${crowd}/resolve`, { role: 'operator', body: { note: 'Công an phường đã xử lý' } })).status).toBe(200);
    await shot(page, 'field-outbox-queued-vi');

    // A reload with no connection: the shell from the service worker, the list saved on the phone,
    // the queue from IndexedDB.
    await page.reload();
    await page.waitForSelector('[data-testid=field-saved-copy]', { timeout: 45_000 });
    await page.waitForSelector('[data-testid=outbox-pending][data-count="5"]');
    await card(page, tide).locator('[data-testid=alert-pending][data-count="4"]').waitFor();
    await shot(page, 'field-outbox-reloaded-offline-vi');
    const untouched = await alertDetail(tide);
    expect(untouched.state).toBe('assigned');
    expect(untouched.teamAcknowledgedAt).toBeNull();
    expect(untouched.photos).toHaveLength(0);

    await page.context().setOffline(false);
    await page.waitForSelector('[data-testid=outbox-pending]', { state: 'detached', timeout: 60_000 });
    const refused = page.locator(`[data-testid=outbox-refused][data-alert-id="${crowd}"]`);
    await refused.waitFor({ timeout: 45_000 });
    expect(await refused.getAttribute('data-action')).toBe('resolve');
    expect(await refused.textContent()).toContain('người khác thay đổi');
    await card(page, tide).waitFor({ state: 'detached', timeout: 45_000 });
    await shot(page, 'field-outbox-refused-vi');

    const applied = await alertDetail(tide);
    expect(applied.state).toBe('resolved');
    // In the order they were taken, each once.
    expect(applied.history.map((entry) => entry.type)).toEqual(['raised', 'assigned', 'team_acknowledged', 'note', 'photo', 'resolved']);
    expect(applied.notes.map((note) => note.text)).toEqual(expect.arrayContaining(['Đã đến hiện trường, nước ngập 20 cm', 'Nước đã rút, bờ kè an toàn']));
    expect(applied.notes).toHaveLength(3); // with the operator's assignment note
    // Shrunk on the phone: 4000 × 3000 became 1600 × 1200.
    expect(applied.photos).toEqual([expect.objectContaining({ width: 1600, height: 1200 })]);
    expect(await auditCounts(tide)).toMatchObject({ team_acknowledge: 1, note: 1, photo: 1, resolve: 1 });
    const keyed = await test.db.query(`SELECT request FROM idempotent_requests WHERE request LIKE $1 ORDER BY (answer->>'eventRowId')::bigint`, [`POST /api/alerts/${tide}/%`]);
    expect(keyed.rows.map((row) => row.request.split('/').at(-1))).toEqual(['acknowledge', 'notes', 'photos', 'resolve']);
    // The refused resolve changed nothing: the command room's resolve stands alone.
    const conflicted = await alertDetail(crowd);
    expect(conflicted.history.filter((entry) => entry.type === 'resolved')).toHaveLength(1);
    expect(JSON.stringify(conflicted.notes)).not.toContain('Đám đông đã giải tán');

    // The refusal stays until it has been read, through a reload too.
    await page.reload();
    await refused.waitFor();
    await page.click('[data-testid=language-en]');
    expect(await refused.textContent()).toContain('Someone else changed the alert');
    await shot(page, 'field-outbox-refused-en');
    await refused.locator('[data-testid=outbox-dismiss]').click();
    await refused.waitFor({ state: 'detached' });
    expect(external.flat()).toEqual([]);
  });

  it('applies an action once when its answer is lost on the way and the phone sends it again', async () => {
    const canal = alertIds[3];
    await assignToTeam(canal);
    const page = await fieldPhone();
    await card(page, canal).waitFor({ timeout: 45_000 });
    await openAlert(page, canal);
    // The first answer is lost after the server has applied the note (the connection drops).
    let attempts = 0;
    const keys: string[] = [];
    await page.route(`**/api/alerts/${canal}/notes`, async (route) => {
      attempts++;
      keys.push(route.request().headers()['idempotency-key']);
      if (attempts === 1) {
        await route.fetch();
        await route.abort('connectionreset');
      } else {
        await route.continue();
      }
    });
    await page.fill('[data-testid=field-note]', 'Mương thoát nước bị rác chặn');
    await page.click('[data-testid=field-add-note]');
    await page.waitForSelector('[data-testid=outbox-pending][data-count="1"]');
    await shot(page, 'field-outbox-retrying-vi');
    // Sent again by the retry timer or by hand, whichever comes first.
    await page.click('[data-testid=outbox-send-now]').catch(() => {});
    await page.waitForSelector('[data-testid=outbox-pending]', { state: 'detached', timeout: 60_000 });
    expect(attempts).toBe(2);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[1]).toBe(keys[0]);
    const detail = await alertDetail(canal);
    expect(detail.notes.filter((note) => note.text === 'Mương thoát nước bị rác chặn')).toHaveLength(1);
    expect(detail.history.filter((entry) => entry.type === 'note')).toHaveLength(1);
    expect((await auditCounts(canal)).note).toBe(1);
  });

  it('stays usable on a 400 kbit/s link with 400 ms latency: the list shows at once and a camera photo goes up shrunk', async () => {
    const congestion = alertIds[4];
    await assignToTeam(congestion);
    const page = await fieldPhone();
    await card(page, congestion).waitFor({ timeout: 45_000 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    // 400 kbit/s = 50 000 bytes/s each way.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400, downloadThroughput: 50_000, uploadThroughput: 50_000 });
    const started = Date.now();
    await page.reload();
    await card(page, congestion).waitFor({ timeout: 60_000 });
    const listShownMs = Date.now() - started;
    await shot(page, 'field-slow-list-vi');

    await openAlert(page, congestion);
    const photo = await phonePhoto();
    await page.setInputFiles('[data-testid=field-photo]', { name: 'ket-xe.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.fill('[data-testid=field-note]', 'Đã phân luồng, xe lưu thông chậm');
    const tapped = Date.now();
    await page.click('[data-testid=field-resolve]');
    await page.waitForURL(/\/field$/, { timeout: 60_000 });
    const detail = await eventually(() => alertDetail(congestion), (alert) => alert.state === 'resolved', 120_000);
    const resolvedMs = Date.now() - tapped;
    expect(detail.photos).toEqual([expect.objectContaining({ width: 1600, height: 1200 })]);
    // The stored bytes are the bytes sent: the server keeps the upload as it came.
    const sentBytes = Number((await test.db.query(`SELECT octet_length(bytes) AS size FROM alert_media WHERE alert_id = $1 AND kind = 'photo'`, [congestion])).rows[0].size);
    expect(sentBytes).toBeLessThan(photo.length / 4);
    console.log(
      `400 kbit/s, 400 ms: list on screen ${listShownMs} ms after reload; camera photo ${(photo.length / 1e6).toFixed(1)} MB sent as ${(sentBytes / 1e3).toFixed(0)} kB; resolved ${resolvedMs} ms after the tap`,
    );
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  });
});
