// PostgreSQL access through node-postgres. One pool per process; repositories take a Queryable so the
// same SQL runs on the pool or inside a transaction.
import pg from 'pg';
import { redactUrl, type Logger } from '../logger.ts';
import { backoffMs, sleep } from '../lifecycle.ts';
import { AppError } from '../errors.ts';

export type Database = pg.Pool;
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

// Counts and sums come back as JS numbers: our counts fit in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/**
 * Limits that keep one slow consumer from starving everyone: a query waiting for a pooled connection
 * fails after `connectTimeoutMs` (instead of queueing behind a few slow CSV downloads forever), and the
 * server ends a statement or an idle open transaction that runs past its limit. 0 = no server limit.
 */
export interface DatabaseTimeouts {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

/** The defaults of DATABASE_CONNECT_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS. */
export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { connectTimeoutMs: 10_000, statementTimeoutMs: 120_000, idleInTransactionTimeoutMs: 60_000 };

export function databaseTimeouts(config: {
  DATABASE_CONNECT_TIMEOUT_MS: number;
  DATABASE_STATEMENT_TIMEOUT_MS: number;
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: number;
}): DatabaseTimeouts {
  return {
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}

export function createDatabase(url: string, max = 10, timeouts: DatabaseTimeouts = DEFAULT_DATABASE_TIMEOUTS): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: 'cityops',
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    // Sent in the startup packet: the server enforces them, whatever the client does meanwhile (0 = off).
    ...(timeouts.statementTimeoutMs ? { statement_timeout: timeouts.statementTimeoutMs } : {}),
    ...(timeouts.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs } : {}),
  });
  // A client losing its server (database restart, fast shutdown) must not crash the process: pg emits
  // 'error' on an idle pooled client, and on a checked-out client between two queries, where nobody
  // listens. The caller's next query on that client fails and is handled where it is made.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Runs `work` in one transaction; `mode` adds e.g. 'ISOLATION LEVEL REPEATABLE READ READ ONLY'. */
export async function withTransaction<T>(
  db: Database,
  work: (client: pg.PoolClient) => Promise<T>,
  mode = '',
): Promise<T> {
  const client = await db.connect();
  try {
    return await transactionOn(client, () => work(client), mode);
  } finally {
    client.release();
  }
}

/**
 * Runs `work` in one transaction on a connection the caller holds (and keeps: it is not released),
 * e.g. a connection that also holds a session advisory lock.
 */
export async function transactionOn<T>(client: Queryable, work: () => Promise<T>, mode = ''): Promise<T> {
  try {
    await client.query(mode ? `BEGIN ${mode}` : 'BEGIN');
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Waits for the database at start with exponential backoff, logging a clear reason each time. */
/** One round trip to the server: answers when the database does (readiness probes, start-up waits). */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}

export async function waitForDatabase(
  db: Database,
  url: string,
  logger: Logger,
  { attempts = 8, maxDelayMs = 10_000 } = {},
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await pingDatabase(db);
      return;
    } catch (error) {
      const reason = (error as Error).message;
      if (attempt + 1 >= attempts) {
        throw new AppError('database_unreachable', `database unreachable at ${redactUrl(url)} after ${attempts} attempts: ${reason}`, 'DATABASE_URL');
      }
      const delay = backoffMs(attempt, 500, maxDelayMs);
      logger.warn({ attempt: attempt + 1, delayMs: delay, reason }, 'database not reachable yet, retrying');
      await sleep(delay);
    }
  }
}
