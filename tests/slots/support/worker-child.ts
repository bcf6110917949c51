// One analytics worker in its own process, for the lease tests: the real AnalysisWorker with the real
// detector and broker. Prints the cameras it holds as JSON lines; SIGTERM stops it cleanly.
// Usage: node --import tsx tests/slots/support/worker-child.ts DATABASE_URL WORKER_ID LEASE_MS TOPIC_PREFIX
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAlertRaiser } from '../../../core/alerts/raise.ts';
import { createDatabase } from '../../../core/database/pool.ts';
import { createLivePublisher } from '../../../core/live/publisher.ts';
import { createLogger } from '../../../core/logger.ts';
import { connectMqtt } from '../../../core/mqtt/connect.ts';
import { createDetector } from '../../../analytics/detect/detector.ts';
import { AnalysisWorker } from '../../../analytics/live/analysis-worker.ts';
import { assetMirrorDir, testMqttUrl } from '../../support/urls.ts';

const [url, workerId, leaseMs, topicPrefix] = process.argv.slice(2);
const db = createDatabase(url, 4);
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const mqtt = await connectMqtt({ MQTT_URL: testMqttUrl() }, `${workerId}-${process.pid}`);
const detector = await createDetector({ assetMirrorDir: assetMirrorDir(), dataDir: mkdtempSync(path.join(tmpdir(), 'slot-worker-')), allowDownload: false });
const worker = new AnalysisWorker({
  db,
  mqtt,
  detector,
  alerts: createAlertRaiser({ db, live: createLivePublisher(db) }),
  logger,
  workerId,
  capacity: 10,
  leaseMs: Number(leaseMs),
  topicPrefix,
});
await worker.start();
const report = setInterval(() => process.stdout.write(`${JSON.stringify({ workerId, pid: process.pid, cameras: worker.cameras.sort() })}\n`), 200);

process.on('SIGTERM', () => {
  clearInterval(report);
  void (async () => {
    await worker.stop();
    await mqtt.endAsync();
    await detector.close();
    await db.end();
    process.exit(0);
  })();
});
