// What every open entity type (TrafficFlowObserved, CrowdFlowObserved, WaterObserved, FloodMonitoring, Alert, IssueReporting) provides to the generic query:
// its rows as one SQL source, the attributes `q` may compare, how an id maps back to a row, and how a row
// becomes an entity. Only the columns these sources select can ever be published: nothing else of the
// database (no users, notes, photos, callers, team positions) is reachable from here.
import type { Queryable } from '@cityops/core/database/pool';
import type { DatabaseCapabilities } from '@cityops/core/database/capabilities';
import { whereClause, type Condition, type GeoQuery, type QueryableAttribute } from './query-language.ts';

/** The entity in the key-values ("simplified") form the Smart Data Models schemas describe. */
export type KeyValuesEntity = { id: string; type: string } & Record<string, unknown>;

/** What every entity and file says about where it comes from and under which licence. */
export interface OpenDataMeta {
  licence: string;
  licenceUrl: string;
  dataProvider: string;
}

/** The licence and provider of this installation's open data (OPEN_DATA_LICENCE*, PUBLIC_URL). */
export function openDataMeta(config: { OPEN_DATA_LICENCE: string; OPEN_DATA_LICENCE_URL: string; PUBLIC_URL?: string }): OpenDataMeta {
  return { licence: config.OPEN_DATA_LICENCE, licenceUrl: config.OPEN_DATA_LICENCE_URL, dataProvider: config.PUBLIC_URL ?? 'CityOps' };
}

export interface TimeRange {
  from: Date;
  to: Date;
}

export type Row = Record<string, unknown>;

/** Rows of one dataset for the generic query: what an entity type and a files-only dataset share. */
export interface RowSource {
  /** The type name (NGSI-LD) or dataset name, for messages. */
  type: string;
  /** What `q` may compare, mapped to columns of `source`. */
  attributes: Record<string, QueryableAttribute>;
  /** The attribute whose conditions narrow the time range (undefined: the type is not a time series). */
  timeAttribute?: string;
  /** The rows as SQL (a subquery with `lat` and `lon`), its values appended to `params`. */
  source(params: unknown[], range: TimeRange, caps: DatabaseCapabilities): string;
  orderBy: string;
}

/** What an entity's id narrows the query to. */
export interface EntityLookup {
  conditions: Condition[];
  range?: TimeRange;
}

export interface EntityType extends RowSource {
  type: string;
  /** What `q` may compare, mapped to columns of `source`. */
  attributes: Record<string, QueryableAttribute>;
  /** The attribute whose conditions narrow the time range (undefined: the type is not a time series). */
  timeAttribute?: string;
  /** The rows as SQL (a subquery with `lat` and `lon`), its values appended to `params`. */
  source(params: unknown[], range: TimeRange, caps: DatabaseCapabilities): string;
  orderBy: string;
  /** The conditions (and time range) one entity id stands for; undefined when it is no id of this type. */
  byId(id: string): EntityLookup | undefined;
  toEntity(row: Row, meta: OpenDataMeta): KeyValuesEntity;
}

export interface EntityQuery {
  range: TimeRange;
  conditions: Condition[];
  geo?: GeoQuery;
  limit: number;
  offset: number;
  count: boolean;
}

/** One page of rows of a type, and the total when asked (NGSILD-Results-Count). */
export async function queryRows(db: Queryable, caps: DatabaseCapabilities, type: RowSource, query: EntityQuery): Promise<{ rows: Row[]; total?: number }> {
  const params: unknown[] = [];
  const source = type.source(params, query.range, caps);
  const where = whereClause(query.conditions, query.geo, params);
  const from = `FROM (${source}) e WHERE ${where}`;
  const total = query.count ? Number((await db.query(`SELECT count(*) AS n ${from}`, params)).rows[0].n) : undefined;
  params.push(query.limit, query.offset);
  const result = await db.query(`SELECT * ${from} ORDER BY ${type.orderBy} LIMIT $${params.length - 1} OFFSET $${params.length}`, params);
  return { rows: result.rows, total };
}

export const isoOf = (value: unknown) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString());

/** The hour an id names, `2026-12-01T10Z` (no colons: ids split on them). */
export const hourKey = (hour: Date) => `${hour.toISOString().slice(0, 13)}Z`;

export function hourFromKey(key: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}Z$/.test(key)) return undefined;
  const hour = new Date(`${key.slice(0, 13)}:00:00Z`);
  return Number.isNaN(hour.getTime()) ? undefined : hour;
}

export const HOUR_MS = 3_600_000;

/** The English name of a place row (`alias` of sensors or districts), its local name when name_en is NULL: the `*_name_en` columns. */
// Here, not beside nameIn (contract/devices.ts): contract/ holds what crosses a wire, and this is SQL text the open-data sources share.
export const englishNameSql = (alias: string) => `coalesce(${alias}.name_en, ${alias}.name)`;

/** NGSI-LD ids of the devices an observation comes from (refDevice). */
export const DEVICE_PREFIX = 'urn:ngsi-ld:Device:';

/**
 * The lookup of an hourly observation's id `urn:ngsi-ld:{type}:{device}:{hour}{rest}`: the hour's range
 * and the device's condition, plus what `rest` adds (its own pattern's groups); undefined when it does
 * not parse.
 */
export function deviceHourLookup(
  type: string,
  id: string,
  rest: { pattern: string; conditions(groups: string[]): Condition[] } = { pattern: '', conditions: () => [] },
): EntityLookup | undefined {
  const match = new RegExp(`^urn:ngsi-ld:${type}:([A-Za-z0-9._-]{1,64}):([^:]+)${rest.pattern}$`).exec(id);
  const hour = match && hourFromKey(match[2]);
  if (!match || !hour) return undefined;
  return {
    range: { from: hour, to: new Date(hour.getTime() + HOUR_MS) },
    conditions: [{ attribute: 'refDevice', column: 'ref_device', operator: '==', value: DEVICE_PREFIX + match[1] }, ...rest.conditions(match.slice(3))],
  };
}

/** GeoJSON Point of a row's lat/lon, when it has them. */
export const pointOf = (row: Row) =>
  row.lat === null || row.lat === undefined || row.lon === null || row.lon === undefined
    ? {}
    : { location: { type: 'Point', coordinates: [Number(row.lon), Number(row.lat)] } };
