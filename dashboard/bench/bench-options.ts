// What the dashboard's benches share: their PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, default
// the local server), a scratch database on it, and their numeric command-line options.
import pg from 'pg';
export const adminUrl = () => process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The bench's scratch database `name` on the same server. */
export const databaseUrl = (name: string) => Object.assign(new URL(adminUrl()), { pathname: `/${name}` }).toString();

/** `--name N` among the bench's arguments: a positive number, or `fallback` when absent. */
export function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  const value = index >= 0 ? Number(args[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} expects a positive number`);
  return value;
}

/** Creates the bench's scratch database `name` afresh; the admin client drops it again at the end. */
export async function createScratchDatabase(name: string): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  return admin;
}
