// The API process of a benchmark: the real api role on an ephemeral port, on the bench's database.
// Run as `node --import tsx dashboard/bench/bench-api.ts DATABASE_URL [KEY=VALUE ...]` (configuration
// keys a bench sets, such as a rate limit it must not hit); prints `listening on port N`,
// and stops on SIGTERM or when its parent's IPC channel closes (a bench stopped midway leaves no API).
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@cityops/core/config';
import { detectCapabilities } from '@cityops/core/database/capabilities';
import { createDatabase, type Database } from '@cityops/core/database/pool';
import { createLogger } from '@cityops/core/logger';
import { connectMqtt } from '@cityops/core/mqtt/connect';
import { SecretBox } from '@cityops/core/secret-box';

async function serve(url: string, settings: string[]): Promise<void> {
  const overrides = Object.fromEntries(settings.map((setting) => [setting.slice(0, setting.indexOf('=')), setting.slice(setting.indexOf('=') + 1)]));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: url, SECRET_KEY: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn', SIMULATE: 'false', ...overrides }, []);
  const db: Database = createDatabase(url, 10);
  const { ApiRole } = await import('../server/role.ts');
  const { featureRoutes } = await import('../../apps/routes.ts');
  const role = new ApiRole(
    {
      config,
      db,
      caps: await detectCapabilities(db),
      logger: createLogger(config.LOG_LEVEL),
      secretBox: SecretBox.fromConfig(config.SECRET_KEY, config.dataDir),
      connectMqtt: (clientId, options) => connectMqtt(config, clientId, options),
    },
    featureRoutes,
  );
  await role.start();
  process.stdout.write(`listening on port ${role.port}\n`);
  const stop = () => void role.stop().then(() => db.end()).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

void serve(process.argv[2], process.argv.slice(3));
