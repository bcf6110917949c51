// Group commit: items that arrive while earlier ones are being written wait and are then written
// together, in one transaction. A burst pays one COMMIT (one WAL flush, the costly part of a small
// write) per group instead of one per item, and what every item needs is read once per group.
//
// Each item keeps its own outcome. Its promise resolves only after its group's COMMIT, so "resolved"
// still means "durably stored". An item whose write throws gets its error alone: the transaction is
// rolled back and the rest of the group is written again without it (nothing of a rolled-back group
// was committed or answered). Groups on different lanes can lock the same rows in another order: a
// deadlock or serialization failure writes the whole group again instead of failing an item.
import type pg from 'pg';
import { withTransaction, type Database } from './pool.ts';

export interface GroupCommitOptions<Item, Shared, Result> {
  db: Database;
  /** Groups written at the same time, each in its own transaction on its own connection. */
  lanes: number;
  /** Most items in one transaction: bounds how long a group holds its locks and keeps its callers waiting. */
  maxGroup: number;
  /**
   * What every item of a group needs, read once per group inside its transaction (given the group's
   * items, so it can look up all of theirs in one statement). Made again when a group is written again.
   */
  prepare: (tx: pg.PoolClient, items: Item[]) => Promise<Shared>;
  /** Writes one item; throwing fails that item only. */
  write: (tx: pg.PoolClient, item: Item, shared: Shared) => Promise<Result>;
  /**
   * After the group's last write, before its COMMIT: what the writes left in `shared` to be done once
   * per group (rows written in one statement). Throwing fails the whole group, as a failed prepare does.
   */
  finish?: (tx: pg.PoolClient, shared: Shared) => Promise<void>;
}

export interface GroupCommit<Item, Result> {
  /** Resolves with the item's result once its group has committed. */
  submit(item: Item): Promise<Result>;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/** deadlock_detected, serialization_failure: nobody's fault, the same group succeeds when written again. */
const TRANSIENT_CODES = new Set(['40P01', '40001']);
const MAX_TRANSIENT_RETRIES = 3;
const isTransient = (error: unknown) => TRANSIENT_CODES.has((error as { code?: string }).code ?? '');

export function createGroupCommit<Item, Shared, Result>(options: GroupCommitOptions<Item, Shared, Result>): GroupCommit<Item, Result> {
  const queue: Array<Waiting<Item, Result>> = [];
  let busyLanes = 0;

  function startGroups(): void {
    while (busyLanes < options.lanes && queue.length > 0) {
      const group = queue.splice(0, options.maxGroup);
      busyLanes++;
      // writeGroup settles every promise of its group itself and never throws.
      void writeGroup(group).finally(() => {
        busyLanes--;
        startGroups();
      });
    }
  }

  async function writeGroup(group: Array<Waiting<Item, Result>>): Promise<void> {
    let pending = group;
    let transientRetries = 0;
    while (pending.length > 0) {
      const results: Result[] = [];
      /** Index of the item being written when the transaction failed; -1: outside any item (prepare, COMMIT). */
      let failedAt = -1;
      try {
        await withTransaction(options.db, async (tx) => {
          const shared = await options.prepare(
            tx,
            pending.map((waiting) => waiting.item),
          );
          for (let index = 0; index < pending.length; index++) {
            failedAt = index;
            results.push(await options.write(tx, pending[index].item, shared));
          }
          failedAt = -1;
          await options.finish?.(tx, shared);
        });
      } catch (error) {
        if (isTransient(error) && transientRetries++ < MAX_TRANSIENT_RETRIES) continue;
        if (failedAt < 0) {
          for (const waiting of pending) waiting.reject(error);
          return;
        }
        pending[failedAt].reject(error);
        pending = pending.filter((_, index) => index !== failedAt);
        continue;
      }
      pending.forEach((waiting, index) => waiting.resolve(results[index]));
      return;
    }
  }

  return {
    submit: (item) =>
      new Promise<Result>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        startGroups();
      }),
  };
}
