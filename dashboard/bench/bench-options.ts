// What the dashboard's benches share: their PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, default
// the local server) and their numeric command-line options.
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
