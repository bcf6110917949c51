// Names people use (#17 part 1): districts, cameras and sensors carry their local name and, where
// people use another one, an English name; screens and feeds pick by language. A first start without
// the asset mirror still names the city's districts as people say them, and mends the id-names that
// earlier starts gave them, without touching a name an engineer chose.
import { parseStringPromise } from 'xml2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createLogger } from '../../core/logger.ts';
import { seedDemoDevices } from '../../devices/demo-seed.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let test: TestDatabase;
let api: TestApi;

const get = async (path: string) => {
  const response = await api.request('GET', path, { role: 'engineer' });
  expect(response.status, path).toBe(200);
  return response;
};

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('names people use', () => {
  it('a first start without the asset mirror names the districts as people say them, and mends the old id-names only', async () => {
    // What an earlier first start left: a district named by its id, and one an engineer renamed.
    await test.db.query(`INSERT INTO districts (id, name) VALUES ('quan-binh-thanh', 'quan binh thanh'), ('huyen-nha-be', 'Nhà Bè (khu cảng)')`);
    const config = { ...api.config, ASSET_MIRROR_DIR: undefined, SIMULATED_CAMERAS: 8, SIMULATED_SENSORS: 12 };
    await seedDemoDevices({ db: test.db, secretBox: api.secretBox, config, logger: createLogger('silent') });

    const { districts } = await (await get('/api/districts')).json();
    const byId = new Map(districts.map((district: { id: string }) => [district.id, district]));
    expect(byId.get('quan-binh-thanh')).toMatchObject({ name: 'Quận Bình Thạnh', nameEn: 'Binh Thanh District' });
    expect(byId.get('quan-1')).toMatchObject({ name: 'Quận 1', nameEn: 'District 1' });
    expect(byId.get('tp-thu-duc')).toMatchObject({ name: 'TP. Thủ Đức', nameEn: 'Thu Duc City' });
    expect(byId.get('huyen-nha-be')).toMatchObject({ name: 'Nhà Bè (khu cảng)', nameEn: null });
    for (const district of districts) expect(district.name, district.id).not.toBe(district.id.replace(/-/g, ' '));

    const renamed = await test.db.query(`SELECT entity_id, details FROM audit_log WHERE entity_type = 'district' AND action = 'rename'`);
    expect(renamed.rows.map((row) => row.entity_id)).toEqual(['quan-binh-thanh']);

    const { cameras } = await (await get('/api/cameras')).json();
    expect(cameras.find((camera: { id: string }) => camera.id === 'cam-008')).toMatchObject({ name: 'Cầu Sài Gòn', nameEn: 'Saigon Bridge' });
    const { sensors } = await (await get('/api/sensors')).json();
    expect(sensors.find((sensor: { name: string }) => sensor.name === 'Trạm triều Nhà Bè')).toMatchObject({ nameEn: 'Nha Be tide station' });
  });

  it('takes English names through the API, refuses empty ones clearly and clears them with null', async () => {
    const put = await api.request('PUT', '/api/districts/quan-go-vap', { role: 'engineer', body: { name: 'Quận Gò Vấp', nameEn: 'Go Vap District' } });
    expect(put.status).toBe(200);
    expect((await put.json()).district).toMatchObject({ name: 'Quận Gò Vấp', nameEn: 'Go Vap District' });

    const camera = { id: 'cam-names', name: 'Ngã tư Phú Nhuận', nameEn: 'Phu Nhuan crossroads', rtspUrl: 'rtsp://192.0.2.7/stream1', districtId: 'quan-go-vap' };
    const created = await api.request('POST', '/api/cameras', { role: 'engineer', body: camera });
    expect(created.status).toBe(201);
    expect((await created.json()).camera).toMatchObject({ nameEn: 'Phu Nhuan crossroads' });

    const empty = await api.request('PATCH', '/api/cameras/cam-names', { role: 'engineer', body: { nameEn: '  ' } });
    expect(empty.status).toBe(400);
    expect(JSON.stringify(await empty.json())).toContain('nameEn');
    const cleared = await api.request('PATCH', '/api/cameras/cam-names', { role: 'engineer', body: { nameEn: null } });
    expect(cleared.status).toBe(200);
    expect((await cleared.json()).camera).toMatchObject({ name: 'Ngã tư Phú Nhuận', nameEn: null });

    const sensor = await api.request('POST', '/api/sensors', { role: 'engineer', body: { id: 'tide-names', name: 'Trạm triều Thủ Thiêm', nameEn: 'Thu Thiem tide station', kind: 'tide_level' } });
    expect(sensor.status).toBe(201);
    expect((await sensor.json()).sensor).toMatchObject({ nameEn: 'Thu Thiem tide station' });
    const audit = await test.db.query(`SELECT 1 FROM audit_log WHERE entity_type = 'district' AND entity_id = 'quan-go-vap' AND action = 'upsert'`);
    expect(audit.rowCount).toBe(1);
  });

  it('CAP, Atom and CSV name the district in each language', async () => {
    await test.db.query(`INSERT INTO cameras (id, name, name_en, rtsp_url, lat, lon, district_id) VALUES ('cam-feeds', 'Cầu Thị Nghè', 'Thi Nghe Bridge', 'rtsp://192.0.2.8/x', 10.79, 106.70, 'quan-binh-thanh')`);
    const raiser = createAlertRaiser({ db: test.db });
    const { alertId } = await raiser.raise({ sourceType: 'camera', sourceId: 'cam-feeds', kind: 'stalled_vehicle', severity: 'major', title: { vi: 'Xe dừng', en: 'Vehicle stopped' } });

    const cap = (await parseStringPromise(await (await get(`/api/alerts/${alertId}/cap`)).text())).alert;
    const areaOf = (language: string) => cap.info.find((info: { language: string[] }) => info.language[0] === language).area[0].areaDesc[0];
    expect(areaOf('vi-VN')).toBe('Quận Bình Thạnh');
    expect(areaOf('en-US')).toBe('Binh Thanh District');

    const atom = await (await get('/api/alerts/feed.atom?lang=en')).text();
    expect(atom).toContain('<category scheme="urn:cityops:district" term="quan-binh-thanh" label="Binh Thanh District"/>');
    expect(await (await get('/api/alerts/feed.atom?lang=vi')).text()).toContain('label="Quận Bình Thạnh"');

    const lines = (await (await get('/api/alerts/export.csv?district=quan-binh-thanh')).text()).trim().split('\r\n');
    const header = lines[0].split(',');
    const row = lines.find((line) => line.startsWith(`${alertId},`))!.split(',');
    expect(row[header.indexOf('district_vi')]).toBe('Quận Bình Thạnh');
    expect(row[header.indexOf('district_en')]).toBe('Binh Thanh District');

    // The district outlines the map draws carry both names (labels and tooltips pick by language).
    await test.db.query(`UPDATE districts SET geometry = $1 WHERE id = 'quan-binh-thanh'`, [
      JSON.stringify({ type: 'Polygon', coordinates: [[[106.69, 10.78], [106.72, 10.78], [106.72, 10.81], [106.69, 10.81], [106.69, 10.78]]] }),
    ]);
    const outlines = await (await get('/api/web/districts.geojson')).json();
    expect(outlines.features.find((feature: { id: string }) => feature.id === 'quan-binh-thanh').properties).toMatchObject({ name: 'Quận Bình Thạnh', name_en: 'Binh Thanh District' });
  });
});
