// crowd: persons in the zone ≥ minPersons (or the schedule's threshold at that time of day) for
// ≥ seconds. One situation per zone. Riders on motorbikes and bicycles are not persons on foot
// (riders.ts): a queue at a red light is not a crowd.
import type { SituationEvent } from './events.ts';
import { thresholdAt, type CityClock } from './schedule.ts';
import { SituationTracker } from './situation.ts';
import { SustainedCount } from './sustained-count.ts';
import type { ZoneFrame, ZoneRuleEvaluator } from './zone-frame.ts';

export interface CrowdRule {
  kind: 'crowd';
  minPersons: number;
  seconds: number;
  schedule?: Array<{ from: string; to: string; minPersons: number }>;
}

export function crowdRule(zoneId: string, rule: CrowdRule, clock: CityClock): ZoneRuleEvaluator {
  // A crowd thins and regathers: it is over only after 5 s below the threshold.
  const situations = new SituationTracker({ holdMs: rule.seconds * 1000, graceMs: 1500, clearMs: 5000, updateEveryMs: 10_000 });
  const sustained = new SustainedCount(rule.seconds * 1000);
  let active = false;
  const key = `crowd:${zoneId}`;
  return {
    evaluate(frame: ZoneFrame): SituationEvent[] {
      const persons = frame.tracks.filter((t) => t.track.seen && t.track.class === 'person' && !t.riding).length;
      const threshold = thresholdAt(rule.minPersons, rule.schedule, (entry) => entry.minPersons, clock, frame.timestampMs);
      const crowded = persons >= threshold;
      if (!crowded && !active) sustained.reset();
      else sustained.add(frame.timestampMs, persons);
      const step = situations.step(key, crowded, frame.timestampMs, persons);
      if (!step) return [];
      active = step.phase !== 'end';
      const sustainedCount = sustained.value;
      if (step.phase === 'end') sustained.reset();
      return [
        {
          kind: 'crowd',
          phase: step.phase,
          situationId: key,
          zoneId,
          timestampMs: frame.timestampMs,
          class: 'person',
          trackId: null,
          count: persons,
          sustainedCount,
          durationSeconds: step.durationMs / 1000,
        },
      ];
    },
    trackEnded: () => [],
  };
}
