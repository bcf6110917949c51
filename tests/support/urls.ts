// Where the real services for tests live. In a test run, file-services.ts sets both variables for every
// file (the run's own PostgreSQL and the file's own broker, or the ones given); the defaults are the
// standard local ports, for benches and scripts run outside vitest.
export const adminUrl = () => process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The same database as a login role without a password (the test server trusts local connections);
 * used for the owner and application roles (core/database/roles.ts).
 */
export function databaseUrlAs(name: string, role: string): string {
  const url = new URL(databaseUrl(name));
  url.username = role;
  url.password = '';
  return url.toString();
}

/** A real MQTT 5 broker (Mosquitto here and in CI). */
export const testMqttUrl = () => process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** The shared test assets (model, videos, map) beside the project, as CI lays them out. */
export const assetMirrorDir = () => process.env.ASSET_MIRROR_DIR ?? new URL('../../../shared/assets', import.meta.url).pathname;
