// Districts (or any site grouping) with optional GeoJSON boundaries for the map overlay.
import type { Queryable } from '@cityops/core/database/pool';
import { notFound } from '@cityops/core/errors';

export interface District {
  id: string;
  name: string;
  geometry: Record<string, unknown> | null;
}

export async function listDistricts(db: Queryable, withGeometry = false): Promise<District[]> {
  const result = await db.query(
    `SELECT id, name, ${withGeometry ? 'geometry' : 'NULL AS geometry'} FROM districts ORDER BY name`,
  );
  return result.rows;
}

export async function upsertDistrict(db: Queryable, district: District): Promise<District> {
  const result = await db.query(
    `INSERT INTO districts (id, name, geometry) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, geometry = EXCLUDED.geometry
     RETURNING id, name, geometry`,
    [district.id, district.name, district.geometry ? JSON.stringify(district.geometry) : null],
  );
  return result.rows[0];
}

export async function deleteDistrict(db: Queryable, id: string): Promise<void> {
  const result = await db.query('DELETE FROM districts WHERE id = $1', [id]);
  if (!result.rowCount) throw notFound(`district ${id}`);
}

/** Lowercase ASCII slug for ids: "Quận 1" → "quan-1", "Thủ Đức" → "thu-duc". */
export function slugify(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

export async function getDistrict(db: Queryable, id: string): Promise<District | undefined> {
  const result = await db.query(`SELECT id, name, geometry FROM districts WHERE id = $1`, [id]);
  return result.rows[0];
}

/** The districts that have a boundary, by id (the map overlay). */
export async function listDistrictBoundaries(db: Queryable): Promise<District[]> {
  const result = await db.query(`SELECT id, name, geometry FROM districts WHERE geometry IS NOT NULL ORDER BY id`);
  return result.rows;
}
