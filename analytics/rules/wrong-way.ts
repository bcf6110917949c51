// wrong_way: a vehicle track in the zone moving against the zone's direction of travel, i.e. the
// cosine between its movement and `direction` is below −0.5 (more than 120° off), over at least three
// observations in a row. One situation per track.
import type { SituationEvent } from './events.ts';
import { SituationTracker } from './situation.ts';
import { VEHICLE_CLASSES, type Observation, type ZoneFrame, type ZoneRuleEvaluator } from './zone-frame.ts';

export interface WrongWayRule {
  kind: 'wrong_way';
  direction: readonly [number, number];
}

export const WRONG_WAY_MAX_COSINE = -0.5;
export const WRONG_WAY_MIN_OBSERVATIONS = 3;
/** Steps slower than this (box sizes per second) are jitter, not movement, and are skipped. */
export const WRONG_WAY_MIN_RELATIVE_SPEED = 0.2;

/**
 * How many of the latest observations, in a row, moved against `direction`. Still steps are skipped;
 * a moving step along or across the direction ends the run. n against-steps span n + 1 observations.
 */
export function observationsAgainst(observations: readonly Observation[], direction: readonly [number, number]): number {
  const length = Math.hypot(direction[0], direction[1]);
  const ux = direction[0] / length;
  const uy = direction[1] / length;
  let steps = 0;
  for (let i = observations.length - 1; i > 0; i--) {
    const current = observations[i];
    const previous = observations[i - 1];
    const dx = current.anchor[0] - previous.anchor[0];
    const dy = current.anchor[1] - previous.anchor[1];
    const distance = Math.hypot(dx, dy);
    const seconds = (current.timestampMs - previous.timestampMs) / 1000;
    const size = (current.size + previous.size) / 2;
    if (seconds <= 0 || distance / size / seconds < WRONG_WAY_MIN_RELATIVE_SPEED) continue;
    if ((dx * ux + dy * uy) / distance < WRONG_WAY_MAX_COSINE) steps++;
    else break;
  }
  return steps === 0 ? 0 : steps + 1;
}

export function wrongWayRule(zoneId: string, rule: WrongWayRule): ZoneRuleEvaluator {
  const situations = new SituationTracker({ holdMs: 0, graceMs: 0, clearMs: 3000, updateEveryMs: Infinity });
  const keyOf = (trackId: number) => `wrong_way:${zoneId}:${trackId}`;
  const classes = new Map<number, SituationEvent['class']>();
  const event = (phase: SituationEvent['phase'], trackId: number, timestampMs: number, durationMs: number): SituationEvent => ({
    kind: 'wrong_way',
    phase,
    situationId: keyOf(trackId),
    zoneId,
    timestampMs,
    class: classes.get(trackId) ?? null,
    trackId,
    durationSeconds: durationMs / 1000,
  });
  return {
    evaluate(frame: ZoneFrame): SituationEvent[] {
      const events: SituationEvent[] = [];
      const present = new Set<string>();
      for (const zoneTrack of frame.tracks) {
        const { track } = zoneTrack;
        if (!VEHICLE_CLASSES.has(track.class)) continue;
        const key = keyOf(track.id);
        present.add(key);
        if (!track.seen) continue;
        classes.set(track.id, track.class);
        const against = observationsAgainst(zoneTrack.observations, rule.direction) >= WRONG_WAY_MIN_OBSERVATIONS;
        // Once raised, the situation lasts while the vehicle is in the zone (it does not end because
        // the driver stopped for a moment); it ends when the track leaves the zone or ends.
        const step = situations.step(key, against || situations.isActive(key), frame.timestampMs);
        if (step) events.push(event(step.phase, track.id, frame.timestampMs, step.durationMs));
      }
      for (const key of situations.keys()) {
        if (present.has(key)) continue;
        const step = situations.step(key, false, frame.timestampMs);
        if (step) events.push(event(step.phase, Number(key.slice(key.lastIndexOf(':') + 1)), frame.timestampMs, step.durationMs));
      }
      return events;
    },
    trackEnded(trackId: number, timestampMs: number): SituationEvent[] {
      const step = situations.finish(keyOf(trackId));
      const events = step ? [event('end', trackId, timestampMs, step.durationMs)] : [];
      classes.delete(trackId);
      return events;
    },
  };
}
