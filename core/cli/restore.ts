// npm run restore -- FILE [--force]: puts a backup from `npm run backup` back (core/database/backup.ts).
// Refuses to replace a database (or clips) that already holds data unless --force. Stop CityOps first.
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { restore } from '../database/backup.ts';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const file = args.find((arg) => !arg.startsWith('--'));
  if (!file) {
    console.error('usage: npm run restore -- FILE [--force]');
    process.exit(2);
  }
  try {
    const config = loadConfig(process.env, []);
    await restore(config, file, { force }, createLogger(config.LOG_LEVEL));
    console.log(`cityops restore: ${file} restored`);
  } catch (error) {
    console.error(`cityops restore: ${(error as Error).message}`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
}
