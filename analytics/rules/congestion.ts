// congestion: vehicles in the zone ≥ minVehicles (or the schedule's threshold at that time of day) and slow (median speed below half a vehicle length
// per second, a crawl) for ≥ seconds. One situation per zone.
import type { SituationEvent } from './events.ts';
import { thresholdAt, type CityClock } from './schedule.ts';
import { SituationTracker } from './situation.ts';
import { SustainedCount } from './sustained-count.ts';
import { VEHICLE_CLASSES, type ZoneFrame, type ZoneRuleEvaluator } from './zone-frame.ts';

export interface CongestionRule {
  kind: 'congestion';
  minVehicles: number;
  seconds: number;
  schedule?: Array<{ from: string; to: string; minVehicles: number }>;
}

/** Box sizes per second under which traffic counts as crawling. */
export const CONGESTION_MAX_RELATIVE_SPEED = 0.5;

export function congestionRule(zoneId: string, rule: CongestionRule, clock: CityClock): ZoneRuleEvaluator {
  const situations = new SituationTracker({ holdMs: rule.seconds * 1000, graceMs: 2000, clearMs: 10_000, updateEveryMs: 15_000 });
  const sustained = new SustainedCount(rule.seconds * 1000);
  let active = false;
  const key = `congestion:${zoneId}`;
  return {
    evaluate(frame: ZoneFrame): SituationEvent[] {
      const vehicles = frame.tracks.filter((t) => t.track.seen && VEHICLE_CLASSES.has(t.track.class));
      const speeds = vehicles.map((t) => t.relativeSpeed).sort((a, b) => a - b);
      const median = speeds.length > 0 ? speeds[Math.floor(speeds.length / 2)] : Infinity;
      const threshold = thresholdAt(rule.minVehicles, rule.schedule, (entry) => entry.minVehicles, clock, frame.timestampMs);
      const congested = vehicles.length >= threshold && median < CONGESTION_MAX_RELATIVE_SPEED;
      // Counted only while traffic crawls: a full fast road is not congestion at any threshold.
      if (!congested && !active) sustained.reset();
      else sustained.add(frame.timestampMs, median < CONGESTION_MAX_RELATIVE_SPEED ? vehicles.length : 0);
      const step = situations.step(key, congested, frame.timestampMs, vehicles.length);
      if (!step) return [];
      active = step.phase !== 'end';
      const sustainedCount = sustained.value;
      if (step.phase === 'end') sustained.reset();
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
          sustainedCount,
          durationSeconds: step.durationMs / 1000,
        },
      ];
    },
    trackEnded: () => [],
  };
}
