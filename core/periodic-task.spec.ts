// A failed run of a periodic job is counted and retried with backoff, not left for the next interval.
import { describe, expect, it } from 'vitest';
import { componentHealth } from './health.ts';
import { createLogger } from './logger.ts';
import { metricsRegistry } from './metrics.ts';
import { PeriodicTask } from './periodic-task.ts';

const waitUntil = async (condition: () => boolean) => {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5000) throw new Error('condition not reached within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

async function failuresOf(task: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('cityops_periodic_task_failures_total')?.get();
  return metric?.values.find((value) => value.labels.task === task)?.value ?? 0;
}

describe('periodic task', () => {
  it('retries a failing run with backoff until it succeeds, counting each failure and showing degraded meanwhile', async () => {
    let runs = 0;
    const states: (string | undefined)[] = [];
    // Fails twice (a database outage), then succeeds; the interval is an hour, so only retries can explain a third run.
    const task = new PeriodicTask(
      'flaky-job',
      async () => {
        runs += 1;
        states.push(componentHealth.get('flaky-job')?.state);
        if (runs <= 2) throw new Error('database unreachable');
        return runs;
      },
      createLogger('silent'),
      3_600_000,
      10,
    );
    await expect(task.start()).resolves.toBeUndefined();
    expect(componentHealth.get('flaky-job')?.state).toBe('degraded');
    await waitUntil(() => runs === 3);
    await waitUntil(() => componentHealth.get('flaky-job')?.state === 'ok');
    expect(states).toEqual(['ok', 'degraded', 'degraded']);
    expect(await failuresOf('flaky-job')).toBe(2);
    await task.stop();
    expect(componentHealth.get('flaky-job')).toBeUndefined();
  });
});
