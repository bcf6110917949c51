// A camera's field of view on the ground (#17 part 3): the cone the map draws and the test "does this
// camera see that place". One module for the server (which picks the cameras shown with an alert) and the
// web (which draws the cones and the engineer's editor), so a cone on the map and the cameras the server
// says see a place can never disagree. Pure geometry, no I/O.

export interface GeoPoint {
  lat: number;
  lon: number;
}

/** What the geometry needs of a camera; bearing null = the direction is not known. */
export interface CameraFieldOfView extends GeoPoint {
  bearing: number | null;
  fovDegrees: number;
  rangeMeters: number;
}

const RADIANS = Math.PI / 180;
/** Mean Earth radius (IUGG), as the web's geodesy.ts and the server's cityops_distance_m. */
const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function distanceMeters(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.lat - a.lat) * RADIANS;
  const dLon = (b.lon - a.lon) * RADIANS;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RADIANS) * Math.cos(b.lat * RADIANS) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from `from` to `to`, degrees clockwise from north, in [0, 360). */
export function bearingBetween(from: GeoPoint, to: GeoPoint): number {
  const dLon = (to.lon - from.lon) * RADIANS;
  const y = Math.sin(dLon) * Math.cos(to.lat * RADIANS);
  const x = Math.cos(from.lat * RADIANS) * Math.sin(to.lat * RADIANS) - Math.sin(from.lat * RADIANS) * Math.cos(to.lat * RADIANS) * Math.cos(dLon);
  return (Math.atan2(y, x) / RADIANS + 360) % 360;
}

/** The point `meters` away from `from` heading `bearing` (great circle). */
export function destination(from: GeoPoint, bearing: number, meters: number): GeoPoint {
  const angular = meters / EARTH_RADIUS_M;
  const heading = bearing * RADIANS;
  const lat1 = from.lat * RADIANS;
  const lon1 = from.lon * RADIANS;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(angular) + Math.cos(lat1) * Math.sin(angular) * Math.cos(heading));
  const lon2 = lon1 + Math.atan2(Math.sin(heading) * Math.sin(angular) * Math.cos(lat1), Math.cos(angular) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: lat2 / RADIANS, lon: ((lon2 / RADIANS + 540) % 360) - 180 };
}

/** Smallest angle between two bearings, 0-180: 350° and 10° are 20° apart (a cone may cross north). */
export function angleBetween(a: number, b: number): number {
  const difference = Math.abs((((a - b) % 360) + 360) % 360);
  return difference > 180 ? 360 - difference : difference;
}

/** A full circle is known without a bearing; any narrower cone needs one. */
export function hasCone(camera: CameraFieldOfView): boolean {
  return camera.fovDegrees >= 360 || camera.bearing !== null;
}

/**
 * The place lies inside the camera's cone: within range and within half the angle either side of the
 * bearing. A camera without a bearing sees nothing for sure (unless it sees all round): it can only be
 * "near".
 */
export function seesPlace(camera: CameraFieldOfView, place: GeoPoint): boolean {
  const meters = distanceMeters(camera, place);
  if (meters > camera.rangeMeters) return false;
  if (camera.fovDegrees >= 360) return true;
  if (camera.bearing === null) return false;
  // At the camera's own foot every direction is "in view" (the bearing is undefined there).
  if (meters < 0.5) return true;
  return angleBetween(bearingBetween(camera, place), camera.bearing) <= camera.fovDegrees / 2;
}

export interface CameraForPlace<T> {
  camera: T;
  /** Inside the camera's cone; otherwise only near. */
  sees: boolean;
  distanceMeters: number;
}

export interface CamerasForPlaceOptions {
  /** How many cameras at most (a detail panel and the wall's tiles hold a few). */
  limit: number;
  /** Cameras that do not see the place are shown only this near. */
  nearRadiusMeters: number;
}

/** The wall has four tiles; a detail panel shows as many. */
export const DEFAULT_CAMERAS_FOR_PLACE: CamerasForPlaceOptions = { limit: 4, nearRadiusMeters: 500 };

/**
 * The cameras to show with a place: those that see it first (nearest first), then the nearest others
 * within the radius, at most `limit`. Cameras without a position are skipped.
 */
export function camerasForPlace<T extends { lat: number | null; lon: number | null; bearing: number | null; fovDegrees: number; rangeMeters: number }>(
  cameras: readonly T[],
  place: GeoPoint,
  options: CamerasForPlaceOptions = DEFAULT_CAMERAS_FOR_PLACE,
): CameraForPlace<T>[] {
  const candidates: CameraForPlace<T>[] = [];
  for (const camera of cameras) {
    if (camera.lat === null || camera.lon === null) continue;
    const located = { lat: camera.lat, lon: camera.lon, bearing: camera.bearing, fovDegrees: camera.fovDegrees, rangeMeters: camera.rangeMeters };
    const meters = distanceMeters(located, place);
    const sees = seesPlace(located, place);
    if (sees || meters <= options.nearRadiusMeters) candidates.push({ camera, sees, distanceMeters: meters });
  }
  candidates.sort((a, b) => Number(b.sees) - Number(a.sees) || a.distanceMeters - b.distanceMeters);
  return candidates.slice(0, options.limit);
}

/**
 * The cone as a closed GeoJSON ring of [lon, lat]: the camera, an arc of `arcSteps` segments, back to the
 * camera; a full circle for 360°. Null when the camera has no cone to draw (no bearing).
 */
export function coneRing(camera: CameraFieldOfView, arcSteps = 12): [number, number][] | null {
  if (!hasCone(camera)) return null;
  const ring: [number, number][] = [];
  if (camera.fovDegrees >= 360) {
    const steps = arcSteps * 3;
    for (let step = 0; step <= steps; step += 1) {
      const point = destination(camera, (360 * step) / steps, camera.rangeMeters);
      ring.push([point.lon, point.lat]);
    }
    ring[ring.length - 1] = ring[0];
    return ring;
  }
  const start = (camera.bearing as number) - camera.fovDegrees / 2;
  ring.push([camera.lon, camera.lat]);
  for (let step = 0; step <= arcSteps; step += 1) {
    const point = destination(camera, start + (camera.fovDegrees * step) / arcSteps, camera.rangeMeters);
    ring.push([point.lon, point.lat]);
  }
  ring.push([camera.lon, camera.lat]);
  return ring;
}
