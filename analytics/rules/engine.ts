// Per-camera rule state: counting lines and zone rules fed with tracker output frame after frame.
import type { CityClass } from '../detect/types.ts';
import type { TrackSnapshot } from '../track/tracker.ts';
import type { AnalysisConfig } from './config.ts';
import { congestionRule } from './congestion.ts';
import { crowdRule } from './crowd.ts';
import type { LineCrossing, SituationEvent, ZoneOccupancy } from './events.ts';
import { anchorOf, boxSize, pointInPolygon, type Point } from './geometry.ts';
import { LineCounter } from './line-counter.ts';
import { parkedVehicles, type ParkedVehicles } from './parking.ts';
import { findRiders, riderClassOf } from './riders.ts';
import { CityClock } from './schedule.ts';
import { stalledVehicleRule } from './stalled-vehicle.ts';
import { wrongWayRule } from './wrong-way.ts';
import type { Observation, ZoneRuleEvaluator, ZoneTrack } from './zone-frame.ts';

/** Observations kept per track: enough for the wrong-way run and a few seconds of history. */
const HISTORY_LENGTH = 12;
/** The seed city's, as CITY_TIME_ZONE defaults to: the offline analyser and specs run without a config. */
export const DEFAULT_CITY_TIME_ZONE = 'Asia/Ho_Chi_Minh';

export interface RulesUpdate {
  events: SituationEvent[];
  crossings: LineCrossing[];
  occupancy: ZoneOccupancy;
  /** Vehicles standing in each parking zone (rule `parking`) this frame; zones without one are absent. */
  parked: ParkedVehicles;
}

interface CompiledZone {
  id: string;
  polygon: Point[];
  rules: ZoneRuleEvaluator[];
  parking: boolean;
}

export class RulesEngine {
  private readonly zones: CompiledZone[];
  private readonly lines: LineCounter[];
  private readonly history = new Map<number, Observation[]>();
  private readonly hasParking: boolean;

  /** `timeZone`: the city's (CITY_TIME_ZONE), for rules with thresholds by time of day. */
  constructor(config: AnalysisConfig, timeZone = DEFAULT_CITY_TIME_ZONE) {
    const clock = new CityClock(timeZone);
    this.zones = config.zones.map((zone) => ({
      id: zone.id,
      polygon: zone.polygon,
      parking: zone.rules.some((rule) => rule.kind === 'parking'),
      rules: zone.rules.flatMap((rule): ZoneRuleEvaluator[] => {
        switch (rule.kind) {
          case 'crowd':
            return [crowdRule(zone.id, rule, clock)];
          case 'congestion':
            return [congestionRule(zone.id, rule, clock)];
          case 'stalled_vehicle':
          case 'illegal_parking':
            return [stalledVehicleRule(zone.id, rule)];
          case 'wrong_way':
            return [wrongWayRule(zone.id, rule)];
          case 'parking':
            return []; // counted below, no situation
        }
      }),
    }));
    this.lines = config.lines.map((line) => new LineCounter(line));
    this.hasParking = this.zones.some((zone) => zone.parking);
  }

  /**
   * `tracks`: the tracker's confirmed tracks for this frame; `removed`: ids it dropped. A track seen
   * for the first time brings its previous observation (from before confirmation), so a vehicle that
   * crosses a line between its first and second detection is still counted.
   */
  update(tracks: readonly TrackSnapshot[], removed: readonly number[], timestampMs: number): RulesUpdate {
    const crossings: LineCrossing[] = [];
    const events: SituationEvent[] = [];
    const zoneTracks = new Map<CompiledZone, ZoneTrack[]>(this.zones.map((zone) => [zone, []]));
    const occupancy: ZoneOccupancy = {};
    for (const zone of this.zones) occupancy[zone.id] = {};
    const riders = findRiders(tracks);
    const riddenVehicleIds = this.hasParking ? new Set([...riders.values()].map((vehicle) => vehicle.id)) : new Set<number>();
    const parked: ParkedVehicles = {};

    for (const track of tracks) {
      const vehicle = riders.get(track.id);
      const crossingsBefore = crossings.length;
      const observations = this.observe(track, crossings, timestampMs);
      // A rider crossing a line is counted with the vehicle class it rides, not as a pedestrian.
      if (vehicle) for (let i = crossingsBefore; i < crossings.length; i++) crossings[i] = { ...crossings[i], class: riderClassOf(vehicle.class) };
      const anchor = anchorOf(track.box);
      const size = boxSize(track.box);
      const zoneTrack: ZoneTrack = {
        track,
        anchor,
        size,
        // A parked vehicle half hidden by passing traffic has jumpy boxes, not speed.
        relativeSpeed: track.parked || size <= 0 ? 0 : Math.hypot(track.velocityX, track.velocityY) / size,
        observations,
        riding: vehicle !== undefined,
      };
      for (const zone of this.zones) {
        if (!pointInPolygon(anchor, zone.polygon)) continue;
        zoneTracks.get(zone)!.push(zoneTrack);
        if (track.seen) increment(occupancy[zone.id], track.class);
      }
    }
    for (const zone of this.zones) {
      const frame = { zoneId: zone.id, timestampMs, tracks: zoneTracks.get(zone)! };
      if (zone.parking) parked[zone.id] = parkedVehicles(frame.tracks, riddenVehicleIds);
      for (const rule of zone.rules) events.push(...rule.evaluate(frame));
    }
    for (const trackId of removed) {
      this.history.delete(trackId);
      for (const line of this.lines) line.forget(trackId);
      for (const zone of this.zones) for (const rule of zone.rules) events.push(...rule.trackEnded(trackId, timestampMs));
    }
    return { events, crossings, occupancy, parked };
  }

  private observe(track: TrackSnapshot, crossings: LineCrossing[], timestampMs: number): Observation[] {
    let observations = this.history.get(track.id);
    if (!observations) {
      observations = [];
      this.history.set(track.id, observations);
      if (track.previous) this.record(track, observations, track.previous.timestampMs, anchorOf(track.previous.box), boxSize(track.previous.box), crossings);
    }
    if (track.seen) this.record(track, observations, timestampMs, anchorOf(track.box), boxSize(track.box), crossings);
    return observations;
  }

  private record(track: TrackSnapshot, observations: Observation[], timestampMs: number, anchor: Point, size: number, crossings: LineCrossing[]): void {
    observations.push({ timestampMs, anchor, size });
    if (observations.length > HISTORY_LENGTH) observations.shift();
    for (const line of this.lines) {
      const crossing = line.observe(track, anchor, timestampMs);
      if (crossing) crossings.push(crossing);
    }
  }
}

function increment(counts: Partial<Record<CityClass, number>>, cityClass: CityClass): void {
  counts[cityClass] = (counts[cityClass] ?? 0) + 1;
}
