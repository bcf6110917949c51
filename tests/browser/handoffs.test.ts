// Handing an incident to an agency from its page, in Debian's Chromium against the real api role: the
// routing rule's proposals (the district's own drainage company before a city-wide one), a hand-off
// delivered to the agency's real HTTP server, the confirmation recorded with who gave it; in Vietnamese
// and English, and nothing to click for a viewer. Screenshots in /tmp/handoff-shots/ (HANDOFF_SHOTS_DIR).
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { addDistrict } from '../alerts/support/fixtures.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn } from './harness.ts';

const SHOTS = process.env.HANDOFF_SHOTS_DIR ?? '/tmp/handoff-shots';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let agencyServer: Server;
let agencyUrl: string;
const received: string[] = [];
const pages: Page[] = [];

async function ok(method: string, url: string, role: 'admin' | 'operator', body?: unknown) {
  const response = await api.request(method, url, { role, body });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startTestApi(test, { ASSET_MIRROR_DIR: assetMirrorDir() });
  await addDistrict(test.db, 'q7');
  agencyServer = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push(body);
      response.statusCode = 202;
      response.end();
    });
  });
  await new Promise<void>((resolve) => agencyServer.listen(0, '127.0.0.1', resolve));
  agencyUrl = `http://127.0.0.1:${(agencyServer.address() as AddressInfo).port}/cityops?key=secret-key`;
  await ok('POST', '/api/agencies', 'admin', { name: 'Thoát nước Quận 7', kind: 'drainage_company', districtIds: ['q7'], incidentKinds: ['flooding'], delivery: 'webhook', webhookUrl: agencyUrl });
  await ok('POST', '/api/agencies', 'admin', { name: 'Trung tâm Chống ngập TP', kind: 'drainage_company', incidentKinds: ['flooding'], delivery: 'team' });
  await ok('POST', '/api/agencies', 'admin', { name: 'Điện lực Quận 1', kind: 'power_company', incidentKinds: ['infrastructure_fault'], delivery: 'team' });
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  for (const page of pages) await page.context().close().catch(() => {});
  await browser?.close();
  await new Promise((resolve) => agencyServer?.close(resolve));
  await api?.stop();
  await test?.drop();
});

describe('handing an incident to an agency', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`proposes the district's agency first, delivers to it and records who confirmed (${language})`, async () => {
      const { incident } = await ok('POST', '/api/hotline/calls', 'operator', { line: '1022', kind: 'flooding', said: 'Ngập 40 cm', districtId: 'q7', address: 'Nguyễn Hữu Thọ' });
      // Signed in with the API's session, straight on the incident (the login form lands on the map).
      const page = await openSignedIn(browser, api, 'operator', `/incidents/${incident.id}`, { language });
      pages.push(page);
      const panel = page.locator('[data-testid=handoff-panel]');
      await panel.waitFor();
      const proposals = panel.locator('.handoff-proposal strong');
      await expect.poll(() => proposals.allInnerTexts()).toEqual(['Thoát nước Quận 7', 'Trung tâm Chống ngập TP']);
      expect(await panel.innerText()).not.toContain('secret-key');

      const before = received.length;
      await panel.locator('.handoff-proposal').first().locator('button').click();
      const state = panel.locator('[data-testid=handoff-state]').first();
      await expect.poll(() => state.innerText(), { timeout: 15_000 }).toBe(language === 'vi' ? 'Đã gửi tới cơ quan' : 'Delivered');
      expect(received.length).toBe(before + 1);
      expect(JSON.parse(received.at(-1)!).incident.id).toBe(incident.id);

      await panel.locator('.handoff-confirm input').fill('Chị Hoa, trực ban');
      await panel.locator('.handoff-confirm button').click();
      await expect.poll(() => state.innerText()).toContain('Chị Hoa, trực ban');
      await page.screenshot({ path: path.join(SHOTS, `handoff-${language}.png`) });
    }, 120_000);
  }

  it('shows a viewer the handoffs with nothing to click', async () => {
    const { incident } = await ok('POST', '/api/hotline/calls', 'operator', { line: '1022', kind: 'flooding', said: 'Ngập', districtId: 'q7', address: 'Huỳnh Tấn Phát' });
    const page = await openSignedIn(browser, api, 'viewer', `/incidents/${incident.id}`, { language: 'en' });
    pages.push(page);
    const panel = page.locator('[data-testid=handoff-panel]');
    await panel.waitFor();
    await expect.poll(() => panel.locator('.handoff-proposal').count()).toBe(2);
    expect(await panel.locator('button').count()).toBe(0);
  }, 120_000);
});
