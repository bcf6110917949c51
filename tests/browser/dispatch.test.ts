// Dispatching a team to an incident, end to end in Debian's Chromium against the real api role and
// PostgreSQL: a call logged in the hotline form opens a fire; the field phone of the nearest team is on duty with a faked
// position; the dispatcher sees that team proposed first and assigns it (after finding that another
// dispatcher was first, and sending it instead); the phone shows the incident without a reload, with
// the distance and direction from itself; the acknowledgement deadline passes: the phone is reminded and
// the command room sees the escalation banner, on any page; the phone acknowledges and arrives; the team
// resolves it from the phone, with the photo a fire needs; the response figures count it. In
// Vietnamese and in English. Also: an acknowledgement made without signal waits on the phone and is
// sent when it returns; a missed arrival is answered from the banner in one click; the phone's position
// refusals (an impossible jump, off duty on the server) are shown, not retried forever. Screenshots in
// /tmp/dispatch-shots/.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { waitFor } from '../support/wait.ts';
import { addUser, userId } from '../alerts/support/people.ts';
import { ensureDashboardBuilt, launchChromium, logIn, newTestContext, openSignedIn, startDashboardServer } from './harness.ts';

const SHOTS = '/tmp/dispatch-shots';
/** Metres north of a point, in degrees of latitude. */
const north = (metres: number) => metres / 111_195;
/** A warehouse fire by the Saigon river, District 1. */
const FIRE = { lat: 10.7745, lon: 106.7045 };
/** The near team's phone: 300 m north of the fire. */
const NEAR_PHONE = { latitude: FIRE.lat + north(300), longitude: FIRE.lon };

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let nearTeam: number;
let farTeam: number;
let fieldUserId: number;
const contexts: BrowserContext[] = [];

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function call(method: string, url: string, body?: unknown, role: 'operator' | 'admin' = 'operator') {
  const response = await api.request(method, url, { role, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function addTeam(name: string, memberId: number): Promise<number> {
  const created = await call('POST', '/api/teams', { name, districtId: 'quan-1', incidentKinds: ['fire', 'traffic_accident'] }, 'admin');
  expect(created.status).toBe(201);
  expect((await call('PUT', `/api/teams/${created.body.team.id}/members/${memberId}`, undefined, 'admin')).status).toBe(200);
  return created.body.team.id;
}

/** The near team's phone, logged in as `field-user`, with the browser's location faked and allowed. */
async function fieldPhone(language: 'vi' | 'en'): Promise<Page> {
  const context = await newTestContext(browser, {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    geolocation: { ...NEAR_PHONE, accuracy: 8 },
    permissions: ['geolocation'],
    timezoneId: 'Europe/Paris',
  });
  contexts.push(context);
  await context.addInitScript((chosen) => localStorage.setItem('cityops.language', chosen), language);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log('phone page error:', error.message));
  await logIn(page, api.baseUrl, 'field-user', TEST_PASSWORD);
  await page.waitForSelector('[data-testid=duty]');
  return page;
}

async function storedPosition(): Promise<{ on_duty: boolean; lat: number | null; measured_at: Date | null } | undefined> {
  return (await test.db.query(`SELECT on_duty, lat, measured_at FROM field_positions WHERE user_id = $1`, [fieldUserId])).rows[0];
}

async function goOnDuty(phone: Page) {
  await phone.click('[data-testid=duty-switch]');
  await phone.waitForSelector('[data-testid=duty-consent]');
  await phone.click('[data-testid=duty-consent-accept]');
  await phone.waitForSelector('[data-testid=duty][data-on-duty=true]');
  // The first position reaches the server through the outbox.
  await waitFor('the phone\'s position on the server', async () => {
    const row = await storedPosition();
    return row?.on_duty && row.lat !== null && Math.abs(row.lat - NEAR_PHONE.latitude) < 1e-6;
  });
}

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  fieldUserId = await userId(test.db, 'field-user');
  const farUser = await addUser(test.db, api, 'field-far', 'field');
  nearTeam = await addTeam('Đội PCCC Bến Nghé', fieldUserId);
  farTeam = await addTeam('Đội PCCC Thủ Thiêm', farUser.id);
  // The far team's phone, through the API: on duty 1.5 km north of the fire.
  const asFar = (method: string, url: string, body: unknown) => api.request(method, url, { cookie: farUser.cookie, body });
  expect((await asFar('PUT', '/api/field/duty', { onDuty: true })).status).toBe(200);
  expect((await asFar('POST', '/api/field/position', { lat: FIRE.lat + north(1500), lon: FIRE.lon, accuracyM: 10 })).status).toBe(200);
  // A fire reported by phone (critical) is resolved with a photo of the scene afterwards.
  await test.db.query(`INSERT INTO dispatch_policies (kind, severity, acknowledge_seconds, arrive_seconds, step_seconds, requires_photo) VALUES ('fire', 'critical', 60, 600, 60, true)`);
  browser = await launchChromium();
}, 240_000);

/** A phone photo of the scene after the fire (what the team brings back). */
const scenePhoto = () =>
  sharp({ create: { width: 1200, height: 900, channels: 3, background: { r: 90, g: 80, b: 70 } } })
    .jpeg()
    .toBuffer();

/** Logs the call through the hotline form with the keyboard; answers the incident it opened. */
async function logCallInForm(desk: Page, said: string): Promise<number> {
  await desk.click('[data-testid=nav-incidents]');
  await desk.click('[data-testid=open-hotline]');
  await desk.waitForSelector('[data-testid=hotline-form]');
  await desk.keyboard.press('2'); // 114, fire and rescue
  await desk.waitForSelector('[data-testid=hotline-line][data-line="114"]');
  await desk.selectOption('[data-testid=hotline-kind]', 'fire');
  await desk.fill('[data-testid=hotline-address]', '2 Tôn Đức Thắng, Bến Nghé');
  await desk.fill('[data-testid=hotline-coordinates]', `${FIRE.lat}, ${FIRE.lon}`);
  await desk.fill('[data-testid=hotline-said]', said);
  await desk.keyboard.press('Control+Enter');
  const saved = desk.locator('[data-testid=hotline-saved][data-joined=false]');
  await saved.waitFor();
  return Number(await saved.getAttribute('data-incident-id'));
}

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe.each(['vi', 'en'] as const)('dispatching the nearest team (%s)', (language) => {
  it('proposes the nearest team first, assigns it, reaches its phone live, escalates a missed deadline to both screens, records the answers, is resolved with a photo and counted in the figures', async () => {
    const phone = await fieldPhone(language);
    await goOnDuty(phone);
    await shot(phone, `${language}-01-phone-on-duty`);

    // Signed in with the API's session on a light page: the test goes to the incidents through the menu.
    const desk = await openSignedIn(browser, api, 'operator', '/account', { language });
    contexts.push(desk.context());
    desk.on('pageerror', (error) => console.log('desk page error:', error.message));
    // While its view of the incident is held back, another dispatcher sends the far team first.
    let holdDispatch = false;
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    await desk.route('**/api/incidents/*/dispatch', async (route) => {
      if (holdDispatch) await released;
      await route.continue();
    });
    const incidentId = await logCallInForm(desk, 'Cháy kho hàng gần bến tàu, khói rất lớn');
    expect((await call('GET', `/api/incidents/${incidentId}`)).body.incident).toMatchObject({ kind: 'fire', state: 'open', callCount: 1 });
    await desk.click('[data-testid=hotline-open-incident]');
    await desk.waitForSelector(`[data-testid=incident-page][data-incident-id="${incidentId}"]`);
    const first = desk.locator('[data-testid=dispatch-candidate][data-rank="1"]');
    await first.waitFor();
    expect(await first.getAttribute('data-team-id')).toBe(String(nearTeam));
    expect(await first.getAttribute('class')).toContain('proposed');
    expect(Number(await first.locator('[data-testid=candidate-distance]').getAttribute('data-metres'))).toBe(300);
    expect(await desk.locator('[data-testid=dispatch-candidate][data-rank="2"]').getAttribute('data-team-id')).toBe(String(farTeam));
    expect(await first.textContent()).toContain(language === 'vi' ? 'cách 300 m về phía Bắc' : '300 m to the north');
    await shot(desk, `${language}-02-desk-candidates`);

    holdDispatch = true;
    expect((await call('POST', `/api/incidents/${incidentId}/assign`, { teamId: farTeam }, 'admin')).status).toBe(200);
    const refused = desk.waitForResponse((response) => response.url().endsWith(`/api/incidents/${incidentId}/assign`) && response.request().method() === 'POST');
    await first.locator('[data-testid=dispatch-assign]').click();
    expect((await refused).status()).toBe(409);
    holdDispatch = false;
    release();
    const outcome = desk.locator('[data-testid=dispatch-outcome][data-ok=false]');
    await outcome.waitFor();
    expect(await outcome.textContent()).toContain(language === 'vi' ? 'admin-user đã giao Đội PCCC Thủ Thiêm' : 'admin-user assigned Đội PCCC Thủ Thiêm');
    await desk.locator('[data-testid=active-assignment]').waitFor();
    expect(await desk.locator('[data-testid=assigned-team]').textContent()).toBe('Đội PCCC Thủ Thiêm');
    await shot(desk, `${language}-03-desk-another-dispatcher-was-first`);

    // Sending the near team instead is a second, deliberate step.
    await desk.locator(`[data-testid=dispatch-candidate][data-team-id="${nearTeam}"] [data-testid=dispatch-replace]`).click();
    await desk.waitForSelector('[data-testid=replace-confirm]');
    await shot(desk, `${language}-04-desk-replace-confirm`);
    const confirmedAt = Date.now();
    await desk.click('[data-testid=replace-confirm-yes]');
    const card = phone.locator(`[data-testid=field-incident][data-incident-id="${incidentId}"]`);
    await card.waitFor({ timeout: 10_000 });
    const shownAfterMs = Date.now() - confirmedAt;
    console.log(`${language}: the phone showed the assignment ${shownAfterMs} ms after the dispatcher's click`);
    expect(shownAfterMs).toBeLessThan(2_000);
    await desk.waitForSelector(`[data-testid=active-assignment][data-team-id="${nearTeam}"]`);
    await desk.waitForSelector('[data-testid=past-assignment]');
    // From the phone: 300 m, towards the south, and a link for the phone's map app.
    const distance = card.locator('[data-testid=incident-distance]');
    expect(Number(await distance.getAttribute('data-metres'))).toBe(300);
    expect(Number(await distance.getAttribute('data-bearing'))).toBe(180);
    expect(await distance.textContent()).toContain(language === 'vi' ? '300 m · hướng Nam' : '300 m · to the south');
    expect(await card.locator('[data-testid=incident-map-link]').getAttribute('href')).toBe(`geo:${FIRE.lat.toFixed(6)},${FIRE.lon.toFixed(6)}?q=${FIRE.lat.toFixed(6)},${FIRE.lon.toFixed(6)}`);
    expect(await card.locator('[data-testid=incident-osm-link]').getAttribute('href')).toMatch(/^https:\/\/www\.openstreetmap\.org\/\?mlat=10\.774500&mlon=106\.704500/);
    expect(await card.locator('[data-testid=field-deadline-acknowledge]').getAttribute('data-state')).toMatch(/waiting|soon/);
    await shot(phone, `${language}-05-phone-assigned`);

    // The dispatcher goes back to the map; the deadline to acknowledge passes.
    await desk.goto(`${api.baseUrl}/`);
    await desk.waitForSelector('.shell');
    await test.db.query(`UPDATE incident_assignments SET acknowledge_by = now() - interval '10 minutes' WHERE incident_id = $1 AND ended_at IS NULL`, [incidentId]);
    await card.locator('[data-testid=incident-reminder][data-deadline=acknowledge]').waitFor({ timeout: 15_000 });
    await shot(phone, `${language}-06-phone-reminded`);
    const banner = desk.locator(`[data-testid=escalation-banner][data-incident-id="${incidentId}"][data-step=next_team]`);
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.locator('[data-testid=escalation-assign]').getAttribute('data-team-id')).toBe(String(farTeam));
    await shot(desk, `${language}-07-desk-escalation-banner`);
    // Opened later, the screen shows it too (GET /api/incidents/escalations), and it leaves the same way.
    await desk.reload();
    await banner.waitFor({ timeout: 15_000 });
    await shot(desk, `${language}-07b-desk-escalation-banner-reloaded`);

    // The phone acknowledges: the reminder goes, and so does the banner.
    await card.locator('[data-testid=incident-acknowledge]').click();
    await card.locator('[data-testid=incident-reminder]').waitFor({ state: 'detached' });
    await phone.waitForSelector(`[data-testid=field-incident][data-incident-id="${incidentId}"][data-acknowledged=true]`);
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    await waitFor('the acknowledgement on the server', async () => (await call('GET', `/api/incidents/${incidentId}/dispatch`)).body.assignments.at(-1).acknowledgedAt);

    await card.locator('[data-testid=incident-arrive]').click();
    await card.locator('[data-testid=incident-on-scene]').waitFor();
    // Sent, not only shown: nothing of this incident waits in the outbox.
    await card.locator('[data-testid=incident-pending]').waitFor({ state: 'detached' });
    await shot(phone, `${language}-08-phone-on-scene`);
    const detail = (await call('GET', `/api/incidents/${incidentId}`)).body;
    expect(detail.incident.state).toBe('on_scene');
    expect(detail.timeline.map((entry: { type: string }) => entry.type)).toEqual(
      expect.arrayContaining(['assigned', 'assignment_ended', 'reminder', 'supervisor_alerted', 'next_team_proposed', 'acknowledged', 'arrived']),
    );
    await desk.goto(`${api.baseUrl}/incidents/${incidentId}/dispatch`);
    await desk.waitForSelector('[data-testid=active-assignment][data-acknowledged=true][data-arrived=true]');
    // The team is there: the other teams are folded away until asked for.
    await desk.waitForSelector('[data-testid=dispatch-unfold]');
    expect(await desk.locator('[data-testid=dispatch-candidate]').count()).toBe(0);
    await shot(desk, `${language}-09-desk-on-scene`);

    // The team resolves from the phone: a fire needs a photo of the scene, asked for before sending.
    const resolveForm = card.locator('[data-testid=incident-resolve-form][data-photo-required=true]');
    await resolveForm.locator('[data-testid=incident-resolve-note]').fill(language === 'vi' ? 'Đã dập tắt đám cháy, không ai bị thương' : 'Fire out, nobody hurt');
    await resolveForm.locator('[data-testid=incident-resolve]').click();
    await resolveForm.locator('[data-testid=incident-resolve-message]').waitFor();
    expect(await resolveForm.locator('[data-testid=incident-resolve-message]').textContent()).toContain(language === 'vi' ? 'cần ảnh' : 'needs a photo');
    await resolveForm.locator('[data-testid=incident-resolve-photo]').setInputFiles({ name: 'hien-truong.jpg', mimeType: 'image/jpeg', buffer: await scenePhoto() });
    await shot(phone, `${language}-10-phone-resolving-with-photo`);
    await resolveForm.locator('[data-testid=incident-resolve]').click();
    // Resolved: the phone's card leaves by itself.
    await card.waitFor({ state: 'detached', timeout: 15_000 });
    const resolved = (await call('GET', `/api/incidents/${incidentId}`)).body;
    expect(resolved.incident.state).toBe('resolved');
    expect(resolved.photos).toHaveLength(1);
    expect(resolved.timeline.find((entry: { type: string; data?: { to?: string } }) => entry.type === 'state' && entry.data?.to === 'resolved')?.note).toMatch(/^(Đã dập tắt|Fire out)/);

    // The response figures count it: open on the figures page, then this fire's own times are in.
    await desk.click('[data-testid=nav-figures]');
    const fireRow = desk.locator('[data-testid=figures-row][data-key=fire]');
    await fireRow.waitFor();
    const resolvedFires = async () => Number((await fireRow.locator('td').nth(2).innerText()).replace(/\D/g, ''));
    expect(await resolvedFires()).toBe(language === 'vi' ? 1 : 2);
    await shot(desk, `${language}-11-desk-figures`);
    await desk.context().close();
    await phone.context().close();
  });
});

describe('an acknowledgement without signal, then a missed arrival', () => {
  it('keeps the acknowledgement on the phone until the connection returns, and sends the proposed team from the banner in one click', async () => {
    const phone = await fieldPhone('vi');
    await goOnDuty(phone);
    const logged = await call('POST', '/api/hotline/calls', { line: '114', kind: 'fire', said: 'Cháy xe máy trong hầm gửi xe', severity: 'major', address: 'Hầm gửi xe, Bến Nghé', ...FIRE });
    const incidentId: number = logged.body.incident.id;
    expect((await call('POST', `/api/incidents/${incidentId}/assign`, { teamId: nearTeam })).status).toBe(200);
    const card = phone.locator(`[data-testid=field-incident][data-incident-id="${incidentId}"]`);
    await card.waitFor({ timeout: 10_000 });

    await phone.context().setOffline(true);
    await card.locator('[data-testid=incident-acknowledge]').click();
    await card.locator('[data-testid=incident-pending][data-count="1"]').waitFor();
    await phone.waitForSelector(`[data-testid=field-incident][data-incident-id="${incidentId}"][data-acknowledged=true]`);
    await shot(phone, 'vi-12-phone-acknowledged-offline');
    const assignmentOf = async () => (await call('GET', `/api/incidents/${incidentId}/dispatch`)).body.assignments.at(-1);
    expect((await assignmentOf()).acknowledgedAt).toBeNull();
    await phone.context().setOffline(false);
    await card.locator('[data-testid=incident-pending]').waitFor({ state: 'detached', timeout: 60_000 });
    const acknowledged = await waitFor('the acknowledgement on the server', async () => (await assignmentOf()).acknowledgedAt && (await assignmentOf()));

    // The team does not arrive in time: the command room, on any page, sends the next team in one click.
    const desk = await openSignedIn(browser, api, 'operator', '/account', { language: 'vi' });
    contexts.push(desk.context());
    await test.db.query(`UPDATE incident_assignments SET arrive_by = now() - interval '10 minutes' WHERE id = $1`, [acknowledged.id]);
    await card.locator('[data-testid=incident-reminder][data-deadline=arrive]').waitFor({ timeout: 15_000 });
    const banner = desk.locator(`[data-testid=escalation-banner][data-incident-id="${incidentId}"][data-step=next_team]`);
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toContain('chưa có mặt tại hiện trường');
    await shot(desk, 'vi-13-desk-arrival-escalated');
    await banner.locator(`[data-testid=escalation-assign][data-team-id="${farTeam}"]`).click();
    await banner.waitFor({ state: 'detached' });
    expect(await assignmentOf()).toMatchObject({ teamId: farTeam, endedAt: null });
    // The late team's phone is told it is released.
    await card.waitFor({ state: 'detached', timeout: 10_000 });
    expect((await call('POST', `/api/incidents/${incidentId}/state`, { state: 'resolved' })).status).toBe(200);
    await desk.context().close();
    await phone.context().close();
  });
});

describe('the phone\'s position refused by the server', () => {
  it('shows an impossible jump and an off-duty refusal, keeps the last good position, and turns the switch off', async () => {
    const phone = await fieldPhone('vi');
    await goOnDuty(phone);
    const before = await storedPosition();

    // 40 km in a few seconds: a GPS glitch. Refused (400), shown, not queued again.
    await phone.context().setGeolocation({ latitude: NEAR_PHONE.latitude + north(40_000), longitude: NEAR_PHONE.longitude, accuracy: 8 });
    const jump = phone.locator('[data-testid=outbox-refused][data-subject=position]');
    await jump.waitFor({ timeout: 45_000 });
    expect(await jump.textContent()).toContain('Vị trí bị từ chối');
    expect((await storedPosition())?.lat).toBe(before?.lat);
    await shot(phone, 'vi-10-phone-position-refused');
    await jump.locator('[data-testid=outbox-dismiss]').click();

    // The server has the user off duty (ended elsewhere): the next report is refused (409) and the switch follows.
    await test.db.query(`UPDATE field_positions SET on_duty = false WHERE user_id = $1`, [fieldUserId]);
    await phone.context().setGeolocation({ latitude: NEAR_PHONE.latitude + north(120), longitude: NEAR_PHONE.longitude, accuracy: 8 });
    await phone.waitForSelector('[data-testid=duty][data-on-duty=false]', { timeout: 45_000 });
    const offDuty = phone.locator('[data-testid=outbox-refused][data-subject=position]');
    expect(await offDuty.textContent()).toContain('ngoài ca trực');
    await shot(phone, 'vi-11-phone-off-duty-refused');

    // On duty again, then off by the switch: the server forgets the position.
    await phone.context().setGeolocation({ ...NEAR_PHONE, accuracy: 8 });
    await phone.click('[data-testid=duty-switch]');
    await phone.click('[data-testid=duty-consent-accept]');
    await phone.waitForSelector('[data-testid=duty][data-on-duty=true]');
    await waitFor('on duty on the server', async () => (await storedPosition())?.on_duty);
    await phone.click('[data-testid=duty-switch]');
    await phone.waitForSelector('[data-testid=duty][data-on-duty=false]');
    await waitFor('the position forgotten', async () => {
      const row = await storedPosition();
      return row && !row.on_duty && row.lat === null;
    });
  });
});
