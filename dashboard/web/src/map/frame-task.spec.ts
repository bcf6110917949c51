import { describe, expect, it } from 'vitest';
import { createFrameTask, type FrameClock } from './frame-task.ts';

/** A clock the test advances by hand: frames and timers run only when asked. */
function manualClock() {
  let now = 0;
  let nextHandle = 1;
  const frames = new Map<number, () => void>();
  const timers = new Map<number, { at: number; callback: () => void }>();
  const clock: FrameClock = {
    now: () => now,
    requestFrame: (callback) => (frames.set(nextHandle, callback), nextHandle++),
    cancelFrame: (handle) => frames.delete(handle),
    setTimer: (callback, delayMs) => (timers.set(nextHandle, { at: now + delayMs, callback }), nextHandle++) as unknown as ReturnType<typeof setTimeout>,
    clearTimer: (handle) => timers.delete(handle as unknown as number),
  };
  return {
    clock,
    pendingFrames: () => frames.size,
    frame() {
      const due = [...frames.values()];
      frames.clear();
      due.forEach((callback) => callback());
    },
    advance(ms: number) {
      now += ms;
      for (const [handle, timer] of [...timers]) {
        if (timer.at > now) continue;
        timers.delete(handle);
        timer.callback();
      }
    },
  };
}

describe('map updates coalesced per animation frame', () => {
  it('runs a burst of 100 requests once, at the next frame', () => {
    const time = manualClock();
    let runs = 0;
    const task = createFrameTask(() => runs++, { clock: time.clock });
    for (let i = 0; i < 100; i++) task.schedule();
    expect(runs).toBe(0);
    expect(time.pendingFrames()).toBe(1);
    time.frame();
    expect(runs).toBe(1);
    time.frame();
    expect(runs).toBe(1);
  });

  it('runs again for a request made during or after a run', () => {
    const time = manualClock();
    let runs = 0;
    const task = createFrameTask(
      () => {
        runs++;
        if (runs === 1) task.schedule();
      },
      { clock: time.clock },
    );
    task.schedule();
    time.frame();
    time.frame();
    expect(runs).toBe(2);
  });

  it('waits out the minimum interval after a run before asking for a frame', () => {
    const time = manualClock();
    let runs = 0;
    const task = createFrameTask(() => runs++, { clock: time.clock, minIntervalMs: 1000 });
    task.schedule();
    time.frame();
    task.schedule();
    task.schedule();
    expect(time.pendingFrames()).toBe(0);
    time.advance(999);
    expect(time.pendingFrames()).toBe(0);
    time.advance(1);
    time.frame();
    expect(runs).toBe(2);
  });

  it('does not wait after a run that found nothing to do', () => {
    const time = manualClock();
    const results = [false, true, true];
    let runs = 0;
    const task = createFrameTask(() => results[runs++], { clock: time.clock, minIntervalMs: 1000 });
    task.schedule();
    time.frame();
    // The idle run did not start the interval: the next request gets the next frame.
    task.schedule();
    expect(time.pendingFrames()).toBe(1);
    time.frame();
    expect(runs).toBe(2);
    // This run did something: the one after it waits out the interval.
    task.schedule();
    expect(time.pendingFrames()).toBe(0);
    time.advance(1000);
    time.frame();
    expect(runs).toBe(3);
  });

  it('runs nothing once cancelled', () => {
    const time = manualClock();
    let runs = 0;
    const task = createFrameTask(() => runs++, { clock: time.clock, minIntervalMs: 500 });
    task.schedule();
    task.cancel();
    time.frame();
    task.schedule();
    time.frame();
    task.schedule();
    task.cancel();
    time.advance(1000);
    time.frame();
    expect(runs).toBe(1);
  });
});
