// The engineer's health page shows the server components that are not working normally (from /readyz),
// in Vietnamese and in English, in a real browser against the real api role.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHealth } from '../../core/health.ts';
import type { TestApi } from '../support/api.ts';
import { startTestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ensureDashboardBuilt, launchChromium, openLoggedIn } from '../browser/harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
const degradedName = `sensor-ingest-view-${process.pid}`;

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startTestApi(test);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  componentHealth.remove(degradedName);
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('system health view', () => {
  it('lists a degraded component with its state in Vietnamese and English', async () => {
    // This test process is the api's process: its registry is the one /readyz reads.
    componentHealth.set(degradedName, 'degraded');
    const readiness = await (await fetch(`${api.baseUrl}/readyz`)).json();
    expect(readiness).toMatchObject({ status: 'degraded', components: expect.arrayContaining([expect.objectContaining({ name: degradedName, state: 'degraded' })]) });

    for (const [language, label] of [['vi', 'Suy giảm'], ['en', 'Degraded']] as const) {
      const page = await openLoggedIn(browser, api.baseUrl, 'engineer-user', { language });
      await page.goto(`${api.baseUrl}/engineer/health`);
      const row = page.locator(`[data-testid="system-component-${degradedName}"]`);
      await row.waitFor();
      expect(await row.innerText()).toContain(label);
      // Components that are fine are counted, not listed.
      expect(await page.locator('[data-testid=system-health] tbody tr').count()).toBe(readiness.components.filter((component: { state: string }) => component.state !== 'ok').length);
      await page.context().close();
    }
  }, 180_000);
});
