// From a public request to a bounded query: the time range (from `q`'s conditions on the type's time
// attribute, or from/to of a file; 24 hours by default, at most OPEN_DATA_MAX_DAYS), and paging (at
// most MAX_LIMIT entities a page). Every read runs in a READ ONLY transaction with a short statement
// timeout: the public cannot write through these routes, nor keep the database busy.
import type { Database } from '@cityops/core/database/pool';
import { withTransaction } from '@cityops/core/database/pool';
import type { DatabaseCapabilities } from '@cityops/core/database/capabilities';
import { queryRows, type EntityQuery, type EntityType, type Row, type RowSource, type TimeRange } from './entity-type.ts';
import { impliedTimeRange, QueryError, type Condition } from './query-language.ts';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 1000;
export const MAX_OFFSET = 100_000;
const DAY_MS = 86_400_000;
const STATEMENT_TIMEOUT_MS = 10_000;

/** The range a request covers: explicit bounds or the last 24 hours, refused beyond `maxDays`. */
export function boundedRange(bounds: { from?: Date; to?: Date }, maxDays: number, parameter: string, now = new Date()): TimeRange {
  const to = bounds.to ?? (bounds.from ? new Date(Math.min(now.getTime(), bounds.from.getTime() + maxDays * DAY_MS)) : now);
  const from = bounds.from ?? new Date(to.getTime() - DAY_MS);
  if (to.getTime() - from.getTime() > maxDays * DAY_MS) {
    throw new QueryError(`${parameter}: at most ${maxDays} days per request (asked ${Math.ceil((to.getTime() - from.getTime()) / DAY_MS)})`, parameter);
  }
  // Contradicting bounds (dateObserved>X;dateObserved<X) ask for nothing: an empty range, not an error.
  return { from, to: to < from ? from : to };
}

/** The time range of a query on a type, from its conditions. */
export function rangeFromConditions(type: EntityType, conditions: Condition[], maxDays: number): TimeRange {
  if (!type.timeAttribute) return { from: new Date(0), to: new Date() };
  return boundedRange(impliedTimeRange(conditions, type.timeAttribute), maxDays, 'q');
}

export function paging(limit: string | undefined, offset: string | undefined): { limit: number; offset: number } {
  const parsedLimit = limit === undefined ? DEFAULT_LIMIT : Number(limit);
  const parsedOffset = offset === undefined ? 0 : Number(offset);
  if (!Number.isInteger(parsedLimit) || parsedLimit < 1 || parsedLimit > MAX_LIMIT) throw new QueryError(`limit: a whole number 1 to ${MAX_LIMIT}`, 'limit');
  if (!Number.isInteger(parsedOffset) || parsedOffset < 0 || parsedOffset > MAX_OFFSET) throw new QueryError(`offset: a whole number 0 to ${MAX_OFFSET}`, 'offset');
  return { limit: parsedLimit, offset: parsedOffset };
}

export function parseInstant(value: string | undefined, parameter: string): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) || Number.isNaN(at.getTime())) {
    throw new QueryError(`${parameter}: an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z`, parameter);
  }
  return at;
}

/** Reads one page in a read-only transaction. */
export function readOnly(db: Database, caps: DatabaseCapabilities, type: RowSource, query: EntityQuery): Promise<{ rows: Row[]; total?: number }> {
  return withTransaction(
    db,
    async (client) => {
      await client.query(`SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
      return queryRows(client, caps, type, query);
    },
    'READ ONLY',
  );
}
