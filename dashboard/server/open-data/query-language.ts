// The NGSI-LD query language subset the open data API understands, parsed into typed conditions that
// only ever reach SQL as (whitelisted column, operator from a fixed list, bound parameter): a `q` can
// never add SQL of its own. Supported: `attr op value` terms joined by `;` (AND), op one of
// == != > >= < <=, values a number, a "quoted string" or a bare date-time/word. Not supported (400):
// `|` (OR), parentheses, ranges `a..b`, lists, patterns `~=`. Geo-queries: `georel=near;maxDistance==m`
// (or minDistance) around `geometry=Point&coordinates=[lon,lat]`, and `georel=within` a Polygon.

/** How an attribute is compared: its values are parsed to this kind before they are bound. */
export type AttributeKind = 'number' | 'datetime' | 'text';

/** One attribute that `q` may name: its kind, and the column of the entity query it is compared with. */
export interface QueryableAttribute {
  kind: AttributeKind;
  column: string;
  /** Text values the attribute can take (a typo answers 400 with the list instead of an empty result). */
  values?: readonly string[];
}

export const OPERATORS = ['==', '!=', '>=', '<=', '>', '<'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Condition {
  attribute: string;
  column: string;
  operator: Operator;
  value: number | Date | string;
}

/** A request the API cannot answer as asked: 400 with this message (and the parameter at fault). */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly parameter: string,
  ) {
    super(message);
  }
}

const MAX_Q_LENGTH = 1000;
const MAX_TERMS = 20;
const TERM = /^([A-Za-z][A-Za-z0-9_]{0,63})(==|!=|>=|<=|>|<)(.+)$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses `q` against the attributes one entity type allows. */
export function parseQ(q: string, attributes: Record<string, QueryableAttribute>, typeName: string): Condition[] {
  if (q.length > MAX_Q_LENGTH) throw new QueryError(`q: at most ${MAX_Q_LENGTH} characters`, 'q');
  if (/[|()]/.test(q.replace(/"[^"]*"/g, ''))) throw new QueryError('q: only terms joined by ";" (AND) are supported; no "|" or parentheses', 'q');
  const terms = q.split(';').map((term) => term.trim());
  if (terms.length > MAX_TERMS) throw new QueryError(`q: at most ${MAX_TERMS} terms`, 'q');
  return terms.map((term) => {
    const match = TERM.exec(term);
    if (!match) throw new QueryError(`q: "${term}" is not a comparison like intensity>=10 or dateObserved>2026-12-01T00:00:00Z`, 'q');
    const [, attribute, operator, raw] = match;
    const spec = Object.hasOwn(attributes, attribute) ? attributes[attribute] : undefined;
    if (!spec) throw new QueryError(`q: ${typeName} has no queryable attribute "${attribute}" (known: ${Object.keys(attributes).join(', ')})`, 'q');
    return { attribute, column: spec.column, operator: operator as Operator, value: parseValue(attribute, spec, operator as Operator, raw.trim()) };
  });
}

function parseValue(attribute: string, spec: QueryableAttribute, operator: Operator, raw: string): number | Date | string {
  if (raw.includes('..') || (raw.includes(',') && !raw.startsWith('"'))) {
    throw new QueryError(`q: ${attribute}: ranges (a..b) and lists (a,b) are not supported; use two terms`, 'q');
  }
  if (spec.kind === 'number') {
    const value = Number(raw);
    if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw) || !Number.isFinite(value)) throw new QueryError(`q: ${attribute} takes a number, not ${raw}`, 'q');
    return value;
  }
  if (spec.kind === 'datetime') {
    const text = raw.replace(/^"(.*)"$/, '$1');
    const value = new Date(text);
    if (!DATETIME.test(text) || Number.isNaN(value.getTime())) throw new QueryError(`q: ${attribute} takes an ISO 8601 date-time with a zone, e.g. 2026-12-01T00:00:00Z, not ${raw}`, 'q');
    return value;
  }
  const quoted = /^"([^"\\]{0,256})"$/.exec(raw);
  const text = quoted ? quoted[1] : /^[A-Za-z0-9:._-]{1,256}$/.test(raw) ? raw : undefined;
  if (text === undefined) throw new QueryError(`q: ${attribute} takes a word or a "quoted string" (no quotes or backslashes inside), not ${raw}`, 'q');
  if (operator !== '==' && operator !== '!=') throw new QueryError(`q: ${attribute} is text: only == and != compare it`, 'q');
  if (spec.values && !spec.values.includes(text)) throw new QueryError(`q: ${attribute} is one of ${spec.values.join(', ')}, not ${text}`, 'q');
  return text;
}

/** The time window conditions on `attribute` imply (the tightest bounds); undefined ends are open. */
export function impliedTimeRange(conditions: Condition[], attribute: string): { from?: Date; to?: Date } {
  let from: Date | undefined;
  let to: Date | undefined;
  for (const condition of conditions) {
    if (condition.attribute !== attribute || !(condition.value instanceof Date)) continue;
    const at = condition.value;
    if (['>', '>=', '=='].includes(condition.operator) && (!from || at > from)) from = at;
    // An upper bound is exclusive in the range; `<=` and `==` include the instant itself.
    const upper = condition.operator === '<' ? at : ['<=', '=='].includes(condition.operator) ? new Date(at.getTime() + 1) : undefined;
    if (upper && (!to || upper < to)) to = upper;
  }
  return { from, to };
}

export type GeoQuery =
  | { kind: 'near'; lon: number; lat: number; maxDistanceM?: number; minDistanceM?: number }
  | { kind: 'within'; ring: Array<[number, number]> };

const MAX_POLYGON_POINTS = 1000;

/** Parses georel/geometry/coordinates (all three or none; geoproperty may only be `location`). */
export function parseGeoQuery(params: { georel?: string; geometry?: string; coordinates?: string; geoproperty?: string }): GeoQuery | undefined {
  const { georel, geometry, coordinates, geoproperty } = params;
  if (georel === undefined && geometry === undefined && coordinates === undefined) return undefined;
  if (!georel || !geometry || !coordinates) throw new QueryError('georel, geometry and coordinates come together', 'georel');
  if (geoproperty !== undefined && geoproperty !== 'location') throw new QueryError('geoproperty: only location', 'geoproperty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(coordinates);
  } catch {
    throw new QueryError('coordinates: a JSON array, e.g. [106.70,10.77] for a Point', 'coordinates');
  }
  const [relation, ...modifiers] = georel.split(';');
  if (relation === 'near') {
    if (geometry !== 'Point') throw new QueryError('georel=near needs geometry=Point', 'geometry');
    const [lon, lat] = lonLat(parsed, 'coordinates');
    const near: GeoQuery = { kind: 'near', lon, lat };
    if (!modifiers.length) throw new QueryError('georel=near needs maxDistance==metres or minDistance==metres', 'georel');
    for (const modifier of modifiers) {
      const match = /^(maxDistance|minDistance)==(\d+(\.\d+)?)$/.exec(modifier);
      if (!match) throw new QueryError(`georel: "${modifier}" is not maxDistance==metres or minDistance==metres`, 'georel');
      if (match[1] === 'maxDistance') near.maxDistanceM = Number(match[2]);
      else near.minDistanceM = Number(match[2]);
    }
    return near;
  }
  if (relation === 'within') {
    if (modifiers.length) throw new QueryError('georel=within takes no modifiers', 'georel');
    if (geometry !== 'Polygon') throw new QueryError('georel=within needs geometry=Polygon', 'geometry');
    const rings = Array.isArray(parsed) ? parsed : [];
    const ring = Array.isArray(rings[0]) ? (rings[0] as unknown[]) : [];
    if (ring.length < 4 || ring.length > MAX_POLYGON_POINTS) {
      throw new QueryError(`coordinates: a Polygon as GeoJSON, [[[lon,lat],...]], its ring closed, 4 to ${MAX_POLYGON_POINTS} points`, 'coordinates');
    }
    return { kind: 'within', ring: ring.map((point) => lonLat(point, 'coordinates')) };
  }
  throw new QueryError(`georel: ${relation} is not supported (near, within)`, 'georel');
}

function lonLat(value: unknown, parameter: string): [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new QueryError(`${parameter}: [longitude, latitude] numbers`, parameter);
  }
  const [lon, lat] = value as [number, number];
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) throw new QueryError(`${parameter}: longitude -180..180, latitude -90..90`, parameter);
  return [lon, lat];
}

/**
 * The WHERE clause for the conditions and geo-query over an entity query's columns (`lat`, `lon` for
 * geo), with its values appended to `params`. Column names come from the whitelist, values are bound.
 */
export function whereClause(conditions: Condition[], geo: GeoQuery | undefined, params: unknown[]): string {
  const parts = conditions.map((condition) => {
    params.push(condition.value);
    const operator = condition.operator === '==' ? '=' : condition.operator === '!=' ? '<>' : condition.operator;
    return `${condition.column} ${operator} $${params.length}`;
  });
  if (geo?.kind === 'near') {
    params.push(geo.lat, geo.lon);
    // Haversine on a sphere of the mean Earth radius: metres, good to ~0.5 % at city scale; no PostGIS needed.
    const distance = `(2 * 6371008.8 * asin(sqrt(power(sin(radians(lat - $${params.length - 1}) / 2), 2) + cos(radians($${params.length - 1})) * cos(radians(lat)) * power(sin(radians(lon - $${params.length}) / 2), 2))))`;
    parts.push('lat IS NOT NULL AND lon IS NOT NULL');
    if (geo.maxDistanceM !== undefined) {
      params.push(geo.maxDistanceM);
      parts.push(`${distance} <= $${params.length}`);
    }
    if (geo.minDistanceM !== undefined) {
      params.push(geo.minDistanceM);
      parts.push(`${distance} >= $${params.length}`);
    }
  }
  if (geo?.kind === 'within') {
    // PostgreSQL's own polygon type: x = longitude, y = latitude (planar; fine for a city).
    params.push(`(${geo.ring.map(([lon, lat]) => `(${lon},${lat})`).join(',')})`);
    parts.push(`lat IS NOT NULL AND lon IS NOT NULL AND point(lon, lat) <@ $${params.length}::polygon`);
  }
  return parts.length ? parts.join(' AND ') : 'true';
}
