// npm run backup -- --out FILE: the database and the evidence clips in one archive (core/database/backup.ts).
// Works while CityOps runs (online base backup of the embedded PostgreSQL, or pg_dump of an external one).
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { backup } from '../database/backup.ts';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? args[outIndex + 1] : args.find((arg) => arg.startsWith('--out='))?.slice(6);
  if (!out) {
    console.error('usage: npm run backup -- --out FILE');
    process.exit(2);
  }
  try {
    const config = loadConfig(process.env, []);
    await backup(config, out, createLogger(config.LOG_LEVEL));
    console.log(`cityops backup: written to ${out}`);
  } catch (error) {
    console.error(`cityops backup: ${(error as Error).message}`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
}
