// The supervisor's rules, with real timers: failures are charged to the component whose work raised
// them, a component failing repeatedly is restarted alone, and its health goes degraded, then ok.
import { describe, expect, it } from 'vitest';
import { componentHealth } from './health.ts';
import type { Component } from './lifecycle.ts';
import { createLogger } from './logger.ts';
import { currentComponent, Supervisor } from './supervisor.ts';

const logger = createLogger('silent');
const waitUntil = async (condition: () => boolean) => {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5000) throw new Error('condition not reached within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

function countingComponent(name: string) {
  const counts = { starts: 0, stops: 0, scopeSeenLater: undefined as string | undefined };
  const component: Component = {
    name,
    async start() {
      counts.starts += 1;
      // Work scheduled at start runs later, in the component's scope.
      setTimeout(() => (counts.scopeSeenLater = currentComponent()), 1);
    },
    async stop() {
      counts.stops += 1;
    },
  };
  return { component, counts };
}

describe('supervisor', () => {
  it('charges later work to the component that started it', async () => {
    const supervisor = new Supervisor(logger);
    const { component, counts } = countingComponent('scoped-part');
    const supervised = supervisor.supervise(component);
    await supervised.start();
    await waitUntil(() => counts.scopeSeenLater !== undefined);
    expect(counts.scopeSeenLater).toBe('scoped-part');
    expect(currentComponent()).toBeUndefined();
    await supervised.stop();
  });

  it('restarts only the component that keeps failing, shows it degraded, then ok after a quiet period', async () => {
    const supervisor = new Supervisor(logger, { faultsBeforeRestart: 3, faultWindowMs: 10_000, quietMsBeforeOk: 200, restartMinMs: 10, restartMaxMs: 50 });
    const failing = countingComponent('failing-part');
    const healthy = countingComponent('healthy-part');
    const supervisedFailing = supervisor.supervise(failing.component);
    const supervisedHealthy = supervisor.supervise(healthy.component);
    await supervisedFailing.start();
    await supervisedHealthy.start();

    supervisor.reportFault('unhandled_rejection', new Error('one'), 'failing-part');
    expect(componentHealth.get('failing-part')?.state).toBe('degraded');
    expect(failing.counts.starts).toBe(1);
    supervisor.reportFault('uncaught_exception', new Error('two'), 'failing-part');
    supervisor.reportFault('unhandled_rejection', new Error('three'), 'failing-part');
    await waitUntil(() => failing.counts.starts === 2);
    expect(failing.counts.stops).toBe(1);
    expect(healthy.counts).toMatchObject({ starts: 1, stops: 0 });
    expect(componentHealth.get('healthy-part')?.state).toBe('ok');
    expect(componentHealth.get('failing-part')?.state).toBe('degraded');
    await waitUntil(() => componentHealth.get('failing-part')?.state === 'ok');

    await supervisedFailing.stop();
    await supervisedHealthy.stop();
    expect(componentHealth.get('failing-part')).toBeUndefined();
  });

  it('keeps retrying a restart that fails, showing the component down meanwhile', async () => {
    const supervisor = new Supervisor(logger, { faultsBeforeRestart: 1, quietMsBeforeOk: 100, restartMinMs: 10, restartMaxMs: 20 });
    let startsLeftToFail = 0;
    let starts = 0;
    const supervised = supervisor.supervise({
      name: 'flaky-part',
      async start() {
        starts += 1;
        if (startsLeftToFail-- > 0) throw new Error('not yet');
      },
      async stop() {},
    });
    await supervised.start();
    startsLeftToFail = 3;
    supervisor.reportFault('uncaught_exception', new Error('boom'), 'flaky-part');
    await waitUntil(() => componentHealth.get('flaky-part')?.state === 'down');
    await waitUntil(() => starts === 5);
    await waitUntil(() => componentHealth.get('flaky-part')?.state === 'ok');
    await supervised.stop();
  });

  it('restarts a component built by a factory as a new instance', async () => {
    const supervisor = new Supervisor(logger, { faultsBeforeRestart: 1, restartMinMs: 10, restartMaxMs: 20 });
    const instances: { stopped: boolean }[] = [];
    const supervised = supervisor.superviseFactory('rebuilt-part', () => {
      const state = { stopped: false };
      instances.push(state);
      return { name: 'rebuilt-part', start: async () => {}, stop: async () => void (state.stopped = true) };
    });
    await supervised.start();
    supervisor.reportFault('unhandled_rejection', new Error('boom'), 'rebuilt-part');
    await waitUntil(() => instances.length === 2);
    expect(instances[0].stopped).toBe(true);
    await supervised.stop();
    expect(instances[1].stopped).toBe(true);
  });

  it('counts a failure outside any component against the process, restarting nothing', () => {
    const supervisor = new Supervisor(logger);
    expect(() => supervisor.reportFault('unhandled_rejection', new Error('stray'))).not.toThrow();
  });
});
