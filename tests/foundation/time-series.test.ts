import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { migrate } from '../../core/database/migrate.ts';
import { maintainPartitions } from '../../core/database/time-series.ts';
import { createDatabase, withTransaction, type Database } from '../../core/database/pool.ts';

let test: TestDatabase;
let owner: Database; // partition maintenance is the owner's (core/database/roles.ts)
beforeAll(async () => {
  test = await createTestDatabase();
  owner = createDatabase(test.ownerUrl, 2);
});
afterAll(async () => {
  await owner?.end();
  await test?.drop();
});

describe('time-series storage on plain PostgreSQL', () => {
  it('re-running migrations is a no-op', async () => {
    const before = await test.db.query('SELECT count(*) AS n FROM schema_migrations');
    await migrate(test.db);
    const after = await test.db.query('SELECT count(*) AS n FROM schema_migrations');
    expect(after.rows[0].n).toBe(before.rows[0].n);
    expect(Number(before.rows[0].n)).toBeGreaterThan(0);
  });

  it('partitions sensor readings by day and routes rows into the right partition', async () => {
    expect(test.caps.timescale).toBe(false);
    const now = new Date();
    await test.db.query(`INSERT INTO sensors (id, name, kind, unit) VALUES ('tide-1', 'Tide 1', 'tide_level', 'm')`);
    await test.db.query(`INSERT INTO sensor_readings (sensor_id, ts, value) VALUES ('tide-1', $1, 1.42)`, [now]);
    const where = await test.db.query(`SELECT tableoid::regclass::text AS part FROM sensor_readings WHERE sensor_id = 'tide-1'`);
    expect(where.rows[0].part).toBe(`sensor_readings_p${now.toISOString().slice(0, 10).replaceAll('-', '')}`);
  });

  it('adopts rows that landed in the default partition when their day is created, and keeps them queryable', async () => {
    const farFuture = new Date(Date.now() + 30 * 86_400_000);
    await test.db.query(`INSERT INTO sensor_readings (sensor_id, ts, value) VALUES ('tide-1', $1, 2.0)`, [farFuture]);
    const before = await test.db.query(`SELECT tableoid::regclass::text AS part FROM sensor_readings WHERE ts = $1`, [farFuture]);
    expect(before.rows[0].part).toBe('sensor_readings_default');
    await withTransaction(owner, (client) => maintainPartitions(client, test.caps, farFuture, { daysBack: 0, daysAhead: 0 }));
    const after = await test.db.query(`SELECT tableoid::regclass::text AS part, value FROM sensor_readings WHERE ts = $1`, [farFuture]);
    expect(after.rows[0]).toEqual({ part: `sensor_readings_p${farFuture.toISOString().slice(0, 10).replaceAll('-', '')}`, value: 2 });
  });

  it('drops whole days past retention', async () => {
    const old = new Date(Date.now() - 800 * 86_400_000);
    await withTransaction(owner, (client) => maintainPartitions(client, test.caps, old, { daysBack: 0, daysAhead: 0 }));
    const name = `sensor_readings_p${old.toISOString().slice(0, 10).replaceAll('-', '')}`;
    expect((await test.db.query(`SELECT 1 FROM pg_class WHERE relname = $1`, [name])).rowCount).toBe(1);
    await withTransaction(owner, (client) => maintainPartitions(client, test.caps, new Date()));
    expect((await test.db.query(`SELECT 1 FROM pg_class WHERE relname = $1`, [name])).rowCount).toBe(0);
  });

  it('serves hourly traffic counts from the same view on either backend', async () => {
    const minute = new Date('2026-11-23T08:15:00Z');
    await test.db.query(
      `INSERT INTO traffic_counts (camera_id, line_id, minute, class, direction, count)
       VALUES ('cam-1', 'l1', $1, 'car', '+', 3), ('cam-1', 'l1', $2, 'car', '+', 4)`,
      [minute, new Date('2026-11-23T08:47:00Z')],
    );
    const hourly = await test.db.query(`SELECT hour, count FROM traffic_hourly WHERE camera_id = 'cam-1'`);
    expect(hourly.rows).toEqual([{ hour: new Date('2026-11-23T08:00:00Z'), count: 7 }]);
  });
});
