// Keeps this worker's share of the cameras: every third of a lease period it heartbeats, renews its
// leases, and moves towards ceil(cameras / live workers): giving back the excess when a worker joined,
// taking free cameras when one left or its leases expired (kill -9). Balanced by count, not by load:
// cameras cost about the same (one decode at the camera's resolution).
// While the database is unreachable the worker keeps pulling its cameras (a command room must not go
// dark because of a database restart; no other worker can take a lease meanwhile either). When it is
// back, the worker renews the leases it still holds, the expired ones included; a camera another worker
// took meanwhile (this one was cut off alone) is missing from the renewal and stopped here.
import type { Component } from '@cityops/core/lifecycle';
import type { Database } from '@cityops/core/database/pool';
import type { Logger } from '@cityops/core/logger';
import { FailureStreak } from './failures.ts';
import { acquireLeases, fleetSize, heartbeatWorker, pruneWorkers, releaseLeases, renewLeases, retireWorker } from './lease-repository.ts';

export interface CameraAssignmentOptions {
  db: Database;
  workerId: string;
  host: string;
  liveUrl: () => string | null;
  leaseSeconds: number;
  logger: Logger;
  /** The cameras this worker should pull now (sorted). Called when the set changes. */
  onAssigned: (cameraIds: string[]) => Promise<void>;
}

export class CameraAssignment implements Component {
  readonly name = 'camera-assignment';
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private held: string[] = [];
  private stopped = true;
  private readonly failures: FailureStreak;

  constructor(private readonly options: CameraAssignmentOptions) {
    this.failures = new FailureStreak('lease_heartbeat', 'camera lease heartbeat', options.logger);
  }

  get cameras(): string[] {
    return this.held;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    this.timer = setInterval(() => void this.tick(), Math.max(500, (this.options.leaseSeconds * 1000) / 3));
  }

  /** Stops taking cameras; the caller stops its pipelines, then calls retire(). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.ticking) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Gives every lease back so other workers take the cameras at once. */
  async retire(): Promise<void> {
    await retireWorker(this.options.db, this.options.workerId).catch((error) =>
      this.options.logger.warn({ err: error }, 'could not release camera leases; they expire by themselves'),
    );
    this.held = [];
  }

  /** One heartbeat; exported for tests that do not want to wait for the timer. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    const { db, workerId, leaseSeconds } = this.options;
    try {
      await heartbeatWorker(db, { workerId, host: this.options.host, pid: process.pid, liveUrl: this.options.liveUrl(), leaseSeconds });
      const fleet = await fleetSize(db);
      let held = await renewLeases(db, workerId, leaseSeconds);
      const share = Math.ceil(fleet.cameras / Math.max(1, fleet.workers));
      if (held.length > share) {
        const excess = held.slice(share);
        await releaseLeases(db, workerId, excess);
        held = held.slice(0, share);
        this.options.logger.info({ released: excess, workers: fleet.workers }, 'gave cameras back to balance the workers');
      } else if (held.length < share) {
        const taken = await acquireLeases(db, workerId, share - held.length, leaseSeconds);
        if (taken.length) this.options.logger.info({ taken, workers: fleet.workers }, 'took cameras');
        held = [...held, ...taken].sort();
      }
      if (Math.random() < 0.01) await pruneWorkers(db);
      this.failures.succeeded();
      await this.assign(held);
    } catch (error) {
      this.failures.failed(error, { worker: workerId, cameras: this.held.length });
    } finally {
      this.ticking = false;
    }
  }

  private async assign(cameraIds: string[]): Promise<void> {
    const changed = cameraIds.length !== this.held.length || cameraIds.some((id, index) => id !== this.held[index]);
    this.held = cameraIds;
    if (changed && !this.stopped) await this.options.onAssigned(cameraIds);
  }
}
