// npm run broker:export -- --out DIR
// Writes DIR/passwd and DIR/acl for Mosquitto from the device registry. Then reload the broker
// (docker compose kill -s HUP mosquitto).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '@cityops/core/config';
import { createDatabase } from '@cityops/core/database/pool';
import { SecretBox } from '@cityops/core/secret-box';
import { buildBrokerFiles } from '../broker-credentials.ts';

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const config = loadConfig(process.env, []);
const out = path.resolve(outIndex >= 0 ? args[outIndex + 1] : path.join(config.dataDir, 'broker'));
if (!config.DATABASE_URL || !config.MQTT_PASSWORD) {
  console.error('broker:export needs DATABASE_URL and MQTT_PASSWORD (the service account password) to be set');
  process.exit(2);
}
const db = createDatabase(config.DATABASE_URL, 1);
const files = await buildBrokerFiles(db, SecretBox.fromConfig(config.SECRET_KEY, config.dataDir), {
  username: config.MQTT_USERNAME ?? 'cityops',
  password: config.MQTT_PASSWORD,
});
await db.end();
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'passwd'), files.passwd, { mode: 0o600 });
writeFileSync(path.join(out, 'acl'), files.acl, { mode: 0o644 });
console.log(`wrote ${path.join(out, 'passwd')} and ${path.join(out, 'acl')} for ${files.devices} device(s)`);
