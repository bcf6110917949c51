// A camera's field of view through the API (#17 part 3): stored, validated, imported, and used to answer
// "which cameras see this place". The geometry itself is contract/field-of-view.spec.ts's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destination } from '../../contract/field-of-view.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let test: TestDatabase;
let api: TestApi;
beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

const market = { lat: 10.7725, lon: 106.698 };
const camera = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `Camera ${id}`, rtspUrl: 'rtsp://10.1.2.3:554/live', ...market, ...extra });
const post = (body: unknown) => api.request('POST', '/api/cameras', { role: 'engineer', body });

describe('camera field of view', () => {
  it('stores the angle and range, with defaults, and changes them by PATCH', async () => {
    const created = await (await post(camera('fov-default', { bearing: 90 }))).json();
    expect(created.camera).toMatchObject({ bearing: 90, fovDegrees: 60, rangeMeters: 60 });
    const patched = await api.request('PATCH', '/api/cameras/fov-default', { role: 'engineer', body: { fovDegrees: 40, rangeMeters: 120 } });
    expect((await patched.json()).camera).toMatchObject({ bearing: 90, fovDegrees: 40, rangeMeters: 120 });
    await api.request('DELETE', '/api/cameras/fov-default', { role: 'engineer' });
  });

  it('refuses an angle outside 1-360 and a range not above zero or beyond 2 km, naming the field', async () => {
    for (const [field, value] of [['fovDegrees', 0], ['fovDegrees', 361], ['rangeMeters', 0], ['rangeMeters', 5000]] as const) {
      const response = await post(camera('fov-bad', { [field]: value }));
      expect(response.status).toBe(400);
      expect((await response.json()).error.field).toBe(field);
    }
    expect((await api.request('GET', '/api/cameras/fov-bad', { role: 'viewer' })).status).toBe(404);
  });

  it('imports the field of view from CSV columns', async () => {
    const response = await api.request('POST', '/api/devices/import', {
      role: 'engineer',
      headers: { 'content-type': 'text/csv' },
      body: ['type,id,name,rtsp_url,lat,lon,bearing,fov_degrees,range_meters', 'camera,fov-imported,Imported,rtsp://10.0.0.9/s,10.78,106.70,350,40,80'].join('\n'),
    });
    expect(response.status).toBe(200);
    const { camera: imported } = await (await api.request('GET', '/api/cameras/fov-imported', { role: 'viewer' })).json();
    expect(imported).toMatchObject({ bearing: 350, fovDegrees: 40, rangeMeters: 80 });
    await api.request('DELETE', '/api/cameras/fov-imported', { role: 'engineer' });
  });

  it('answers the cameras that see a place first, then the nearest, and none far away', async () => {
    const place = destination(market, 0, 40);
    // Looks north across north (330°-10°) from 40 m south: sees it.
    await post(camera('sees-north', { bearing: 350, fovDegrees: 40, rangeMeters: 80 }));
    // Nearer, but looks away: only near.
    await post(camera('looks-away', { ...destination(place, 90, 15), bearing: 90 }));
    // No bearing: never "sees", only near.
    await post(camera('no-bearing', { ...destination(place, 180, 25), bearing: null }));
    // A dome 150 m away that sees 200 m all round.
    await post(camera('dome', { ...destination(place, 270, 150), fovDegrees: 360, rangeMeters: 200 }));
    // Far away, and a disabled one next to the place: never shown.
    await post(camera('far', { ...destination(place, 0, 3000), bearing: 180 }));
    await post(camera('disabled', { ...destination(place, 0, 5), bearing: 180, enabled: false }));

    const response = await api.request('GET', `/api/cameras/for-place?lat=${place.lat}&lon=${place.lon}`, { role: 'viewer' });
    expect(response.status).toBe(200);
    const { cameras } = await response.json();
    expect(cameras.map((entry: { id: string; sees: boolean }) => [entry.id, entry.sees])).toEqual([
      ['sees-north', true],
      ['dome', true],
      ['looks-away', false],
      ['no-bearing', false],
    ]);
    expect(cameras[0]).toMatchObject({ name: 'Camera sees-north', distanceMeters: 40 });
  });

  it('refuses a place off the globe', async () => {
    const response = await api.request('GET', '/api/cameras/for-place?lat=91&lon=106', { role: 'viewer' });
    expect(response.status).toBe(400);
    expect((await response.json()).error.field).toBe('lat');
  });
});
