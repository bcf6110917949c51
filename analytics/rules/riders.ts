// Riders are not pedestrians. In Ho Chi Minh City most people in the street are on motorbikes: a queue
// at a red light is dozens of "persons" to the detector, and counting them toward a crowd would raise a
// crowd at every light. A person whose box sits on a motorbike's or bicycle's box is that vehicle's
// rider: not counted toward crowds, and counted at a line as `rider:motorbike` (or `rider:bicycle`),
// so the traffic page can say how many people each vehicle class carries.
//
// "Sits on", from how a detector draws them: the person's box is about as wide as the vehicle's or
// narrower and stands over it: most of the person's width lies within the vehicle's, the person's lower
// edge (legs on the footrests or pedals) is inside the vehicle's box below its top quarter, and the
// person's top is above the vehicle's top (a person entirely inside a vehicle's box is behind it, not on
// it). A vehicle carries at most three (a family on one motorbike); each person rides the vehicle it
// overlaps most.
import type { Box } from '@cityops/models/letterbox';
import type { CityClass } from '../detect/types.ts';
import type { TrackSnapshot } from '../track/tracker.ts';

export const RIDDEN_CLASSES: ReadonlySet<CityClass> = new Set(['motorbike', 'bicycle']);
export type RiderClass = `rider:${'motorbike' | 'bicycle'}`;
const MAX_RIDERS = 3;
/** The share of the person's width that must lie within the vehicle's. */
const MIN_WIDTH_OVERLAP = 0.5;

/** How well `person` sits on `vehicle` (the share of its width over it), or 0 when it does not. */
export function ridingOverlap(person: Box, vehicle: Box): number {
  const personWidth = person.x2 - person.x1;
  const vehicleHeight = vehicle.y2 - vehicle.y1;
  if (personWidth <= 0 || vehicleHeight <= 0) return 0;
  const overlap = (Math.min(person.x2, vehicle.x2) - Math.max(person.x1, vehicle.x1)) / personWidth;
  if (overlap < MIN_WIDTH_OVERLAP) return 0;
  const feetInside = person.y2 >= vehicle.y1 + 0.25 * vehicleHeight && person.y2 <= vehicle.y2 + 0.1 * vehicleHeight;
  const standsAbove = person.y1 < vehicle.y1;
  // Far wider than the vehicle: a person walking past in front of a bicycle, not riding it.
  const plausibleWidth = personWidth <= 1.6 * (vehicle.x2 - vehicle.x1);
  return feetInside && standsAbove && plausibleWidth ? overlap : 0;
}

/** Person track id → the vehicle track it rides, among the tracks seen this frame. */
export function findRiders(tracks: readonly TrackSnapshot[]): Map<number, TrackSnapshot> {
  const vehicles = tracks.filter((track) => track.seen && RIDDEN_CLASSES.has(track.class));
  const riders = new Map<number, TrackSnapshot>();
  if (!vehicles.length) return riders;
  const candidates: Array<{ person: number; vehicle: TrackSnapshot; overlap: number }> = [];
  for (const person of tracks) {
    if (!person.seen || person.class !== 'person') continue;
    for (const vehicle of vehicles) {
      const overlap = ridingOverlap(person.box, vehicle.box);
      if (overlap > 0) candidates.push({ person: person.id, vehicle, overlap });
    }
  }
  // Best overlaps first: each person to one vehicle, each vehicle up to MAX_RIDERS persons.
  candidates.sort((a, b) => b.overlap - a.overlap);
  const load = new Map<number, number>();
  for (const { person, vehicle } of candidates) {
    if (riders.has(person) || (load.get(vehicle.id) ?? 0) >= MAX_RIDERS) continue;
    riders.set(person, vehicle);
    load.set(vehicle.id, (load.get(vehicle.id) ?? 0) + 1);
  }
  return riders;
}

export const riderClassOf = (vehicle: CityClass): RiderClass => `rider:${vehicle as 'motorbike' | 'bicycle'}`;
