// The river on the default map, without a river file. Ho Chi Minh City's districts are cut by the
// Saigon River and two canals: where two districts meet along one of them, their shared boundary IS
// the waterway's course (the boundary file runs down its middle). So the waterways are drawn from the
// district boundaries the map already has, and a first start without a basemap still shows where the
// river is — the tide sensors and the flood alerts make sense only beside it.

/** The GeoJSON shapes this module reads and writes (RFC 7946), typed here: devices has no geojson package. */
type Position = number[];
export interface Polygon { type: 'Polygon'; coordinates: Position[][] }
export interface MultiPolygon { type: 'MultiPolygon'; coordinates: Position[][][] }
interface MultiLineString { type: 'MultiLineString'; coordinates: Position[][] }

export interface CityWaterway {
  name: string;
  nameEn: string;
  kind: 'river' | 'canal';
  /** Pairs of district ids (devices/city-districts.ts) that this waterway separates. */
  between: readonly (readonly [string, string])[];
}

export const HO_CHI_MINH_CITY_WATERWAYS: readonly CityWaterway[] = [
  {
    name: 'Sông Sài Gòn',
    nameEn: 'Saigon River',
    kind: 'river',
    between: [
      ['tp-thu-duc', 'quan-12'],
      ['tp-thu-duc', 'quan-binh-thanh'],
      ['tp-thu-duc', 'quan-1'],
      ['tp-thu-duc', 'quan-4'],
      ['tp-thu-duc', 'quan-7'],
      ['quan-2', 'quan-binh-thanh'],
      ['quan-2', 'quan-1'],
      ['quan-2', 'quan-4'],
      ['quan-2', 'quan-7'],
    ],
  },
  { name: 'Kênh Bến Nghé', nameEn: 'Ben Nghe Canal', kind: 'canal', between: [['quan-1', 'quan-4']] },
  { name: 'Kênh Tẻ', nameEn: 'Te Canal', kind: 'canal', between: [['quan-4', 'quan-7']] },
];

export interface DistrictOutline {
  id: string;
  geometry: Polygon | MultiPolygon;
}

export interface WaterwayFeature {
  type: 'Feature';
  properties: { name: string; name_en: string; kind: CityWaterway['kind'] };
  geometry: MultiLineString;
}

/** Boundaries come from engineers' files too: only polygons can share an edge with a neighbour. */
export function isAreaGeometry(geometry: unknown): geometry is Polygon | MultiPolygon {
  const type = (geometry as { type?: unknown } | null)?.type;
  return (type === 'Polygon' || type === 'MultiPolygon') && Array.isArray((geometry as { coordinates?: unknown }).coordinates);
}

/** Two boundary files rarely agree to the last digit; 1e-6° is about 10 cm. */
const positionKey = (position: Position) => `${position[0].toFixed(6)},${position[1].toFixed(6)}`;

function ringsOf(geometry: Polygon | MultiPolygon): Position[][] {
  return geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
}

/** The runs of `a`'s boundary whose vertices are also vertices of `b`'s boundary: the edge they share. */
export function sharedBoundary(a: Polygon | MultiPolygon, b: Polygon | MultiPolygon): Position[][] {
  const onB = new Set(ringsOf(b).flat().map(positionKey));
  const runs: Position[][] = [];
  for (const ring of ringsOf(a)) {
    const closed = ring.length > 1 && positionKey(ring[0]) === positionKey(ring.at(-1)!);
    const vertices = closed ? ring.slice(0, -1) : ring;
    // Start at a vertex off b, so a shared stretch that crosses the ring's seam comes out as one run.
    const start = vertices.findIndex((position) => !onB.has(positionKey(position)));
    if (start === -1) {
      runs.push(ring);
      continue;
    }
    let run: Position[] = [];
    for (let step = 0; step <= vertices.length; step++) {
      const position = vertices[(start + step) % vertices.length];
      if (onB.has(positionKey(position))) {
        run.push(position);
        continue;
      }
      if (run.length > 1) runs.push(run);
      run = [];
    }
  }
  return runs;
}

/** The parts of a run not drawn yet. Boundary files overlap (Thủ Đức city and the old District 2 it
 *  absorbed are both in the city's file), and a stretch drawn twice shows as a doubled river. */
function undrawnParts(run: Position[], drawn: Set<string>): Position[][] {
  const parts: Position[][] = [];
  let part: Position[] = [];
  for (let i = 1; i < run.length; i++) {
    const ends = [positionKey(run[i - 1]), positionKey(run[i])].sort().join(' ');
    if (drawn.has(ends)) {
      if (part.length > 1) parts.push(part);
      part = [];
      continue;
    }
    drawn.add(ends);
    if (!part.length) part.push(run[i - 1]);
    part.push(run[i]);
  }
  if (part.length > 1) parts.push(part);
  return parts;
}

/** Each known waterway as the boundaries its districts share; one missing from the outlines is left out. */
export function waterwaysAlongBoundaries(
  districts: readonly DistrictOutline[],
  waterways: readonly CityWaterway[] = HO_CHI_MINH_CITY_WATERWAYS,
): WaterwayFeature[] {
  const byId = new Map(districts.map((district) => [district.id, district.geometry]));
  const features: WaterwayFeature[] = [];
  for (const waterway of waterways) {
    const lines: Position[][] = [];
    const drawn = new Set<string>();
    for (const [a, b] of waterway.between) {
      const first = byId.get(a);
      const second = byId.get(b);
      if (first && second) for (const run of sharedBoundary(first, second)) lines.push(...undrawnParts(run, drawn));
    }
    if (lines.length) {
      features.push({ type: 'Feature', properties: { name: waterway.name, name_en: waterway.nameEn, kind: waterway.kind }, geometry: { type: 'MultiLineString', coordinates: lines } });
    }
  }
  return features;
}
