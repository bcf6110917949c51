// The slot scheduler's leader loop. Every analytics process runs one; a PostgreSQL session advisory
// lock makes exactly one of them the leader at a time (the lock goes with its connection, so a dead
// leader's lock is freed by the server and another process takes over at its next attempt).
// Each round, every few seconds and at once when woken (a dead stream, a pin, a new alert): read the
// signals, plan (scheduler.ts), write the slot table in one transaction, tell workers and ingest
// (NOTIFY at commit) and the dashboard (`slots:changed`).
import type pg from 'pg';
import type { ServerEventName, SlotsChanged } from '@cityops/contract/socket-events';
import { recordAudit, systemActor } from '@cityops/core/audit';
import { NotificationBus } from '@cityops/core/database/notification-bus';
import { transactionOn, type Database } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { LivePublisher } from '@cityops/core/live/publisher';
import { liveRooms } from '@cityops/core/live/rooms';
import type { Logger } from '@cityops/core/logger';
import { counter, gauge } from '@cityops/core/metrics';
import { SLOT_LISTEN_RETRY_MAX_MS, slotsWake } from './notifications.ts';
import { planSlots, type SchedulerNotice, type SchedulerOptions, type SlotPlan } from './scheduler.ts';
import { databaseNowMs, releaseAdvisoryLock, tryAdvisoryLock } from './leader-repository.ts';
import { loadCameraSignals, type SignalOptions } from './signals.ts';
import { applyPlan, liveWorkerCapacity, readHolders, readSchedulerState, writeSchedulerState, type AppliedPlan } from './slot-repository.ts';

/** The advisory lock every analytics process agrees on (the migration lock is 7240001). */
export const SLOT_LEADER_LOCK_KEY = 7_240_050;

const rounds = counter('cityops_slot_scheduler_rounds_total', 'slot scheduler rounds run by this process as leader');
const changes = counter('cityops_slot_changes_total', 'cameras given or taking back a slot, by direction', ['direction']);
const slotGauge = gauge('cityops_slots', 'analysis slots: configured or measured count, and held', ['kind']);

export interface SlotLeaderSettings {
  /** Fixed slot count; undefined = the measured capacity of live analytics workers. */
  slotCount?: number;
  intervalMs: number;
  /** Workers count as live while their heartbeat is younger than this. */
  leaseMs: number;
  scheduler: Partial<SchedulerOptions>;
  signals: SignalOptions;
}

export interface SlotLeaderDeps {
  db: Database;
  logger: Logger;
  live?: LivePublisher;
  settings: SlotLeaderSettings;
  /** Names this process in the scheduler state and the logs. */
  id: string;
  /** Simulated time for tests and the bench; default: the database clock, read each round. */
  clock?: () => number;
}

export interface RoundResult {
  leader: boolean;
  plan?: SlotPlan;
  applied?: AppliedPlan;
  slotCount?: number;
  slotSource?: 'config' | 'measured';
}

export class SlotLeader implements Component {
  readonly name = 'slot-leader';
  private lockClient?: pg.PoolClient;
  private readonly onLockClientError = () => void this.resign();
  private timer?: NodeJS.Timeout;
  private running = false;
  private round?: Promise<RoundResult>;
  private again = false;
  private readonly listener: NotificationBus;
  /** When this process became leader (its first round's time), for the start-up grace below. */
  private leadingSinceMs?: number;

  constructor(private readonly deps: SlotLeaderDeps) {
    this.listener = new NotificationBus({ db: deps.db, logger: deps.logger, name: 'slot-leader:listen', retryMaxMs: SLOT_LISTEN_RETRY_MAX_MS }).on(slotsWake, () => this.wake());
  }

  get isLeader(): boolean {
    return this.lockClient !== undefined;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.listener.start();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.listener.stop();
    await this.round?.catch(() => undefined);
    await this.resign();
  }

  /** Runs a round soon (coalesced with one in progress). */
  wake(): void {
    if (!this.running) return;
    if (this.round) this.again = true;
    else this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), delayMs);
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    try {
      await this.runRound();
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'slot scheduler round failed; retrying at the next tick');
      await this.resign();
    }
    if (!this.running) return;
    if (this.again) {
      this.again = false;
      this.schedule(0);
    } else this.schedule(this.deps.settings.intervalMs);
  }

  /** One round: become (or stay) leader, then plan and write. Exposed for tests and the bench. */
  runRound(): Promise<RoundResult> {
    this.round ??= this.leadAndPlan().finally(() => (this.round = undefined));
    return this.round;
  }

  private async acquire(): Promise<boolean> {
    if (this.lockClient) return true;
    const client = await this.deps.db.connect();
    try {
      if (!(await tryAdvisoryLock(client, SLOT_LEADER_LOCK_KEY))) {
        client.release();
        return false;
      }
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    client.on('error', this.onLockClientError);
    this.lockClient = client;
    this.deps.logger.info({ id: this.deps.id }, 'this process leads the slot scheduler');
    return true;
  }

  private async resign(): Promise<void> {
    const client = this.lockClient;
    this.lockClient = undefined;
    this.leadingSinceMs = undefined;
    if (!client) return;
    client.off('error', this.onLockClientError);
    try {
      await releaseAdvisoryLock(client, SLOT_LEADER_LOCK_KEY);
      client.release();
    } catch (error) {
      // A broken connection takes the lock with it.
      client.release(error as Error);
    }
  }

  private async leadAndPlan(): Promise<RoundResult> {
    if (!(await this.acquire())) return { leader: false };
    const client = this.lockClient!;
    const { settings, logger } = this.deps;
    // All rounds run on the lock connection: if it breaks mid-round the transaction dies with the lock.
    const nowMs = this.deps.clock ? this.deps.clock() : await databaseNowMs(client);
    let slotCount: number;
    let slotSource: 'config' | 'measured';
    if (settings.slotCount !== undefined) {
      slotCount = settings.slotCount;
      slotSource = 'config';
    } else {
      slotCount = (await liveWorkerCapacity(client, nowMs, settings.leaseMs)).capacity;
      slotSource = 'measured';
    }
    const [cameras, holders, previous] = [
      await loadCameraSignals(client, nowMs, settings.signals),
      await readHolders(client),
      await readSchedulerState(client),
    ];
    this.leadingSinceMs ??= nowMs;
    // A restart of every role: the analytics workers are still loading the model and measuring their
    // speed, so no capacity is known yet. Releasing the slots now and giving them back seconds later
    // restarted every slot camera's ffmpeg twice (every frame → keyframes → every frame). Slots already
    // held wait one lease period for the workers to say what they can take.
    if (slotSource === 'measured' && slotCount === 0 && holders.length > 0 && nowMs - this.leadingSinceMs < settings.leaseMs) {
      logger.debug({ holders: holders.length }, 'no analytics worker has measured its capacity yet: slots kept for now');
      return { leader: true, slotCount, slotSource };
    }
    const plan = planSlots({ nowMs, slotCount, cameras, holders, options: { ...settings.scheduler, tickMs: settings.intervalMs } });
    if (slotSource === 'measured' && slotCount === 0) {
      const noSlots = plan.notices.find((notice) => notice.code === 'no_slots');
      if (noSlots) noSlots.message = 'no analytics worker is alive (measured capacity 0): no camera is analysed (only the cheap tier runs)';
    }

    const applied = await transactionOn(client, async () => {
      const written = await applyPlan(client, plan, nowMs, holders);
      await writeSchedulerState(client, {
        leader: this.deps.id,
        ranAtMs: nowMs,
        slotCount,
        slotSource,
        roundRobinReserve: plan.roundRobinReserve,
        notices: plan.notices,
      });
      await this.auditPinOverflow(client, previous?.notices ?? [], plan.notices);
      const noticesChanged = canonicalJson(previous?.notices ?? []) !== canonicalJson(plan.notices) || previous?.slotCount !== slotCount;
      if (this.deps.live && (written.added.length || written.removed.length || written.reasonChanged.length || noticesChanged)) {
        await this.deps.live.publishIn(client, liveRooms.staff(), 'slots:changed' satisfies ServerEventName, {
          slotCount,
          slotSource,
          roundRobinReserve: plan.roundRobinReserve,
          assignments: plan.assignments.map((a) => ({ cameraId: a.cameraId, reason: a.reason, since: new Date(a.sinceMs).toISOString() })),
          added: written.added,
          released: plan.released.map((r) => ({ cameraId: r.cameraId, reason: r.reason })),
          notices: plan.notices,
        } satisfies SlotsChanged);
      }
      return written;
    });
    rounds.inc();
    changes.inc({ direction: 'given' }, applied.added.length);
    changes.inc({ direction: 'taken_back' }, applied.removed.length);
    slotGauge.set({ kind: 'count' }, slotCount);
    slotGauge.set({ kind: 'held' }, plan.assignments.length);
    if (applied.added.length || applied.removed.length) {
      logger.debug({ added: applied.added, released: plan.released, slots: slotCount }, 'analysis slots changed');
    }
    return { leader: true, plan, applied, slotCount, slotSource };
  }

  /** More pins than slots is said once when it starts or changes (not every round), in the audit log. */
  private async auditPinOverflow(client: pg.PoolClient, before: SchedulerNotice[], after: SchedulerNotice[]): Promise<void> {
    const overflow = (notices: SchedulerNotice[]) => notices.find((notice) => notice.code === 'more_pinned_than_slots');
    const was = overflow(before);
    const is = overflow(after);
    if (!is || (was && canonicalJson(was) === canonicalJson(is))) return;
    this.deps.logger.warn({ pinned: is.pinned, slots: is.slots, waiting: is.waiting }, is.message);
    await recordAudit(client, systemActor('slot-scheduler'), {
      action: 'pin_overflow',
      entityType: 'analysis_slots',
      details: { pinned: is.pinned, slots: is.slots, waiting: is.waiting, message: is.message },
    });
  }
}

/** JSON with object keys sorted: jsonb read back from PostgreSQL does not keep key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
