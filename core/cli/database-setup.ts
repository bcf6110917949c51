// npm run db:setup — prepares an external PostgreSQL/TimescaleDB for least privilege (see
// core/database/roles.ts), as docker-compose's one-shot `database-setup` service does:
//   1. as the superuser of DATABASE_ADMIN_URL: creates (or updates the password of) the owner role of
//      DATABASE_OWNER_URL and the application role of DATABASE_URL, installs TimescaleDB when the
//      server has it, and hands objects the superuser created earlier (an older installation) to the owner;
//   2. as the owner: applies the migrations and grants the application role what it needs.
// Role names and passwords are taken from the URLs, so the three URLs are the whole configuration.
// Idempotent: safe to run at every `docker compose up`.
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../config.ts';
import { createLogger, redactUrl } from '../logger.ts';
import { migrate } from '../database/migrate.ts';
import { createDatabase, waitForDatabase } from '../database/pool.ts';
import { setupDatabaseRoles } from '../database/roles.ts';

interface LoginOf {
  user: string;
  password?: string;
}

function loginOf(url: string, key: string): LoginOf {
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username);
  if (!user) throw new ConfigError(key, 'a URL naming its user (postgres://USER:PASSWORD@host/db)');
  return { user, password: parsed.password ? decodeURIComponent(parsed.password) : undefined };
}

export async function setupDatabase(urls: { adminUrl: string; ownerUrl: string; appUrl: string }, logger = createLogger()): Promise<void> {
  const owner = loginOf(urls.ownerUrl, 'DATABASE_OWNER_URL');
  const app = loginOf(urls.appUrl, 'DATABASE_URL');
  if (owner.user === app.user) throw new ConfigError('DATABASE_URL', `a role other than the owner (${owner.user})`);
  const adminPool = createDatabase(urls.adminUrl, 1);
  try {
    await waitForDatabase(adminPool, urls.adminUrl, logger, { attempts: 20 });
    const { rows } = await adminPool.query<{ superuser: boolean }>(`SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`);
    if (!rows[0]?.superuser) throw new Error(`DATABASE_ADMIN_URL (${redactUrl(urls.adminUrl)}) must connect as a superuser`);
    await setupDatabaseRoles(adminPool, { owner: owner.user, app: app.user, ownerPassword: owner.password, appPassword: app.password });
  } finally {
    await adminPool.end();
  }
  const ownerPool = createDatabase(urls.ownerUrl, 1);
  try {
    await migrate(ownerPool, { logger, grantTo: app.user });
  } finally {
    await ownerPool.end();
  }
  logger.info({ owner: owner.user, app: app.user }, 'database roles ready, migrations applied');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const config = loadConfig(process.env, []);
    const missing = (['DATABASE_ADMIN_URL', 'DATABASE_OWNER_URL', 'DATABASE_URL'] as const).filter((key) => !config[key]);
    if (missing.length) throw new ConfigError(missing.join(', '), 'set (see README "Database roles")');
    await setupDatabase({ adminUrl: config.DATABASE_ADMIN_URL!, ownerUrl: config.DATABASE_OWNER_URL!, appUrl: config.DATABASE_URL! }, createLogger(config.LOG_LEVEL));
  } catch (error) {
    console.error(`cityops db:setup: ${(error as Error).message}`);
    process.exit(1);
  }
}
