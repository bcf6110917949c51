// Devices, districts and teams the alert tests raise against.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../../core/database/pool.ts';

export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export async function addDistrict(db: Queryable, id = uniqueId('d'), geometry: object | null = null): Promise<string> {
  await db.query(`INSERT INTO districts (id, name, geometry) VALUES ($1, $2, $3)`, [id, `District ${id}`, geometry && JSON.stringify(geometry)]);
  return id;
}

export async function addCamera(db: Queryable, districtId: string | null, id = uniqueId('cam')): Promise<string> {
  await db.query(`INSERT INTO cameras (id, name, rtsp_url, lat, lon, district_id) VALUES ($1, $2, 'rtsp://127.0.0.1/x', 10.7769, 106.7009, $3)`, [
    id,
    `Camera ${id}`,
    districtId,
  ]);
  return id;
}

export async function addSensor(db: Queryable, districtId: string | null, id = uniqueId('sen')): Promise<string> {
  await db.query(`INSERT INTO sensors (id, name, kind, unit, lat, lon, district_id) VALUES ($1, $2, 'water_level', 'cm', 10.80, 106.65, $3)`, [
    id,
    `Sensor ${id}`,
    districtId,
  ]);
  return id;
}
