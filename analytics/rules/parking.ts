// parking: a zone with a number of spaces (a lot, a kerb bay, a motorbike park). It raises nothing: each
// frame the engine counts the vehicles standing in it, and the analysis worker keeps one sample a minute
// (analytics/parking/minute-sampler.ts) for the map and the occupancy chart.
import { STALLED_MAX_RELATIVE_SPEED } from './stalled-vehicle.ts';
import { VEHICLE_CLASSES, type ZoneTrack } from './zone-frame.ts';

export interface ParkingRule {
  kind: 'parking';
  capacity: number;
}

/** Parking zones' standing vehicles this frame, by zone id. */
export type ParkedVehicles = Record<string, number>;

/**
 * Vehicles standing in the zone: a vehicle class, nearly still (the stalled-vehicle threshold: above
 * detection jitter, below walking pace) and nobody riding it (a motorbike with its rider on is in traffic
 * or waiting at a light, not parked; the rider is a person and never counted). A confirmed track lost for
 * a moment counts too: a parked car hidden by a passing bus still takes its space.
 */
export function parkedVehicles(tracks: readonly ZoneTrack[], riddenVehicleIds: ReadonlySet<number>): number {
  let parked = 0;
  for (const { track, relativeSpeed } of tracks) {
    if (!VEHICLE_CLASSES.has(track.class) || riddenVehicleIds.has(track.id)) continue;
    if (relativeSpeed < STALLED_MAX_RELATIVE_SPEED) parked++;
  }
  return parked;
}
