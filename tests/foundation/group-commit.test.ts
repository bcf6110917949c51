// Group commit (core/database/group-commit.ts) on a real PostgreSQL: a burst is written in a few shared
// transactions with every item kept and answered only once committed, and an item that fails fails
// alone while the rest of its group is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../core/database/group-commit.ts';
import { createDatabase, type Database } from '../../core/database/pool.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let test: TestDatabase;
let db: Database;

beforeAll(async () => {
  test = await createTestDatabase();
  db = createDatabase(test.superuserUrl, 4);
  // `tx`: the transaction that wrote the row, to count how many a burst took.
  await db.query(`CREATE TABLE group_commit_probe (burst text NOT NULL, n integer NOT NULL CHECK (n >= 0), tx bigint NOT NULL DEFAULT txid_current())`);
});

afterAll(async () => {
  await db.end();
  await test.drop();
});

/** One lane, groups of at most 10: each item is a row of `burst`; `prepare` counts the groups. */
function probeWriter() {
  let groups = 0;
  const writer = createGroupCommit<{ burst: string; n: number }, number, number>({
    db,
    lanes: 1,
    maxGroup: 10,
    prepare: async () => ++groups,
    write: async (tx, item) => {
      const result = await tx.query(`INSERT INTO group_commit_probe (burst, n) VALUES ($1, $2) RETURNING tx`, [item.burst, item.n]);
      return Number(result.rows[0].tx);
    },
  });
  return { writer, groups: () => groups };
}

const rowsOf = async (burst: string) => (await db.query(`SELECT n, tx FROM group_commit_probe WHERE burst = $1 ORDER BY n`, [burst])).rows;

describe('group commit', () => {
  it('writes a burst of 30 in a few shared transactions, keeping and answering every item after its commit', async () => {
    const { writer } = probeWriter();
    const answered: number[] = [];
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        writer.submit({ burst: 'burst', n }).then(async (tx) => {
          // Answered only once committed: another connection already sees the row.
          const seen = await db.query(`SELECT 1 FROM group_commit_probe WHERE burst = 'burst' AND n = $1`, [n]);
          if (seen.rowCount === 1) answered.push(n);
          return tx;
        }),
      ),
    );
    const rows = await rowsOf('burst');
    expect(rows.map((row) => row.n)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    expect(answered).toHaveLength(30);
    // The first item starts a group alone; the other 29 waited for it and share 3 more.
    const transactions = new Set(outcomes);
    expect(transactions.size).toBeLessThanOrEqual(4);
    expect(transactions.size).toBeGreaterThan(1);
  });

  it('fails only the item whose write throws; the rest of its group is stored and answered', async () => {
    const { writer, groups } = probeWriter();
    const settled = await Promise.allSettled(Array.from({ length: 12 }, (_, n) => writer.submit({ burst: 'one-bad', n: n === 5 ? -1 : n })));
    const refused = settled.flatMap((outcome, n) => (outcome.status === 'rejected' ? [{ n, code: (outcome.reason as { code?: string }).code }] : []));
    expect(refused).toEqual([{ n: 5, code: '23514' }]);
    const rows = await rowsOf('one-bad');
    expect(rows.map((row) => row.n)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
    // Item 5's group was written again without it: still shared transactions, not one per item.
    expect(new Set(rows.map((row) => row.tx)).size).toBeLessThan(rows.length);
    expect(groups()).toBeGreaterThan(1);
  });
});
