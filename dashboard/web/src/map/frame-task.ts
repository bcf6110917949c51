// Map updates are coalesced: however many changes arrive, a task runs at most once per animation
// frame, and no sooner than `minIntervalMs` after its last run. On a software-rendered wall one WebGL
// redraw of the city costs hundreds of milliseconds, so a burst of changes must cost one redraw.

export interface FrameClock {
  now(): number;
  requestFrame(callback: () => void): number;
  cancelFrame(handle: number): void;
  setTimer(callback: () => void, delayMs: number): ReturnType<typeof setTimeout>;
  clearTimer(handle: ReturnType<typeof setTimeout>): void;
}

export const browserClock: FrameClock = {
  now: () => performance.now(),
  requestFrame: (callback) => requestAnimationFrame(() => callback()),
  cancelFrame: (handle) => cancelAnimationFrame(handle),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle),
};

export interface FrameTask {
  /** Asks for a run; requests made before the run happens are one run. */
  schedule(): void;
  cancel(): void;
}

/** `task` returns false when it found nothing to do (no redraw asked): such a run does not start the
 *  minimum interval, so the first real change after it (the device registry arriving after the map is
 *  ready) is drawn at the next frame, not a second later. */
export function createFrameTask(task: () => unknown, options: { minIntervalMs?: number; clock?: FrameClock } = {}): FrameTask {
  const clock = options.clock ?? browserClock;
  const minIntervalMs = options.minIntervalMs ?? 0;
  let lastRun = -Infinity;
  let frame: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const run = () => {
    frame = undefined;
    const startedAt = clock.now();
    if (task() !== false) lastRun = startedAt;
  };
  const requestFrame = () => {
    timer = undefined;
    frame = clock.requestFrame(run);
  };

  return {
    schedule() {
      if (frame !== undefined || timer !== undefined) return;
      const waitMs = lastRun + minIntervalMs - clock.now();
      if (waitMs > 0) timer = clock.setTimer(requestFrame, waitMs);
      else requestFrame();
    },
    cancel() {
      if (frame !== undefined) clock.cancelFrame(frame);
      if (timer !== undefined) clock.clearTimer(timer);
      frame = timer = undefined;
    },
  };
}
