// A request that breaks a rule of the database (a CHECK, a unique key, a reference, NOT NULL, a value
// of the wrong form) gets a clear answer naming the field and the rule. Never the database's own
// `detail`: for a CHECK it is "Failing row contains (...)", the whole row, encrypted secrets included.
import type { RequestRefusal } from '@cityops/contract/server-codes';
import type { Queryable } from '@cityops/core/database/pool';

interface DatabaseError {
  code?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

export interface DatabaseErrorResponse {
  status: number;
  body: { code: string; message: string; field?: string } & Partial<RequestRefusal>;
}

/** snake_case column → the camelCase name the API uses for the same field. */
const apiFieldName = (column: string) => column.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());

interface ConstraintInfo {
  columns: string[];
  definition?: string;
}

// Constraints change only with a migration (which restarts the process): look each up once.
const constraintCache = new Map<string, ConstraintInfo>();

async function describeConstraint(db: Queryable, error: DatabaseError): Promise<ConstraintInfo> {
  const key = `${error.schema}.${error.table}.${error.constraint}`;
  const cached = constraintCache.get(key);
  if (cached) return cached;
  try {
    const result = await db.query(
      `SELECT pg_get_constraintdef(c.oid) AS definition,
         array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) ORDER BY a.attnum) AS columns
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE c.conname = $1 AND t.relname = $2 AND n.nspname = $3`,
      [error.constraint, error.table, error.schema ?? 'public'],
    );
    const row = result.rows[0];
    const info: ConstraintInfo = row ? { columns: row.columns, definition: row.definition } : { columns: [] };
    constraintCache.set(key, info);
    return info;
  } catch {
    // The database is what failed: answer with what the error itself says.
    return { columns: [] };
  }
}

export async function databaseErrorResponse(db: Queryable, rawError: unknown): Promise<DatabaseErrorResponse | undefined> {
  const error = rawError as DatabaseError;
  const code = error.code;
  // The pool waited DATABASE_CONNECT_TIMEOUT_MS for a connection, or the server is gone or restarting.
  if (/timeout exceeded when trying to connect|Connection terminated/.test((rawError as Error).message ?? '') || code === 'ECONNREFUSED' || code === 'ECONNRESET' || /^(08...|57P0[123])$/.test(code ?? '')) {
    return { status: 503, body: { code: 'database_unavailable', message: 'the database is busy or unreachable; try again shortly' } };
  }
  if (code === '57014') {
    return { status: 503, body: { code: 'database_timeout', message: 'the database took too long to answer (statement timeout); try a smaller request' } };
  }
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  const invalid = (message: string, field: string | undefined, refusal: RequestRefusal): DatabaseErrorResponse => ({ status: 400, body: { code: 'invalid', message, ...(field ? { field } : {}), ...refusal } });

  if (code === '23502' && error.column) return invalid(`${apiFieldName(error.column)}: required`, apiFieldName(error.column), { reason: 'required' });
  if (code === '23505' || code === '23503' || code === '23514') {
    const { columns, definition } = error.constraint ? await describeConstraint(db, error) : { columns: [] as string[] };
    const fields = columns.map(apiFieldName);
    const field = fields[0];
    const named = fields.length ? fields.join(', ') : (error.table ?? 'request');
    if (code === '23505') {
      return { status: 409, body: { code: 'conflict', message: `${named}: already taken by another ${error.table ?? 'record'}`, ...(field ? { field } : {}), reason: 'already_taken' } };
    }
    if (code === '23503') return invalid(`${named}: refers to something that does not exist, or is still referred to`, field, { reason: 'dangling_reference' });
    return invalid(`${named}: breaks the rule ${definition ?? error.constraint ?? 'of the registry'}`, field, { reason: 'rule_broken', params: { rule: definition ?? error.constraint ?? '' } });
  }
  // Values of the wrong form or out of range (22xxx): the database's message may quote the value.
  if (code.startsWith('22')) return invalid('a value is out of range or not of the expected form', undefined, { reason: 'out_of_range' });
  return undefined;
}
