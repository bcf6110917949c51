// Residents' reports through the REST API, against the real api role, PostgreSQL, sharp and ffmpeg: a
// report opens or joins an incident (with the tide alert beside it), the stored photo keeps no EXIF and
// the clip no sound or metadata, the resident sees only what they may, operators reject spam and the
// resident is told why, a resolved report is rated once, contacts are deleted after REPORT_CONTACT_DAYS,
// and bad input (not an image, 45 MB, a broken clip, outside the city, a flood from one address) gets a
// clear answer without losing anything else.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import type { PublicReportView, ReportReceipt, ReportView } from '../../contract/citizen-reports.ts';
import type { IncidentView } from '../../contract/incidents.ts';
import { createMediaStore, hourDirectoryOf } from '../../core/media-store.ts';
import { deleteExpiredContacts } from '../../dashboard/server/citizen-reports/contact-retention.ts';
import { deleteOrphanMedia } from '../../dashboard/server/citizen-reports/media-sweep.ts';
import { stripJpegMetadata } from '../../dashboard/server/citizen-reports/report-media.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { waitFor } from '../support/wait.ts';
import { addDistrict, addSensor, uniqueId } from '../alerts/support/fixtures.ts';

const run = promisify(execFile);
let test: TestDatabase;
let api: TestApi;
let raiser: ReturnType<typeof createAlertRaiser>;
let sensorId: string;
let workDir: string;
let photoWithGps: Buffer;

/** Metres north of a point, in degrees of latitude. */
const north = (metres: number) => metres / 111_195;
/** Each test works in its own part of the city and from its own network address. */
let nextSpot = 0;
const spot = () => ({ lat: 10.70 + 0.05 * nextSpot, lon: 106.60 + 0.05 * nextSpot++ });
let nextAddress = 10;
const address = () => `203.0.113.${nextAddress++}`;

interface ReportFields {
  category?: string;
  lat?: number | string;
  lon?: number | string;
  description?: string;
  contact?: string;
  deviceId?: string;
}

/** POST /api/public/reports as the page sends it: multipart, from `from`, with an Idempotency-Key. */
async function send(fields: ReportFields, files: { photos?: Buffer[]; clip?: Buffer } = {}, options: { from?: string; key?: string; deviceHeader?: string } = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ category: 'flooding', description: '', ...fields })) if (value !== undefined) form.append(name, String(value));
  for (const photo of files.photos ?? []) form.append('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'photo.jpg');
  if (files.clip) form.append('clip', new Blob([new Uint8Array(files.clip)], { type: 'video/mp4' }), 'clip.mp4');
  const response = await fetch(`${api.baseUrl}/api/public/reports`, {
    method: 'POST',
    headers: {
      'x-forwarded-for': options.from ?? address(),
      'idempotency-key': options.key ?? uniqueId('report-key'),
      ...(options.deviceHeader ? { 'x-device-id': options.deviceHeader } : {}),
    },
    body: form,
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}
const publicGet = async (code: string): Promise<{ status: number; body: PublicReportView }> => {
  const response = await fetch(`${api.baseUrl}/api/public/reports/${code}`, { headers: { 'x-forwarded-for': address() } });
  return { status: response.status, body: await response.json() };
};
const get = async (path: string, role: 'operator' | 'viewer' | 'field' = 'operator') => {
  const response = await api.request('GET', path, { role });
  return { status: response.status, body: await response.json() };
};
const post = async (path: string, body: unknown, role: 'operator' | 'viewer' | 'field' = 'operator') => {
  const response = await api.request('POST', path, { role, body });
  return { status: response.status, body: await response.json() };
};
const reportOf = async (code: string): Promise<ReportView> => {
  const { rows } = await test.db.query(`SELECT id FROM citizen_reports WHERE code = $1`, [code]);
  return (await get(`/api/reports/${rows[0].id}`)).body.report;
};
const incident = async (id: number): Promise<IncidentView> => (await get(`/api/incidents/${id}`)).body.incident;

beforeAll(async () => {
  test = await createTestDatabase();
  // The tests speak from many addresses through a trusted proxy (the loopback), so one test's rate limit never touches another's.
  api = await startTestApi(test, { TRUST_PROXY: 'loopback', REPORTS_PER_MINUTE_PER_ADDRESS: '30', REPORTS_PER_MINUTE_PER_DEVICE: '1000' });
  raiser = createAlertRaiser({ db: test.db });
  const districtId = await addDistrict(test.db, undefined, { type: 'Polygon', coordinates: [[[106.5, 10.6], [108.5, 10.6], [108.5, 12.5], [106.5, 12.5], [106.5, 10.6]]] });
  sensorId = await addSensor(test.db, districtId);
  workDir = await mkdtemp(path.join(tmpdir(), 'cityops-reports-test-'));
  // A phone's photo: EXIF with the place it was taken and the phone that took it.
  photoWithGps = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#3a6ea5' } })
    .jpeg()
    .withExif({ IFD0: { Make: 'PhoneMaker', Model: 'SerialModel-123456', Artist: 'Nguyen Van Secret' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '10/1 46/1 30/1', GPSLongitudeRef: 'E', GPSLongitude: '106/1 42/1 10/1' } })
    .toBuffer();
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await test?.drop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('a report becomes a source of an incident', () => {
  it('opens an incident, keeps no EXIF in its photo, shows the resident only what they may see', async () => {
    expect(photoWithGps.includes(Buffer.from('Exif'))).toBe(true);
    const place = spot();
    const sent = await send({ ...place, description: 'Nước ngập tới đầu gối <script>alert(1)</script>', contact: '0903 123 456' }, { photos: [photoWithGps] });
    expect(sent.status).toBe(201);
    const receipt = sent.body as ReportReceipt;
    expect(receipt).toMatchObject({ state: 'received', trackingPath: `/report/${receipt.code}` });
    expect(receipt.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);

    const report = await reportOf(receipt.code);
    expect(report).toMatchObject({ category: 'flooding', contact: '0903 123 456', photoCount: 1, publicState: 'received' });
    expect(await incident(report.incidentId)).toMatchObject({ kind: 'flooding', state: 'open', reportCount: 1 });
    // The contact is encrypted at rest, and a viewer does not see it.
    const stored = await test.db.query(`SELECT contact_encrypted FROM citizen_reports WHERE id = $1`, [report.id]);
    expect(stored.rows[0].contact_encrypted).not.toContain('0903');
    expect((await get(`/api/reports/${report.id}`, 'viewer')).body.report.contact).toBeNull();

    // The stored photo: the same picture, without EXIF (no GPS, no phone, no owner).
    const photo = Buffer.from(await (await fetch(`${api.baseUrl}/api/public/reports/${receipt.code}/photos/0`)).arrayBuffer());
    const metadata = await sharp(photo).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
    expect(metadata.exif).toBeUndefined();
    for (const secret of ['Exif', 'PhoneMaker', 'SerialModel', 'Nguyen Van Secret']) expect(photo.includes(Buffer.from(secret))).toBe(false);

    // The resident's view: their words as text, no contact, no operator.
    const view = await publicGet(receipt.code);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ state: 'received', description: 'Nước ngập tới đầu gối <script>alert(1)</script>', reportedBy: 1, photoPaths: [`/api/public/reports/${receipt.code}/photos/0`] });
    expect(JSON.stringify(view.body)).not.toContain('0903');
    // Codes are read out over the phone: lower case and without the dash still find it.
    expect((await publicGet(receipt.code.replace('-', '').toLowerCase())).body.code).toBe(receipt.code);
    // The incident's CAP message carries the description's script as text.
    const cap = await (await api.request('GET', `/api/incidents/${report.incidentId}/cap`, { role: 'operator' })).text();
    expect(cap).not.toContain('<script>');
  });

  it('a second resident nearby joins the same incident; another category opens its own', async () => {
    const place = spot();
    const first = (await send({ ...place, category: 'fallen_tree' })).body as ReportReceipt;
    const second = (await send({ lat: place.lat + north(120), lon: place.lon, category: 'broken_streetlight' })).body as ReportReceipt;
    const other = (await send({ lat: place.lat + north(50), lon: place.lon, category: 'garbage' })).body as ReportReceipt;
    const [a, b, c] = await Promise.all([reportOf(first.code), reportOf(second.code), reportOf(other.code)]);
    expect(b.incidentId).toBe(a.incidentId); // both an infrastructure fault, 120 m apart
    expect(c.incidentId).not.toBe(a.incidentId);
    expect(await incident(a.incidentId)).toMatchObject({ kind: 'infrastructure_fault', reportCount: 2 });
    expect((await publicGet(first.code)).body.reportedBy).toBe(2);
    const { timeline } = (await get(`/api/incidents/${a.incidentId}`)).body;
    expect(timeline.filter((entry: { type: string }) => entry.type === 'report')).toHaveLength(2);
    expect((await get(`/api/reports?incident=${a.incidentId}`)).body.reports.map((row: ReportView) => row.code).sort()).toEqual([first.code, second.code].sort());
  });

  it('a flooding report beside an unlinked level II tide alert opens one incident holding both; a later one joins a level III incident', async () => {
    const place = spot();
    const tide = await raiser.raise({ sourceType: 'sensor', sourceId: sensorId, kind: 'sensor_level', severity: 'major', zoneId: uniqueId('level'), title: { vi: 'Triều cường', en: 'Tide level II' }, ...place });
    // Level II opens no incident by the rules: the linker leaves it alone.
    await waitFor('the linker to read the tide alert', async () => (await test.db.query(`SELECT (SELECT position FROM incident_linker_cursor) >= (SELECT max(position) FROM alert_events) AS done`)).rows[0].done);
    expect((await test.db.query(`SELECT 1 FROM incident_alerts WHERE alert_id = $1`, [tide.alertId])).rowCount).toBe(0);

    const receipt = (await send({ lat: place.lat + north(200), lon: place.lon })).body as ReportReceipt;
    const report = await reportOf(receipt.code);
    const opened = await incident(report.incidentId);
    expect(opened).toMatchObject({ kind: 'flooding', alertIds: [tide.alertId], reportCount: 1, severity: 'major' });

    const again = (await send({ lat: place.lat - north(300), lon: place.lon })).body as ReportReceipt;
    expect((await reportOf(again.code)).incidentId).toBe(report.incidentId);
  });

  it('a resend with the same Idempotency-Key answers the first code and stores nothing twice', async () => {
    const key = uniqueId('resend');
    const place = spot();
    const first = await send({ ...place }, { photos: [photoWithGps] }, { key });
    const resend = await send({ ...place }, { photos: [photoWithGps] }, { key });
    expect(first.status).toBe(201);
    expect(resend.status).toBe(200);
    expect(resend.headers.get('idempotent-replayed')).toBe('true');
    expect(resend.body.code).toBe(first.body.code);
    expect((await test.db.query(`SELECT count(*)::int AS n FROM citizen_reports WHERE submission_key = $1`, [key])).rows[0].n).toBe(1);
  });

  it('the same report sent several times at once (a phone retrying over a bad link) is stored once, and every answer gives its code', async () => {
    const key = uniqueId('resend-at-once');
    const place = spot();
    const answers = await Promise.all(Array.from({ length: 8 }, () => send({ ...place, category: 'garbage' }, { photos: [photoWithGps] }, { key })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((answer) => answer.body.code)).size).toBe(1);
    expect((await test.db.query(`SELECT count(*)::int AS n FROM citizen_reports WHERE submission_key = $1`, [key])).rows[0].n).toBe(1);
  });

  it('a burst of 24 reports sent at once (stored in shared transactions) keeps every one; the one outside the city alone is refused', async () => {
    const place = spot();
    const sends = Array.from({ length: 24 }, (_, n) =>
      n === 7 ? send({ lat: 21.03, lon: 105.85, description: 'burst outside' }) : send({ lat: place.lat + north(10 * n), lon: place.lon, category: 'garbage', description: `burst ${n}` }, { photos: [photoWithGps] }),
    );
    const answers = await Promise.all(sends);
    expect(answers.map((answer) => answer.status)).toEqual(answers.map((_, n) => (n === 7 ? 400 : 201)));
    expect(answers[7].body.error.field).toBe('lat');
    const codes = answers.filter((answer) => answer.status === 201).map((answer) => (answer.body as ReportReceipt).code);
    expect(new Set(codes).size).toBe(23);
    // Every accepted report is stored with its photo and its timeline line, and counted by its incident.
    const stored = await test.db.query(
      `SELECT r.code, r.incident_id, (SELECT count(*) FROM citizen_report_media m WHERE m.report_id = r.id) AS photos,
         (SELECT count(*) FROM incident_events e WHERE e.incident_id = r.incident_id AND e.type = 'report' AND e.data->>'code' = r.code) AS lines
       FROM citizen_reports r WHERE r.code = ANY($1)`,
      [codes],
    );
    expect(stored.rows.map((row) => row.code).sort()).toEqual([...codes].sort());
    expect(stored.rows.every((row) => Number(row.photos) === 1 && Number(row.lines) === 1)).toBe(true);
    // (Reports written at the same moment in different groups may each open an incident, as concurrent
    // transactions could before: what matters here is that each is counted once.)
    const incidents = await Promise.all([...new Set(stored.rows.map((row) => Number(row.incident_id)))].map(incident));
    expect(incidents.every((one) => one.kind === 'other')).toBe(true);
    expect(incidents.reduce((sum, one) => sum + one.reportCount, 0)).toBe(23);
  });

  it('a clip is stored re-encoded: video only, no sound, no metadata', async () => {
    const input = path.join(workDir, 'with-sound.mp4');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=320x240:rate=10', '-f', 'lavfi', '-i', 'sine=duration=2',
      '-metadata', 'title=Home of Nguyen Van Secret', '-metadata', 'location=+10.7765+106.7009/', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', '-y', input]);
    const receipt = (await send({ ...spot() }, { clip: await readFile(input) })).body as ReportReceipt;
    const report = await reportOf(receipt.code);
    expect(report.hasClip).toBe(true);
    const clip = Buffer.from(await (await fetch(`${api.baseUrl}/api/public/reports/${receipt.code}/clip`)).arrayBuffer());
    const stored = path.join(workDir, 'stored.mp4');
    await writeFile(stored, clip);
    const probe = JSON.parse((await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', stored])).stdout);
    expect(probe.streams.map((stream: { codec_type: string }) => stream.codec_type)).toEqual(['video']);
    expect(JSON.stringify(probe.format.tags ?? {})).not.toMatch(/Secret|location|10\.7765/);
    expect(Number(probe.format.duration)).toBeGreaterThan(1.5);
  });
});

describe('photos and clips are files of the media store, named by their rows', () => {
  const mediaDir = () => api.config.REPORT_MEDIA_DIR!;
  const filesInStore = async () => {
    const names: string[] = [];
    for (const hour of await readdir(mediaDir())) names.push(...(await readdir(path.join(mediaDir(), hour))).map((file) => `${hour}/${file}`));
    return names.sort();
  };

  it('keeps a photo as a file (no bytes in the row) and serves it; a refused or resent report leaves no file behind', async () => {
    const before = await filesInStore();
    const key = uniqueId('media-resend');
    const place = spot();
    const first = await send({ ...place }, { photos: [photoWithGps] }, { key });
    expect(first.status).toBe(201);
    const row = (await test.db.query(`SELECT m.file_name, m.bytes FROM citizen_report_media m JOIN citizen_reports r ON r.id = m.report_id WHERE r.code = $1`, [first.body.code])).rows[0];
    expect(row.bytes).toBeNull();
    expect(await filesInStore()).toEqual([...before, row.file_name].sort());
    const served = Buffer.from(await (await fetch(`${api.baseUrl}/api/public/reports/${first.body.code}/photos/0`)).arrayBuffer());
    expect(served.equals(await readFile(path.join(mediaDir(), row.file_name)))).toBe(true);

    // Refused after its photo was cleaned and written (outside the city), and the same report sent again.
    expect((await send({ lat: 21.03, lon: 105.85 }, { photos: [photoWithGps] })).status).toBe(400);
    expect((await send({ ...place }, { photos: [photoWithGps] }, { key })).status).toBe(200);
    expect(await filesInStore()).toEqual([...before, row.file_name].sort());
  });

  it('serves a photo stored in its row before the media files, and a clip by byte range', async () => {
    const receipt = (await send({ ...spot() })).body as ReportReceipt;
    const { id } = await reportOf(receipt.code);
    const oldPhoto = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).jpeg().toBuffer();
    await test.db.query(`INSERT INTO citizen_report_media (report_id, kind, position, content_type, width, height, bytes) VALUES ($1, 'photo', 0, 'image/jpeg', 8, 8, $2)`, [id, oldPhoto]);
    const response = await api.request('GET', `/api/reports/${id}/photos/0`, { role: 'viewer' });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(oldPhoto)).toBe(true);

    const input = path.join(workDir, 'ranged.mp4');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=1:size=160x120:rate=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-y', input]);
    const withClip = (await send({ ...spot() }, { clip: await readFile(input) })).body as ReportReceipt;
    const whole = await fetch(`${api.baseUrl}/api/public/reports/${withClip.code}/clip`);
    const size = (await whole.arrayBuffer()).byteLength;
    const part = await fetch(`${api.baseUrl}/api/public/reports/${withClip.code}/clip`, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${size}`);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
  });

  it('the sweep deletes files no report names once their hour is over an hour past, keeps the rest; a row whose file is gone answers 404', async () => {
    const store = createMediaStore(mediaDir());
    const receipt = (await send({ ...spot() }, { photos: [photoWithGps] })).body as ReportReceipt;
    const { id: reportId } = await reportOf(receipt.code);
    // Yesterday's files, as if written then: the report's photo, and one whose report never committed.
    const oldHour = hourDirectoryOf(new Date(Date.now() - 86_400_000));
    await mkdir(path.join(mediaDir(), oldHour), { recursive: true });
    const current = (await test.db.query(`SELECT file_name FROM citizen_report_media WHERE report_id = $1`, [reportId])).rows[0].file_name;
    const named = `${oldHour}/${path.basename(current)}`;
    await rename(path.join(mediaDir(), current), path.join(mediaDir(), named));
    await test.db.query(`UPDATE citizen_report_media SET file_name = $2 WHERE report_id = $1`, [reportId, named]);
    const oldOrphan = `${oldHour}/${'0f'.repeat(16)}.jpg`;
    await writeFile(path.join(mediaDir(), oldOrphan), 'crashed before its COMMIT');
    const youngOrphan = (await store.put(Buffer.from('its report may be on its way'), 'jpg')).name;
    // Hours over a week old were swept when they were new: a starting process does not read them again.
    const weekOld = hourDirectoryOf(new Date(Date.now() - 8 * 86_400_000));
    await mkdir(path.join(mediaDir(), weekOld), { recursive: true });
    const ancientOrphan = `${weekOld}/${'0e'.repeat(16)}.jpg`;
    await writeFile(path.join(mediaDir(), ancientOrphan), 'left by a crash long ago');

    const swept = new Set<string>();
    expect(await deleteOrphanMedia(test.db, store, swept)).toBe(1);
    const left = await filesInStore();
    expect(left).toContain(named);
    expect(left).toContain(youngOrphan);
    expect(left).not.toContain(oldOrphan);
    expect(left).toContain(ancientOrphan);
    expect(swept.has(oldHour)).toBe(true);
    expect((await fetch(`${api.baseUrl}/api/public/reports/${receipt.code}/photos/0`)).status).toBe(200);

    await rm(path.join(mediaDir(), named));
    expect((await fetch(`${api.baseUrl}/api/public/reports/${receipt.code}/photos/0`)).status).toBe(404);
  });
});

describe('bad input gets a clear answer and nothing else is affected', () => {
  it('refuses what is not an image, a broken clip, an unknown category, a place outside the city, a fourth photo, 45 MB', async () => {
    const place = spot();
    const before = Number((await test.db.query(`SELECT count(*) FROM citizen_reports`)).rows[0].count);
    const notImage = await send({ ...place }, { photos: [Buffer.from('%PDF-1.4 this is a document, not a photo')] });
    expect(notImage).toMatchObject({ status: 400, body: { error: { code: 'not_an_image', field: 'photo' } } });
    const brokenClip = await send({ ...place }, { clip: Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypisom'), Buffer.alloc(4000, 7)]) });
    expect(brokenClip).toMatchObject({ status: 400, body: { error: { code: 'not_a_video', field: 'clip' } } });
    const category = await send({ ...place, category: 'ufo_sighting' });
    expect(category).toMatchObject({ status: 400, body: { error: { field: 'category' } } });
    expect(category.body.error.message).toContain('flooding');
    const outside = await send({ lat: 21.03, lon: 105.85 }); // Hanoi
    expect(outside).toMatchObject({ status: 400, body: { error: { field: 'lat' } } });
    expect(outside.body.error.message).toContain('outside the city');
    const noPlace = await send({ lat: 'here', lon: 106.7 });
    expect(noPlace).toMatchObject({ status: 400, body: { error: { field: 'lat' } } });
    const four = await send({ ...place }, { photos: [photoWithGps, photoWithGps, photoWithGps, photoWithGps] });
    expect(four).toMatchObject({ status: 400, body: { error: { field: 'photo' } } });
    const huge = await send({ ...place }, { clip: Buffer.alloc(45 * 1024 * 1024, 1) });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'too_large', field: 'clip' } } });
    const contact = await send({ ...place, contact: 'call me maybe' });
    expect(contact).toMatchObject({ status: 400, body: { error: { field: 'contact' } } });
    expect(Number((await test.db.query(`SELECT count(*) FROM citizen_reports`)).rows[0].count)).toBe(before);
    // And the next good report goes through.
    expect((await send({ ...place }, { photos: [photoWithGps] })).status).toBe(201);
    expect((await publicGet('ZZZZ-ZZZZ')).status).toBe(404);
    expect((await publicGet('not a code at all')).status).toBe(404);
  });

  it('a flood from one address is throttled after the limit; the first reports are kept and other addresses pass', async () => {
    const flooder = address();
    const place = spot();
    // The limit counts per clock minute: start the 40 early in a minute so they are counted in one.
    await waitFor('the first half of a minute', () => new Date().getSeconds() < 20, 61_000, 250);
    const answers = [];
    for (let i = 0; i < 40; i++) answers.push(await send({ ...place, category: 'other', description: `flood ${i}` }, {}, { from: flooder }));
    const accepted = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(accepted.length).toBe(30);
    expect(refused.length).toBe(10);
    expect(answers.slice(0, 30).every((answer) => answer.status === 201)).toBe(true); // the first ones, not random ones
    expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused[0].body.error.message).toContain('kept on your phone');
    for (const answer of accepted) expect((await publicGet(answer.body.code)).status).toBe(200);
    expect((await send({ ...place, category: 'other' })).status).toBe(201);
  }, 180_000);

  it('counts a device once per report, named in the header or the form, and refuses one over its limit before reading the upload', async () => {
    const deviceCount = async (device: string) =>
      Number((await test.db.query(`SELECT coalesce(sum(count), 0) AS count FROM request_rate_windows WHERE bucket = 'reports-device' AND key = $1`, [device])).rows[0].count);
    const [both, formOnly, headerOnly, headerSide, formSide] = ['both', 'form-only', 'header-only', 'header-side', 'form-side'].map((name) => uniqueId(`device-${name}`));
    expect((await send({ ...spot(), deviceId: both }, {}, { deviceHeader: both })).status).toBe(201);
    expect((await send({ ...spot(), deviceId: formOnly })).status).toBe(201);
    expect((await send({ ...spot() }, {}, { deviceHeader: headerOnly })).status).toBe(201);
    // Two different names: each is counted.
    expect((await send({ ...spot(), deviceId: formSide }, {}, { deviceHeader: headerSide })).status).toBe(201);
    expect(await Promise.all([both, formOnly, headerOnly, headerSide, formSide].map(deviceCount))).toEqual([1, 1, 1, 1, 1]);
    // The header's device is stored as the report's device, as the form's is.
    const stored = await test.db.query(`SELECT count(*)::int AS count FROM citizen_reports WHERE device_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')`, [headerOnly]);
    expect(stored.rows[0].count).toBe(1);

    // A device at its limit in this minute and the next: refused before its form is read (the form
    // below has no place, which would be a 400 once read), and counted.
    const full = uniqueId('device-full');
    await test.db.query(
      `INSERT INTO request_rate_windows (bucket, key, window_start, count)
       SELECT 'reports-device', $1, date_trunc('minute', now()) + m * interval '1 minute', 1000 FROM generate_series(0, 1) AS m`,
      [full],
    );
    const refused = await send({ lat: undefined, lon: undefined, deviceId: full }, {}, { deviceHeader: full });
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'too_many_attempts' } } });
    expect(refused.body.error.message).toContain('reports per device');
    // An older page names it in the form only: refused once the form is read.
    expect((await send({ ...spot(), deviceId: full })).status).toBe(429);
    // A header that is not a device id is a 400 naming it.
    const badHeader = await send({ ...spot() }, {}, { deviceHeader: 'no spaces allowed' });
    expect(badHeader.status).toBe(400);
  });
});

describe('operators and the resident follow it through', () => {
  it('an operator rejects spam with a reason: the resident sees "not accepted" and why; viewers may not reject', async () => {
    const receipt = (await send({ ...spot(), category: 'other', description: 'buy cheap phones at example.com' })).body as ReportReceipt;
    const report = await reportOf(receipt.code);
    expect((await post(`/api/reports/${report.id}/reject`, { reason: 'advertising' }, 'viewer')).status).toBe(403);
    expect((await post(`/api/reports/${report.id}/reject`, { reason: '' })).status).toBe(400);
    const rejected = await post(`/api/reports/${report.id}/reject`, { reason: 'advertising, not a problem in the street' });
    expect(rejected).toMatchObject({ status: 200, body: { incidentClosed: true, report: { publicState: 'not_accepted', rejectedBy: 'operator-user' } } });
    expect((await post(`/api/reports/${report.id}/reject`, { reason: 'again' })).status).toBe(409);
    expect((await publicGet(receipt.code)).body).toMatchObject({ state: 'not_accepted', rejection: { reason: 'advertising, not a problem in the street' } });
    expect(await incident(report.incidentId)).toMatchObject({ state: 'closed', reportCount: 0 });
    const audit = await test.db.query(`SELECT action FROM audit_log WHERE entity_type = 'citizen_report' AND entity_id = $1 ORDER BY id`, [String(report.id)]);
    expect(audit.rows.map((row) => row.action)).toEqual(['report', 'reject']);
  });

  it('resolved by a team with a note and a photo: the resident sees it, rates once, and the contact goes after REPORT_CONTACT_DAYS', async () => {
    const receipt = (await send({ ...spot(), category: 'fallen_tree', contact: 'resident@example.org' }, { photos: [photoWithGps] })).body as ReportReceipt;
    const report = await reportOf(receipt.code);
    // Rating before resolution is refused.
    const early = await fetch(`${api.baseUrl}/api/public/reports/${receipt.code}/rating`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stars: 5 }) });
    expect(early.status).toBe(409);

    const form = new FormData();
    form.append('note', 'Tree cut and removed; road open');
    form.append('photo', new Blob([new Uint8Array(await sharp({ create: { width: 64, height: 64, channels: 3, background: '#228822' } }).png().toBuffer())], { type: 'image/png' }), 'fix.png');
    const resolved = await fetch(`${api.baseUrl}/api/incidents/${report.incidentId}/resolve`, { method: 'POST', headers: { cookie: api.cookieFor('operator') }, body: form });
    expect(resolved.status).toBe(200);
    const view = (await publicGet(receipt.code)).body;
    expect(view).toMatchObject({ state: 'resolved', resolution: { note: 'Tree cut and removed; road open', photoPath: `/api/public/reports/${receipt.code}/resolution-photo` } });
    const proof = await fetch(`${api.baseUrl}${view.resolution!.photoPath}`);
    expect(proof.status).toBe(200);
    expect((await sharp(Buffer.from(await proof.arrayBuffer())).metadata()).width).toBe(64);

    const rate = (body: unknown) => fetch(`${api.baseUrl}/api/public/reports/${receipt.code}/rating`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await rate({ stars: 6 })).status).toBe(400);
    const rated = await rate({ stars: 4, comment: 'Quick, thank you' });
    expect(rated.status).toBe(201);
    expect((await rated.json()).rating).toMatchObject({ stars: 4, comment: 'Quick, thank you' });
    expect((await rate({ stars: 1 })).status).toBe(409);

    // The contact is kept for call-backs, then deleted REPORT_CONTACT_DAYS (30) after resolution.
    expect(await deleteExpiredContacts(test.db, 30)).toBe(0);
    await test.db.query(`UPDATE incidents SET resolved_at = now() - interval '31 days' WHERE id = $1`, [report.incidentId]);
    expect(await deleteExpiredContacts(test.db, 30)).toBeGreaterThanOrEqual(1);
    const after = await reportOf(receipt.code);
    expect(after.contact).toBeNull();
    expect(after.contactDeletedAt).not.toBeNull();
  });
});

describe('the JPEG metadata stripper', () => {
  it('drops APP1 (EXIF) and comments, keeps the picture bytes, refuses what is not a JPEG', async () => {
    const stripped = stripJpegMetadata(photoWithGps)!;
    expect(stripped.includes(Buffer.from('Exif'))).toBe(false);
    const [before, after] = await Promise.all([sharp(photoWithGps).raw().toBuffer(), sharp(stripped).raw().toBuffer()]);
    expect(after.equals(before)).toBe(true);
    expect(stripJpegMetadata(Buffer.from('not a jpeg'))).toBeUndefined();
    expect(stripJpegMetadata(photoWithGps.subarray(0, 30))).toBeUndefined();
  });
});
