// Analytics workers share the slots through leases in PostgreSQL: two real worker processes split them
// by count, and when one is killed with SIGKILL the other takes its cameras within the lease expiry.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { createLogger } from '../../core/logger.ts';
import { SlotLeader } from '../../analytics/slots/leader.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { cameraGrid, insertCameras, setActivity, waitFor } from './support/fixtures.ts';

const LEASE_MS = 3000;
let test: TestDatabase;
let leader: SlotLeader;
const children: ChildProcess[] = [];
const topicPrefix = `test-${randomBytes(4).toString('hex')}/frames`;

function startWorker(workerId: string): { child: ChildProcess; latest: () => string[] } {
  // node --import tsx (not npx tsx): the pid we kill is the worker itself, not a wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/slots/support/worker-child.ts', test.url, workerId, String(LEASE_MS), topicPrefix], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let latest: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      latest = (JSON.parse(line) as { cameras: string[] }).cameras;
    } catch {
      // not a report line
    }
  });
  return { child, latest: () => latest };
}

async function leasesByWorker(): Promise<Record<string, number>> {
  const result = await test.db.query<{ worker_id: string; n: number }>(
    `SELECT worker_id, count(*)::int AS n FROM analysis_slots WHERE worker_id IS NOT NULL AND lease_expires_at > now() GROUP BY worker_id`,
  );
  return Object.fromEntries(result.rows.map((row) => [row.worker_id, row.n]));
}

beforeAll(async () => {
  test = await createTestDatabase();
  const cameras = cameraGrid('lease', 10);
  await insertCameras(test.db, cameras);
  await setActivity(test.db, cameras.map((c) => c.id), 5, { lastFrameAt: 'infinity' });
  leader = new SlotLeader({
    db: test.db,
    logger: createLogger('silent'),
    live: createLivePublisher(test.db),
    id: 'lease-test-leader',
    settings: {
      slotCount: 10,
      intervalMs: 1000,
      leaseMs: LEASE_MS,
      scheduler: {},
      signals: { sensorRadiusM: 1000, sensorMinLevel: 2, recentEventMs: 600_000, streamStaleMs: 20_000, timeZone: 'UTC' },
    },
  });
  await leader.start();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await leader?.stop();
  await test?.drop();
});

describe('analysis slot leases across worker processes', () => {
  it('two workers split the slots by count; after kill -9 of one, the other holds them all within the lease expiry', async () => {
    const a = startWorker('worker-a');
    const b = startWorker('worker-b');
    await waitFor('both workers to hold 5 slots each', async () => {
      const leases = await leasesByWorker();
      return leases['worker-a'] === 5 && leases['worker-b'] === 5;
    }, 60_000, 200);
    // Each worker subscribed to exactly the cameras it leases.
    await waitFor('the workers to report their cameras', async () => a.latest().length === 5 && b.latest().length === 5, 10_000);
    expect(new Set([...a.latest(), ...b.latest()]).size).toBe(10);

    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor('worker-b to hold all 10 slots', async () => (await leasesByWorker())['worker-b'] === 10, 30_000, 100);
    const movedAfterMs = Date.now() - killedAt;
    // Expiry (3 s) plus at most one renewal interval (1 s) and a little scheduling slack.
    expect(movedAfterMs).toBeLessThan(LEASE_MS + 3000);
    await waitFor('worker-b to analyse all 10 cameras', async () => b.latest().length === 10, 10_000);
    const rows = await test.db.query(`SELECT count(*)::int AS n FROM analysis_slots WHERE worker_id = 'worker-a'`);
    expect(rows.rows[0].n).toBe(0);

    // A clean stop gives the slots back at once (no waiting for the lease).
    b.child.kill('SIGTERM');
    await new Promise((resolve) => b.child.once('exit', resolve));
    const left = await test.db.query(`SELECT count(*)::int AS n FROM analysis_slots WHERE worker_id IS NOT NULL`);
    expect(left.rows[0].n).toBe(0);
    const workers = await test.db.query(`SELECT worker_id FROM analysis_workers`);
    expect(workers.rows.map((row) => row.worker_id)).toEqual(['worker-a']); // the killed one never cleaned up
  });
});
