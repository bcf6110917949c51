// A job that runs at start and then every interval, in every process that starts it (so it must be safe
// to run concurrently). A failure (a database outage, say) never escapes: it is counted, logged once per
// run of failures, and the job is retried with backoff (1 s, 2 s, 4 s … up to the interval) until it
// succeeds, then it returns to its interval. While it fails, the task shows as degraded in /readyz.
import { componentHealth } from './health.ts';
import { backoffMs, type Component } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import { counter } from './metrics.ts';

const periodicTaskFailures = counter('cityops_periodic_task_failures_total', 'Failed runs of periodic jobs (retried with backoff)', ['task']);

export class PeriodicTask<Result> implements Component {
  private timer?: NodeJS.Timeout;
  private consecutiveFailures = 0;
  private running?: Promise<Result | undefined>;
  private stopped = true;

  constructor(
    readonly name: string,
    private readonly job: () => Promise<Result>,
    private readonly logger: Logger,
    private readonly intervalMs = 3_600_000,
    private readonly retryMinMs = 1000,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    componentHealth.set(this.name, 'ok');
    await this.runOnce();
    this.scheduleNext();
  }

  /** The job's result, or undefined when it failed (counted and logged). Never rejects. */
  async runOnce(): Promise<Result | undefined> {
    // Two runs never overlap: a slow run (a long outage) is joined, not doubled.
    this.running ??= this.runJob().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runJob(): Promise<Result | undefined> {
    try {
      const result = await this.job();
      if (this.consecutiveFailures > 0) this.logger.info({ task: this.name, failedRuns: this.consecutiveFailures }, `${this.name} succeeded again`);
      this.consecutiveFailures = 0;
      if (!this.stopped) componentHealth.set(this.name, 'ok');
      return result;
    } catch (error) {
      periodicTaskFailures.inc({ task: this.name });
      // Logged on the first failure of a run of failures: an hour-long outage is one line, not hundreds.
      if (this.consecutiveFailures === 0) this.logger.error({ err: error, task: this.name }, `${this.name} failed; retrying with backoff`);
      this.consecutiveFailures += 1;
      if (!this.stopped) componentHealth.set(this.name, 'degraded');
      return undefined;
    }
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const delayMs = this.consecutiveFailures > 0 ? backoffMs(this.consecutiveFailures - 1, this.retryMinMs, this.intervalMs) : this.intervalMs;
    this.timer = setTimeout(() => void this.runOnce().then(() => this.scheduleNext()), delayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    componentHealth.remove(this.name);
  }
}
