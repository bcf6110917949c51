// A seeded dashboard server for working on the UI by hand: `npx tsx tests/browser/dev-server.ts [port]`.
// Users <role>-user with the test password, a field team, a day of readings and some open alerts;
// the database is dropped on Ctrl-C.
import { createStandaloneDatabase, startDashboardServer } from './harness.ts';
import { raiseDemoAlerts, seedFieldTeam, seedReadings, seedTrafficCounts } from './demo-data.ts';
import { TEST_PASSWORD } from '../support/api.ts';

const test = await createStandaloneDatabase();
const api = await startDashboardServer(test, { PORT: process.argv[2] ?? '8099', ...(process.env.MQTT_URL ? { MQTT_URL: process.env.MQTT_URL } : {}) });
await seedFieldTeam(test.db);
await seedReadings(test.db);
await seedTrafficCounts(test.db);
await raiseDemoAlerts(test.db);
console.log(`dashboard at ${api.baseUrl} (users <role>-user / ${TEST_PASSWORD})`);
const stop = async () => {
  await api.stop();
  await test.drop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
