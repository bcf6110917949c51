// Districts (or any site grouping) with optional GeoJSON boundaries for the map overlay.
import type { Queryable } from '@cityops/core/database/pool';
import { notFound } from '@cityops/core/errors';

export interface District {
  id: string;
  /** As people in the city say it (Vietnamese); `nameEn` for English screens and feeds, when known. */
  name: string;
  nameEn: string | null;
  geometry: Record<string, unknown> | null;
}

const COLUMNS = 'id, name, name_en AS "nameEn", geometry';

export async function listDistricts(db: Queryable, withGeometry = false): Promise<District[]> {
  const result = await db.query(
    `SELECT id, name, name_en AS "nameEn", ${withGeometry ? 'geometry' : 'NULL AS geometry'} FROM districts ORDER BY name`,
  );
  return result.rows;
}

export async function upsertDistrict(db: Queryable, district: District): Promise<District> {
  const result = await db.query(
    `INSERT INTO districts (id, name, name_en, geometry) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, name_en = EXCLUDED.name_en, geometry = EXCLUDED.geometry
     RETURNING ${COLUMNS}`,
    [district.id, district.name, district.nameEn, district.geometry ? JSON.stringify(district.geometry) : null],
  );
  return result.rows[0];
}

export async function deleteDistrict(db: Queryable, id: string): Promise<void> {
  const result = await db.query('DELETE FROM districts WHERE id = $1', [id]);
  if (!result.rowCount) throw notFound('district', id);
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
  const result = await db.query(`SELECT ${COLUMNS} FROM districts WHERE id = $1`, [id]);
  return result.rows[0];
}

/** The districts that have a boundary, by id (the map overlay). */
export async function listDistrictBoundaries(db: Queryable): Promise<District[]> {
  const result = await db.query(`SELECT ${COLUMNS} FROM districts WHERE geometry IS NOT NULL ORDER BY id`);
  return result.rows;
}

/**
 * The boundaries as read at most `maxAgeMs` ago by this process: for callers that place many points a
 * second (residents' reports), where a new boundary showing up half a minute late harms nobody.
 */
let boundaryCache: { at: number; boundaries: District[] } | undefined;
export async function recentDistrictBoundaries(db: Queryable, maxAgeMs: number): Promise<District[]> {
  if (!boundaryCache || Date.now() - boundaryCache.at > maxAgeMs) boundaryCache = { at: Date.now(), boundaries: await listDistrictBoundaries(db) };
  return boundaryCache.boundaries;
}

type Ring = number[][];

/** Ray casting on a GeoJSON ring of [lon, lat] positions. */
function inRing(lon: number, lat: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Inside a GeoJSON Polygon or MultiPolygon: in an outer ring and in none of its holes. */
function inGeometry(lon: number, lat: number, geometry: { type?: string; coordinates?: unknown }): boolean {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates as Ring[]] : geometry.type === 'MultiPolygon' ? (geometry.coordinates as Ring[][]) : [];
  return polygons.some((rings) => Array.isArray(rings) && rings.length > 0 && inRing(lon, lat, rings[0]) && !rings.slice(1).some((hole) => inRing(lon, lat, hole)));
}

/**
 * The district a point lies in, by the registered boundaries; without a boundary that holds it, the
 * district of the nearest registered device within `nearDeviceM` metres (a city without boundaries
 * still gets a district for a place next to its cameras and sensors); otherwise null.
 */
export async function districtAt(db: Queryable, lat: number, lon: number, nearDeviceM = 3000, boundaries?: District[]): Promise<string | null> {
  for (const district of boundaries ?? (await listDistrictBoundaries(db))) {
    if (district.geometry && inGeometry(lon, lat, district.geometry as { type?: string; coordinates?: unknown })) return district.id;
  }
  const nearest = await db.query(
    `SELECT district_id FROM (
       SELECT district_id, lat, lon FROM cameras WHERE district_id IS NOT NULL AND lat IS NOT NULL
       UNION ALL SELECT district_id, lat, lon FROM sensors WHERE district_id IS NOT NULL AND lat IS NOT NULL) d
     WHERE cityops_distance_m($1, $2, lat, lon) <= $3 ORDER BY cityops_distance_m($1, $2, lat, lon) LIMIT 1`,
    [lat, lon, nearDeviceM],
  );
  return nearest.rowCount ? nearest.rows[0].district_id : null;
}
