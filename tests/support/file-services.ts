// Runs before every test file, in the file's own process: points it at the run's PostgreSQL and at a
// broker of its own (or the one TEST_MQTT_URL names), through the variables tests/support/urls.ts reads
// and child processes inherit.
import { afterAll, inject } from 'vitest';
import { startFileBroker } from './file-broker.ts';

process.env.TEST_DATABASE_URL = inject('testDatabaseUrl');
const shared = inject('sharedMqttUrl');
if (shared) {
  process.env.TEST_MQTT_URL = shared;
} else {
  const broker = await startFileBroker();
  process.env.TEST_MQTT_URL = broker.url;
  afterAll(() => broker.stop());
}
