// crowd: persons in the zone ≥ minPersons for ≥ seconds. One situation per zone. Riders on motorbikes
// and bicycles are not persons on foot (riders.ts): a queue at a red light is not a crowd.
import type { SituationEvent } from './events.ts';
import { SituationTracker } from './situation.ts';
import type { ZoneFrame, ZoneRuleEvaluator } from './zone-frame.ts';

export interface CrowdRule {
  kind: 'crowd';
  minPersons: number;
  seconds: number;
}

export function crowdRule(zoneId: string, rule: CrowdRule): ZoneRuleEvaluator {
  // A crowd thins and regathers: it is over only after 5 s below the threshold.
  const situations = new SituationTracker({ holdMs: rule.seconds * 1000, graceMs: 1500, clearMs: 5000, updateEveryMs: 10_000 });
  const key = `crowd:${zoneId}`;
  return {
    evaluate(frame: ZoneFrame): SituationEvent[] {
      const persons = frame.tracks.filter((t) => t.track.seen && t.track.class === 'person' && !t.riding).length;
      const step = situations.step(key, persons >= rule.minPersons, frame.timestampMs, persons);
      if (!step) return [];
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
          durationSeconds: step.durationMs / 1000,
        },
      ];
    },
    trackEnded: () => [],
  };
}
