// The district's names for the MQTT copy of an alert: other city systems read "Quận Bình Thạnh" /
// "Binh Thanh District", not only the id. Read once and kept for a while per process: copies go out at
// the alert rate, and a district renamed half a minute late in a copy harms nobody.
import type { Queryable } from '../database/pool.ts';

export interface DistrictNames {
  id: string;
  name: string;
  nameEn: string | null;
}

const KEEP_MS = 30_000;
const cached = new WeakMap<Queryable, { at: number; names: Promise<Map<string, DistrictNames>> }>();

async function readNames(db: Queryable): Promise<Map<string, DistrictNames>> {
  const result = await db.query(`SELECT id, name, name_en AS "nameEn" FROM districts`);
  return new Map(result.rows.map((row: DistrictNames) => [row.id, row]));
}

/** The district's names, or null for an alert without a district (or one not in the registry). */
export async function districtNames(db: Queryable, districtId: string | null): Promise<DistrictNames | null> {
  if (!districtId) return null;
  const entry = cached.get(db);
  const known = entry && Date.now() - entry.at <= KEEP_MS ? (await entry.names).get(districtId) : undefined;
  // A miss is a district added since the last read (an alert's district is in the registry): read again.
  if (known) return known;
  return (await refresh(db)).get(districtId) ?? null;
}

function refresh(db: Queryable): Promise<Map<string, DistrictNames>> {
  const names = readNames(db);
  cached.set(db, { at: Date.now(), names });
  // A failed read is not kept: the next copy tries again.
  names.catch(() => cached.delete(db));
  return names;
}
