// stalled_vehicle: one vehicle track nearly motionless in the zone for ≥ seconds. One situation per
// track; it ends when the vehicle moves off, leaves the zone or its track ends. illegal_parking is the
// same watch over minutes in a marked zone (a sidewalk, a no-parking or bus lane), with a longer grace for
// the buses and crowds that hide a parked car for a while.
import type { SituationEvent } from './events.ts';
import { SituationTracker } from './situation.ts';
import { VEHICLE_CLASSES, type ZoneFrame, type ZoneRuleEvaluator } from './zone-frame.ts';

export interface StalledVehicleRule {
  kind: 'stalled_vehicle';
  seconds: number;
}

export interface IllegalParkingRule {
  kind: 'illegal_parking';
  minutes: number;
}

/**
 * Box sizes per second under which a vehicle counts as still: above detection jitter (a few % of the
 * box per frame) and below walking pace for a car seen from a pole.
 */
export const STALLED_MAX_RELATIVE_SPEED = 0.15;

export function stalledVehicleRule(zoneId: string, rule: StalledVehicleRule | IllegalParkingRule): ZoneRuleEvaluator {
  // A stopped car is briefly hidden by passing traffic: a 3 s grace before the wait restarts; a parked
  // one by a bus at its stop: 20 s.
  const timing = rule.kind === 'stalled_vehicle' ? { holdMs: rule.seconds * 1000, graceMs: 3000, clearMs: 3000 } : { holdMs: rule.minutes * 60_000, graceMs: 20_000, clearMs: 10_000 };
  const situations = new SituationTracker({ ...timing, updateEveryMs: 30_000 });
  const keyOf = (trackId: number) => `${rule.kind}:${zoneId}:${trackId}`;
  const event = (phase: SituationEvent['phase'], trackId: number, cls: SituationEvent['class'], timestampMs: number, durationMs: number): SituationEvent => ({
    kind: rule.kind,
    phase,
    situationId: keyOf(trackId),
    zoneId,
    timestampMs,
    class: cls,
    trackId,
    durationSeconds: durationMs / 1000,
  });
  const classes = new Map<number, SituationEvent['class']>();
  return {
    evaluate(frame: ZoneFrame): SituationEvent[] {
      const events: SituationEvent[] = [];
      const present = new Set<string>();
      for (const zoneTrack of frame.tracks) {
        const { track } = zoneTrack;
        if (!VEHICLE_CLASSES.has(track.class)) continue;
        const key = keyOf(track.id);
        present.add(key);
        if (!track.seen) continue; // occluded: neither still nor moving, keep waiting
        classes.set(track.id, track.class);
        // Duration as a count: updates report how long it has been standing.
        const step = situations.step(key, zoneTrack.relativeSpeed < STALLED_MAX_RELATIVE_SPEED, frame.timestampMs, Math.floor((frame.timestampMs - track.firstSeenMs) / 30_000));
        if (step) events.push(event(step.phase, track.id, track.class, frame.timestampMs, step.durationMs));
      }
      for (const key of situations.keys()) {
        if (present.has(key)) continue;
        const step = situations.step(key, false, frame.timestampMs);
        const trackId = Number(key.slice(key.lastIndexOf(':') + 1));
        if (step) events.push(event(step.phase, trackId, classes.get(trackId) ?? null, frame.timestampMs, step.durationMs));
      }
      return events;
    },
    trackEnded(trackId: number, timestampMs: number): SituationEvent[] {
      const step = situations.finish(keyOf(trackId));
      const cls = classes.get(trackId) ?? null;
      classes.delete(trackId);
      return step ? [event('end', trackId, cls, timestampMs, step.durationMs)] : [];
    },
  };
}
