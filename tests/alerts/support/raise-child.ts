// A separate OS process raising `count` identical triggers at once, as camera or sensor workers on other
// machines would. With a barrier key, it first waits at a start line the test holds: a PostgreSQL
// advisory lock the test holds exclusively, which this process asks for in shared mode, so that two
// children released together raise together. Prints how many alerts it created, the backend that
// waited at the barrier, when each raise call ran (epoch ms, sub-millisecond) and the commit position of
// each raise's event, so the test can show that the two processes' raises overlapped.
// argv: <databaseUrl> <count> <barrierKey|none> <cameraId> [kind]
import pg from 'pg';
import { createDatabase } from '../../../core/database/pool.ts';
import { raiseAlert } from '../../../core/alerts/raise.ts';
import { systemActor } from '../../../core/audit.ts';
import type { AlertKind } from '../../../contract/alerts.ts';

const [url, countText, barrierKey, cameraId, kind = 'stalled_vehicle'] = process.argv.slice(2);
const count = Number(countText);
const db = createDatabase(url, 10);
// What AlertRaiser.raise runs for a camera trigger; called directly for the event it answers with too,
// whose eventId is the raise's commit position.
const raise = (trigger: Parameters<typeof raiseAlert>[1]) => raiseAlert({ db }, trigger, systemActor('camera-rules'));
// Open the pool's connections before the start line, not after it.
await Promise.all(Array.from({ length: 10 }, () => db.query('SELECT 1')));

let barrierBackendPid: number | undefined;
if (barrierKey !== 'none') {
  const barrier = new pg.Client({ connectionString: url });
  await barrier.connect();
  barrierBackendPid = (await barrier.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  await barrier.query('SELECT pg_advisory_lock_shared($1)', [barrierKey]); // blocks until the test lets go
  await barrier.end();
}

const now = () => performance.timeOrigin + performance.now();
const results = await Promise.all(
  Array.from({ length: count }, async (_, i) => {
    const startedAt = now();
    const result = await raise({
      sourceType: 'camera',
      sourceId: cameraId,
      kind: kind as AlertKind,
      zoneId: 'lane-2',
      severity: 'major',
      title: { vi: 'Xe dừng trên làn 2', en: 'Vehicle stopped in lane 2' },
      evidence: { data: { trigger: i, pid: process.pid } },
    });
    return { ...result, interval: [startedAt, now()] as [number, number] };
  }),
);
console.log(
  JSON.stringify({
    created: results.filter((result) => result.created).length,
    alertIds: [...new Set(results.map((result) => result.alertId))],
    barrierBackendPid,
    raiseIntervals: results.map((result) => result.interval),
    eventPositions: results.map((result) => result.message.eventId),
  }),
);
await db.end();
