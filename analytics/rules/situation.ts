// Turns a per-frame condition into start / update / end events without a storm: a condition must hold
// for `holdMs` before a situation starts (short dips of up to `graceMs` do not restart the wait), an
// active situation ends only after the condition has been false for `clearMs`, and updates are sent
// at most every `updateEveryMs` and only when the count changed.

export interface SituationTiming {
  holdMs: number;
  graceMs: number;
  clearMs: number;
  updateEveryMs: number;
}

interface State {
  onsetMs: number;
  lastTrueMs: number;
  active: boolean;
  falseSinceMs?: number;
  lastEmitMs: number;
  lastCount?: number;
}

export type Phase = 'start' | 'update' | 'end';

export class SituationTracker {
  private readonly states = new Map<string, State>();

  constructor(private readonly timing: SituationTiming) {}

  /** Feeds this frame's value of the condition for `key`; returns the phase to emit, if any. */
  step(key: string, condition: boolean, timestampMs: number, count?: number): { phase: Phase; durationMs: number } | undefined {
    const state = this.states.get(key);
    const { holdMs, graceMs, clearMs, updateEveryMs } = this.timing;
    if (condition) {
      if (!state || (!state.active && timestampMs - state.lastTrueMs > graceMs)) {
        const fresh: State = { onsetMs: timestampMs, lastTrueMs: timestampMs, active: false, lastEmitMs: -Infinity };
        this.states.set(key, fresh);
        return this.maybeStart(fresh, timestampMs, holdMs, count);
      }
      state.lastTrueMs = timestampMs;
      state.falseSinceMs = undefined;
      if (!state.active) return this.maybeStart(state, timestampMs, holdMs, count);
      if (count !== undefined && count !== state.lastCount && timestampMs - state.lastEmitMs >= updateEveryMs) {
        state.lastEmitMs = timestampMs;
        state.lastCount = count;
        return { phase: 'update', durationMs: timestampMs - state.onsetMs };
      }
      return undefined;
    }
    if (!state) return undefined;
    if (!state.active) {
      if (timestampMs - state.lastTrueMs > graceMs) this.states.delete(key);
      return undefined;
    }
    state.falseSinceMs ??= timestampMs;
    if (timestampMs - state.falseSinceMs >= clearMs) {
      this.states.delete(key);
      return { phase: 'end', durationMs: state.lastTrueMs - state.onsetMs };
    }
    return undefined;
  }

  /** Ends the situation now (its track is gone); returns 'end' only if it had started. */
  finish(key: string): { phase: Phase; durationMs: number } | undefined {
    const state = this.states.get(key);
    this.states.delete(key);
    return state?.active ? { phase: 'end', durationMs: state.lastTrueMs - state.onsetMs } : undefined;
  }

  /** Keys with a situation pending or active (so callers can feed `false` for vanished keys). */
  keys(): string[] {
    return [...this.states.keys()];
  }

  isActive(key: string): boolean {
    return this.states.get(key)?.active ?? false;
  }

  private maybeStart(state: State, timestampMs: number, holdMs: number, count?: number) {
    if (timestampMs - state.onsetMs < holdMs) return undefined;
    state.active = true;
    state.lastEmitMs = timestampMs;
    state.lastCount = count;
    return { phase: 'start' as const, durationMs: timestampMs - state.onsetMs };
  }
}
