// congestion: vehicles in the zone ≥ minVehicles and slow (median speed below half a vehicle length
// per second, a crawl) for ≥ seconds. One situation per zone.
import type { SituationEvent } from './events.ts';
import { SituationTracker } from './situation.ts';
import { VEHICLE_CLASSES, type ZoneFrame, type ZoneRuleEvaluator } from './zone-frame.ts';

export interface CongestionRule {
  kind: 'congestion';
  minVehicles: number;
  seconds: number;
}

/** Box sizes per second under which traffic counts as crawling. */
export const CONGESTION_MAX_RELATIVE_SPEED = 0.5;

export function congestionRule(zoneId: string, rule: CongestionRule): ZoneRuleEvaluator {
  const situations = new SituationTracker({ holdMs: rule.seconds * 1000, graceMs: 2000, clearMs: 10_000, updateEveryMs: 15_000 });
  const key = `congestion:${zoneId}`;
  return {
    evaluate(frame: ZoneFrame): SituationEvent[] {
      const vehicles = frame.tracks.filter((t) => t.track.seen && VEHICLE_CLASSES.has(t.track.class));
      const speeds = vehicles.map((t) => t.relativeSpeed).sort((a, b) => a - b);
      const median = speeds.length > 0 ? speeds[Math.floor(speeds.length / 2)] : Infinity;
      const congested = vehicles.length >= rule.minVehicles && median < CONGESTION_MAX_RELATIVE_SPEED;
      const step = situations.step(key, congested, frame.timestampMs, vehicles.length);
      if (!step) return [];
      return [
        {
          kind: 'congestion',
          phase: step.phase,
          situationId: key,
          zoneId,
          timestampMs: frame.timestampMs,
          class: null,
          trackId: null,
          count: vehicles.length,
          durationSeconds: step.durationMs / 1000,
        },
      ];
    },
    trackEnded: () => [],
  };
}
