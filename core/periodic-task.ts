// A job that runs at start and then every interval, in every process that starts it (so it must be safe
// to run concurrently); a failure is logged and the job tries again at the next interval.
import type { Component } from './lifecycle.ts';
import type { Logger } from './logger.ts';

export class PeriodicTask<Result> implements Component {
  private timer?: NodeJS.Timeout;

  constructor(
    readonly name: string,
    private readonly job: () => Promise<Result>,
    private readonly logger: Logger,
    private readonly intervalMs = 3_600_000,
  ) {}

  async start(): Promise<void> {
    await this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** The job's result, or undefined when it failed (logged). */
  async runOnce(): Promise<Result | undefined> {
    try {
      return await this.job();
    } catch (error) {
      this.logger.error({ err: error, task: this.name }, `${this.name} failed; will retry in ${Math.round(this.intervalMs / 60_000)} min`);
      return undefined;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }
}
