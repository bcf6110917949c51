// Least privilege in PostgreSQL: two login roles instead of one superuser.
// - the owner role owns every table, view, function and sequence: migrations and the plain-PostgreSQL
//   partition maintainer (CREATE/ATTACH/DROP of daily partitions needs ownership) run as it;
//   TimescaleDB hypertables, continuous aggregates and their background jobs belong to it too.
// - the application role is what the roles (api, ingest, analytics) connect as: it reads and writes
//   rows, and nothing else. It owns nothing, so it cannot ALTER/DROP a table or disable a trigger; it
//   has no TRUNCATE anywhere; on audit_log it has INSERT and SELECT only; it is not a superuser and has
//   no CREATEROLE/CREATEDB and no pg_execute_server_program / pg_read_server_files, so COPY … PROGRAM
//   and COPY FROM a server file are refused. LISTEN/NOTIFY and advisory locks need no grant.
// Role names are cluster-wide: creating them is idempotent and safe when several processes (or test
// runs) do it at once.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { Queryable } from './pool.ts';

export const OWNER_ROLE = 'cityops_owner';
export const APP_ROLE = 'cityops_app';

/** Double-quotes an identifier for SQL (role names come from configuration, not from users). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677), computed here so the
 * password itself never travels in a CREATE/ALTER ROLE statement a server log could keep.
 */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  // No SASLprep: node-postgres does none either, and generated passwords are ASCII (where it changes nothing).
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Creates a login role with no special attributes, or (when it exists and a password is given) sets
 * its password. Needs a superuser or CREATEROLE connection. Two concurrent CREATE ROLE of one name end
 * as duplicate_object or unique_violation in the slower one: both mean "already there".
 */
export async function ensureLoginRole(admin: Queryable, name: string, password?: string): Promise<void> {
  const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT';
  const withPassword = password === undefined ? '' : ` PASSWORD ${quoteLiteral(scramVerifier(password))}`;
  const exists = await admin.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [name]);
  if (!exists.rowCount) {
    try {
      await admin.query(`CREATE ROLE ${quoteIdentifier(name)} ${attributes}${withPassword}`);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== '42710' && code !== '23505') throw error;
    }
  }
  // Existing role: make sure it has no more than it should (a role created by hand may have more).
  // Altered only when needed: two concurrent ALTER ROLE of one role fail ("tuple concurrently updated").
  const widened = await admin.query(
    `SELECT 1 FROM pg_roles WHERE rolname = $1
       AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls OR NOT rolcanlogin)`,
    [name],
  );
  if (widened.rowCount || password !== undefined) await admin.query(`ALTER ROLE ${quoteIdentifier(name)} ${attributes}${withPassword}`);
}

export interface DatabaseRoles {
  owner: string;
  app: string;
  ownerPassword?: string;
  appPassword?: string;
}

/**
 * Run as a superuser connected to the CityOps database (embedded start, `docker compose` setup, test
 * support): creates both roles, lets the owner create objects in schema public and nobody else, and
 * hands objects the superuser created before this existed (an older installation) to the owner.
 */
export async function setupDatabaseRoles(admin: Queryable, roles: DatabaseRoles): Promise<void> {
  await ensureLoginRole(admin, roles.owner, roles.ownerPassword);
  await ensureLoginRole(admin, roles.app, roles.appPassword);
  const owner = quoteIdentifier(roles.owner);
  const app = quoteIdentifier(roles.app);
  const database = quoteIdentifier((await admin.query<{ name: string }>('SELECT current_database() AS name')).rows[0].name);
  // PostgreSQL before 15 lets PUBLIC create in schema public: nobody but the owner may.
  await admin.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
  await admin.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${owner}`);
  await admin.query(`GRANT USAGE ON SCHEMA public TO ${app}`);
  // TEMPORARY: sensor ingest stages readings in a per-connection temporary table before its upsert.
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${owner}, ${app}`);
  // TimescaleDB is not a trusted extension: only a superuser can install it, so it is done here.
  const timescale = await admin.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
  if (timescale.rowCount) await admin.query('CREATE EXTENSION IF NOT EXISTS timescaledb').catch(() => {});
  await transferOwnership(admin, roles.owner);
}

/** Objects in schema public owned by the connected superuser (created before the roles existed) go to the owner. */
async function transferOwnership(admin: Queryable, owner: string): Promise<void> {
  const relations = await admin.query<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
       AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
       -- sequences of identity/serial columns follow their table
       AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
     ORDER BY c.relkind = 'S'`,
  );
  const keyword: Record<string, string> = { r: 'TABLE', p: 'TABLE', f: 'FOREIGN TABLE', v: 'VIEW', m: 'MATERIALIZED VIEW', S: 'SEQUENCE' };
  for (const { name, kind } of relations.rows) {
    await admin.query(`ALTER ${keyword[kind]} ${quoteIdentifier(name)} OWNER TO ${quoteIdentifier(owner)}`);
  }
  const functions = await admin.query<{ signature: string }>(
    `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`,
  );
  for (const { signature } of functions.rows) await admin.query(`ALTER FUNCTION ${signature} OWNER TO ${quoteIdentifier(owner)}`);
}

/** Tables the application only reads or only adds to, and what it may do on each (see the header). */
const RESTRICTED_TABLES: Record<string, string> = {
  // Append-only: rows are added and read, never changed or removed (the trigger is the second lock).
  audit_log: 'SELECT, INSERT',
  schema_migrations: 'SELECT',
  // Measurements: analytics adds a minute's sample once (ON CONFLICT DO NOTHING), nobody edits one;
  // old days go with their partition or chunk, which the owner drops.
  parking_occupancy: 'SELECT, INSERT',
};

/**
 * Run by the owner after migrations: what the application role may do on every object in schema
 * public, today's and (through default privileges) those of future migrations. Idempotent.
 */
export async function grantApplicationPrivileges(owner: Queryable, appRole: string): Promise<void> {
  const app = quoteIdentifier(appRole);
  const tablePrivileges = 'SELECT, INSERT, UPDATE, DELETE';
  // USAGE = nextval (identity columns, alert_event_position); SELECT = currval. Not UPDATE (setval).
  const sequencePrivileges = 'USAGE, SELECT';
  await owner.query(`GRANT ${tablePrivileges} ON ALL TABLES IN SCHEMA public TO ${app}`);
  await owner.query(`GRANT ${sequencePrivileges} ON ALL SEQUENCES IN SCHEMA public TO ${app}`);
  await owner.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${app}`);
  await owner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ${tablePrivileges} ON TABLES TO ${app}`);
  await owner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ${sequencePrivileges} ON SEQUENCES TO ${app}`);
  await owner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO ${app}`);
  for (const [table, allowed] of Object.entries(RESTRICTED_TABLES)) {
    await owner.query(`REVOKE ALL ON ${table} FROM ${app}`);
    await owner.query(`GRANT ${allowed} ON ${table} TO ${app}`);
  }
}

/** The role this connection logs in as (the application role, granted privileges after migrations). */
export async function currentRole(db: Queryable): Promise<string> {
  return (await db.query<{ name: string }>('SELECT current_user AS name')).rows[0].name;
}

/** Logs once, at start, when the application connection could do anything to the database. */
export async function warnIfSuperuser(db: Queryable, logger: Logger): Promise<void> {
  const { rows } = await db.query<{ name: string; superuser: boolean }>(
    `SELECT current_user AS name, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`,
  );
  if (rows[0]?.superuser) {
    logger.warn(
      { role: rows[0].name },
      'DATABASE_URL connects as a PostgreSQL superuser: the audit log can be truncated and COPY … PROGRAM runs shell commands. ' +
        'Create an owner and an application role (README "Database roles") and set DATABASE_OWNER_URL',
    );
  }
}
