import type { CityClass } from '../detect/types.ts';
import type { RiderClass } from './riders.ts';

export const SITUATION_KINDS = ['crowd', 'stalled_vehicle', 'wrong_way', 'congestion', 'illegal_parking'] as const;
export type SituationKind = (typeof SITUATION_KINDS)[number];

/**
 * One situation (a crowd in a zone, one stalled vehicle...) produces one `start`, then `update`s at
 * most every few seconds while it changes, then one `end`: the alerts API raises on start, updates
 * the same alert on update, clears it on end.
 */
export interface SituationEvent {
  kind: SituationKind;
  phase: 'start' | 'update' | 'end';
  /** Stable for the whole situation, e.g. `crowd:plaza` or `wrong_way:road:17`. */
  situationId: string;
  zoneId: string;
  timestampMs: number;
  /** The class involved: `person` for crowds, the vehicle's class for per-track rules, null for congestion. */
  class: CityClass | null;
  trackId: number | null;
  /** Persons or vehicles in the zone, for zone-wide situations. */
  count?: number;
  /**
   * For zone-wide situations: the highest count the zone held for the rule's whole wait so far, i.e.
   * the highest threshold that would still have raised it (sustained-count.ts).
   */
  sustainedCount?: number;
  /** How long the condition has held, in seconds. */
  durationSeconds: number;
}

export interface LineCrossing {
  lineId: string;
  trackId: number;
  /** The track's class, or `rider:motorbike` / `rider:bicycle` for a person riding one (riders.ts). */
  class: CityClass | RiderClass;
  /** `+` when the track moved from the side where cross(to−from, p−from) < 0 to where it is > 0. */
  direction: '+' | '-';
  timestampMs: number;
}

/** Tracks per zone and class that were seen in the current frame. */
export type ZoneOccupancy = Record<string, Partial<Record<CityClass, number>>>;
