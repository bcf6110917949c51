// Demo devices for the embedded start (SIMULATE): Ho Chi Minh City districts, tide gauges on the
// Saigon River and canals, salinity in Nhà Bè / Cần Giờ, rain gauges, soil moisture and pumps in the
// outer districts, and cameras at well-known junctions pointing at the camera simulator.
// Inserted only when missing, so an engineer's edits survive restarts.
import { readFileSync } from 'node:fs';
import { findAsset, type AssetPlaces } from '@cityops/core/demo-assets';
import type { RoleContext } from '@cityops/core/role-context';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import { recordAudit, systemActor } from '@cityops/core/audit';
import { cityDistrict } from './city-districts.ts';
import { slugify, upsertDistrict } from './district-repository.ts';
import { insertCamera } from './camera-repository.ts';
import { insertSensor } from './sensor-repository.ts';
import { cameraInput, sensorInput, type SensorKind } from './schemas.ts';

interface DemoSensor {
  name: string;
  nameEn: string;
  kind: SensorKind;
  lat: number;
  lon: number;
  district: string;
}

// Real places; coordinates approximate.
const SENSOR_SITES: DemoSensor[] = [
  { name: 'Trạm triều Phú An (sông Sài Gòn)', nameEn: 'Phu An tide station (Saigon River)', kind: 'tide_level', lat: 10.7723, lon: 106.7105, district: 'quan-binh-thanh' },
  { name: 'Trạm triều Nhà Bè', nameEn: 'Nha Be tide station', kind: 'tide_level', lat: 10.6953, lon: 106.7409, district: 'huyen-nha-be' },
  { name: 'Kênh Nhiêu Lộc – Thị Nghè (cầu Thị Nghè)', nameEn: 'Nhieu Loc – Thi Nghe canal (Thi Nghe bridge)', kind: 'water_level', lat: 10.7905, lon: 106.7036, district: 'quan-1' },
  { name: 'Kênh Tàu Hủ – Bến Nghé (cầu Chữ Y)', nameEn: 'Tau Hu – Ben Nghe canal (Chu Y bridge)', kind: 'water_level', lat: 10.7519, lon: 106.6893, district: 'quan-5' },
  { name: 'Kênh Tân Hóa – Lò Gốm', nameEn: 'Tan Hoa – Lo Gom canal', kind: 'water_level', lat: 10.7560, lon: 106.6407, district: 'quan-6' },
  { name: 'Độ mặn Nhà Bè (sông Soài Rạp)', nameEn: 'Nha Be salinity (Soai Rap River)', kind: 'salinity', lat: 10.6460, lon: 106.7330, district: 'huyen-nha-be' },
  { name: 'Độ mặn Cần Giờ (Bình Khánh)', nameEn: 'Can Gio salinity (Binh Khanh)', kind: 'salinity', lat: 10.6460, lon: 106.7830, district: 'huyen-can-gio' },
  { name: 'Mưa Tân Sơn Hòa', nameEn: 'Tan Son Hoa rain gauge', kind: 'rainfall', lat: 10.8183, lon: 106.6588, district: 'quan-tan-binh' },
  { name: 'Mưa Thủ Đức', nameEn: 'Thu Duc rain gauge', kind: 'rainfall', lat: 10.8494, lon: 106.7537, district: 'tp-thu-duc' },
  { name: 'Độ ẩm đất Củ Chi (Tân Thạnh Đông)', nameEn: 'Cu Chi soil moisture (Tan Thanh Dong)', kind: 'soil_moisture', lat: 10.9740, lon: 106.5880, district: 'huyen-cu-chi' },
  { name: 'Độ ẩm đất Hóc Môn', nameEn: 'Hoc Mon soil moisture', kind: 'soil_moisture', lat: 10.8860, lon: 106.5920, district: 'huyen-hoc-mon' },
  { name: 'Trạm bơm Bình Chánh', nameEn: 'Binh Chanh pumping station', kind: 'pump_state', lat: 10.6880, lon: 106.5940, district: 'huyen-binh-chanh' },
];

// Vietnam's tide alarm levels (báo động I/II/III) at Phú An are 1.50 / 1.60 / 1.70 m.
const THRESHOLDS: Partial<Record<SensorKind, { level1: number; level2: number; level3: number; hysteresis: number; rules?: Record<string, unknown> }>> = {
  tide_level: { level1: 1.5, level2: 1.6, level3: 1.7, hysteresis: 0.03, rules: { rateOfRiseCmPerHour: 30, validMin: -3, validMax: 5 } },
  water_level: { level1: 1.4, level2: 1.55, level3: 1.7, hysteresis: 0.03, rules: { rateOfRiseCmPerHour: 30, validMin: -3, validMax: 5 } },
  salinity: { level1: 1, level2: 2, level3: 4, hysteresis: 0.1, rules: { validMin: 0, validMax: 40 } },
  rainfall: { level1: 20, level2: 50, level3: 100, hysteresis: 2, rules: { validMin: 0, validMax: 500 } },
};

interface DemoCamera {
  name: string;
  nameEn: string;
  lat: number;
  lon: number;
  bearing: number;
  district: string;
  scene: 'traffic' | 'people';
  /** A smart parking zone (rule `parking`) on this camera's picture, with its spaces. */
  parking?: { id: string; name: string; capacity: number };
}

const CAMERA_SITES: DemoCamera[] = [
  { name: 'Ngã sáu Phù Đổng', nameEn: 'Phu Dong six-way junction', lat: 10.7712, lon: 106.6933, bearing: 90, district: 'quan-1', scene: 'traffic', parking: { id: 'bai-do-le-lai', name: 'Bãi đỗ xe Lê Lai', capacity: 12 } },
  { name: 'Phố đi bộ Nguyễn Huệ', nameEn: 'Nguyen Hue walking street', lat: 10.7745, lon: 106.7038, bearing: 0, district: 'quan-1', scene: 'people' },
  { name: 'Nút giao Hàng Xanh', nameEn: 'Hang Xanh junction', lat: 10.8016, lon: 106.7113, bearing: 45, district: 'quan-binh-thanh', scene: 'traffic' },
  { name: 'Vòng xoay Dân Chủ', nameEn: 'Dan Chu roundabout', lat: 10.7780, lon: 106.6810, bearing: 180, district: 'quan-3', scene: 'traffic' },
  { name: 'Cộng Hòa – Hoàng Văn Thụ', nameEn: 'Cong Hoa – Hoang Van Thu junction', lat: 10.8010, lon: 106.6600, bearing: 270, district: 'quan-tan-binh', scene: 'traffic' },
  { name: 'Ngã tư Thủ Đức', nameEn: 'Thu Duc crossroads', lat: 10.8490, lon: 106.7740, bearing: 0, district: 'tp-thu-duc', scene: 'traffic' },
  { name: 'Chợ Bến Thành', nameEn: 'Ben Thanh Market', lat: 10.7725, lon: 106.6980, bearing: 120, district: 'quan-1', scene: 'people' },
  { name: 'Cầu Sài Gòn', nameEn: 'Saigon Bridge', lat: 10.7985, lon: 106.7215, bearing: 60, district: 'quan-binh-thanh', scene: 'traffic' },
];

/** Zones for the simulated scenes, matched to the shared test videos (traffic.mp4, people.mp4). */
const SCENE_ANALYSIS = {
  traffic: {
    zones: [
      {
        id: 'road',
        polygon: [[0, 0.25], [1, 0.25], [1, 1], [0, 1]],
        rules: [
          { kind: 'stalled_vehicle', seconds: 30 },
          { kind: 'congestion', minVehicles: 12, seconds: 30 },
        ],
      },
    ],
    lines: [{ id: 'l1', from: [0.5, 0], to: [0.5, 1] }],
  },
  people: {
    zones: [{ id: 'plaza', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], rules: [{ kind: 'crowd', minPersons: 6, seconds: 3 }] }],
    lines: [],
  },
};

/**
 * The scene's zones, plus the site's parking zone: the near lane (the lower quarter of the picture).
 * The shared traffic video has cars driving through it, none parked, so the demo zone mostly shows its
 * spaces free; a car that stops there for most of a minute takes one.
 */
function demoAnalysis(site: DemoCamera) {
  const scene = SCENE_ANALYSIS[site.scene];
  if (!site.parking) return scene;
  const { id, name, capacity } = site.parking;
  return { ...scene, zones: [...scene.zones, { id, name, polygon: [[0, 0.7], [1, 0.7], [1, 1], [0, 1]], rules: [{ kind: 'parking', capacity }] }] };
}

export function demoCameraStreamUrl(rtspPort: number, index: number): string {
  return `rtsp://127.0.0.1:${rtspPort}/cam-${String(index + 1).padStart(3, '0')}`;
}

function readDistrictGeometry(places: AssetPlaces): Map<string, { name: string; geometry: Record<string, unknown> }> {
  const districts = new Map<string, { name: string; geometry: Record<string, unknown> }>();
  const file = findAsset(places, 'geo/hcmc-districts.geojson');
  if (!file) return districts;
  const collection = JSON.parse(readFileSync(file, 'utf8')) as { features: { properties: { localname: string }; geometry: Record<string, unknown> }[] };
  for (const feature of collection.features) {
    districts.set(slugify(feature.properties.localname), { name: feature.properties.localname, geometry: feature.geometry });
  }
  return districts;
}

/**
 * A district still holds a name an earlier seed gave it (its id with spaces, or the boundary file's
 * name) and no English name: an engineer's own naming is never overwritten.
 */
function namedBySeed(id: string, stored: { name: string; nameEn: string | null }, outlineName: string | undefined): boolean {
  if (stored.nameEn !== null) return false;
  return stored.name === id.replace(/-/g, ' ') || stored.name === outlineName || stored.name === cityDistrict(id)?.name;
}

/** A demo device registered before names had an English form gets it, unless an engineer renamed it. */
async function addEnglishName(tx: Queryable, table: 'cameras' | 'sensors', id: string, name: string, nameEn: string): Promise<void> {
  await tx.query(`UPDATE ${table} SET name_en = $3 WHERE id = $1 AND name = $2 AND name_en IS NULL`, [id, name, nameEn]);
}

export async function seedDemoDevices(context: Pick<RoleContext, 'db' | 'secretBox' | 'config' | 'logger'>): Promise<void> {
  const { db, secretBox, config, logger } = context;
  const actor = systemActor('demo-seed');
  const geometry = readDistrictGeometry(config);
  const rtspPort = config.SIM_RTSP_PORT;
  await withTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7240002)');
    const districtIds = new Set([...SENSOR_SITES, ...CAMERA_SITES].map((site) => site.district));
    for (const id of geometry.keys()) districtIds.add(id);
    for (const id of districtIds) {
      const outline = geometry.get(id);
      const known = cityDistrict(id);
      const names = { name: known?.name ?? outline?.name ?? id, nameEn: known?.nameEn ?? null };
      const stored = await tx.query<{ name: string; nameEn: string | null }>('SELECT name, name_en AS "nameEn" FROM districts WHERE id = $1', [id]);
      if (!stored.rowCount) {
        await upsertDistrict(tx, { id, ...names, geometry: outline?.geometry ?? null });
      } else if (known && namedBySeed(id, stored.rows[0], outline?.name)) {
        // Earlier starts named districts by their id ("quan binh thanh") or left out the English name.
        await tx.query('UPDATE districts SET name = $2, name_en = $3 WHERE id = $1', [id, known.name, known.nameEn]);
        await recordAudit(tx, actor, { action: 'rename', entityType: 'district', entityId: id, details: { via: 'demo_seed', from: stored.rows[0], to: names } });
      }
    }
    let created = 0;
    for (let i = 0; i < config.SIMULATED_SENSORS; i++) {
      const site = SENSOR_SITES[i % SENSOR_SITES.length];
      const round = Math.floor(i / SENSOR_SITES.length);
      const id = `${site.kind.replace('_', '-')}-${String(i + 1).padStart(3, '0')}`;
      const name = round ? `${site.name} #${round + 1}` : site.name;
      const nameEn = round ? `${site.nameEn} #${round + 1}` : site.nameEn;
      if ((await tx.query('SELECT 1 FROM sensors WHERE id = $1', [id])).rowCount) {
        await addEnglishName(tx, 'sensors', id, name, nameEn);
        continue;
      }
      const offset = round * 0.004;
      const input = sensorInput.parse({
        id,
        name,
        nameEn,
        kind: site.kind,
        lat: site.lat + offset,
        lon: site.lon + offset,
        districtId: site.district,
        expectedIntervalSeconds: 10,
        ...(THRESHOLDS[site.kind] ?? {}),
      });
      await insertSensor(tx, secretBox, input);
      await recordAudit(tx, actor, { action: 'create', entityType: 'sensor', entityId: id, details: { via: 'demo_seed' } });
      created++;
    }
    for (let i = 0; i < config.SIMULATED_CAMERAS; i++) {
      const site = CAMERA_SITES[i % CAMERA_SITES.length];
      const id = `cam-${String(i + 1).padStart(3, '0')}`;
      if ((await tx.query('SELECT 1 FROM cameras WHERE id = $1', [id])).rowCount) {
        await addEnglishName(tx, 'cameras', id, site.name, site.nameEn);
        continue;
      }
      const input = cameraInput.parse({
        id,
        name: site.name,
        nameEn: site.nameEn,
        rtspUrl: demoCameraStreamUrl(rtspPort, i),
        lat: site.lat,
        lon: site.lon,
        bearing: site.bearing,
        districtId: site.district,
        detectFps: 2,
        analysis: demoAnalysis(site),
      });
      await insertCamera(tx, secretBox, input);
      await recordAudit(tx, actor, { action: 'create', entityType: 'camera', entityId: id, details: { via: 'demo_seed', scene: site.scene } });
      created++;
    }
    if (created) logger.info({ created }, 'demo devices registered');
  });
}

/** Which shared video a simulated camera plays (by its index), for the camera simulator. */
export function demoCameraScene(index: number): 'traffic' | 'people' {
  return CAMERA_SITES[index % CAMERA_SITES.length].scene;
}

/** The enabled sensors the demo seed registered (its audit entries say so): an engineer's own sensors are left out. */
export async function listDemoSeedSensors(db: Queryable): Promise<{ id: string; kind: SensorKind; expectedIntervalSeconds: number }[]> {
  const result = await db.query(
    `SELECT s.id, s.kind, s.expected_interval_seconds AS "expectedIntervalSeconds" FROM sensors s
      WHERE s.enabled AND EXISTS (SELECT 1 FROM audit_log a WHERE a.entity_type = 'sensor' AND a.entity_id = s.id
                                    AND a.action = 'create' AND a.details->>'via' = 'demo_seed')
      ORDER BY s.id`,
  );
  return result.rows;
}
