// What a drag in the field-of-view editor means, as pure arithmetic (its spec beside it): the pointer in
// metres east and north of the camera becomes a bearing and range (the tip) or a width (an edge).
import { angleBetween } from '@cityops/contract/field-of-view';

/** As the server's limit (devices/schemas.ts MAX_CAMERA_RANGE_METERS). */
export const MAX_RANGE_METERS = 2000;

interface FieldOfView {
  bearing: number | null;
  fovDegrees: number;
  rangeMeters: number;
}
interface Pointer {
  east: number;
  north: number;
}

const headingOf = (pointer: Pointer) => ((Math.atan2(pointer.east, pointer.north) * 180) / Math.PI + 360) % 360;

/** The tip follows the pointer: the camera looks towards it and sees as far as it is (whole degrees and metres). */
export function fieldOfViewFromTip(current: FieldOfView, pointer: Pointer): FieldOfView {
  const range = Math.min(MAX_RANGE_METERS, Math.max(1, Math.round(Math.hypot(pointer.east, pointer.north))));
  return { ...current, bearing: Math.round(headingOf(pointer)) % 360, rangeMeters: range };
}

/** An edge follows the pointer: the cone widens or narrows symmetrically about the bearing (1-359°). */
export function fieldOfViewFromEdge(current: FieldOfView, pointer: Pointer): FieldOfView {
  const half = angleBetween(headingOf(pointer), current.bearing ?? 0);
  return { ...current, bearing: current.bearing ?? 0, fovDegrees: Math.min(359, Math.max(1, Math.round(half * 2))) };
}
