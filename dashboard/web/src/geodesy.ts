// Straight-line distance and direction between two points on the city's map, said the way a dispatcher
// or a field worker reads them ("1,2 km, north-east"), and links that open a point in a map app. The
// server ranks teams with the same great circle (dashboard/server/incidents/dispatch.ts).
import type { I18n } from './i18n.tsx';
import type { MessageKey } from './messages.ts';

export interface Point {
  lat: number;
  lon: number;
}

const RADIANS = Math.PI / 180;
/** Mean Earth radius (IUGG), as the server's cityops_distance_m. */
const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function distanceMetres(a: Point, b: Point): number {
  const dLat = (b.lat - a.lat) * RADIANS;
  const dLon = (b.lon - a.lon) * RADIANS;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RADIANS) * Math.cos(b.lat * RADIANS) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h));
}

/** Initial bearing from `from` to `to`, degrees clockwise from north, 0-359. */
export function bearingDegrees(from: Point, to: Point): number {
  const dLon = (to.lon - from.lon) * RADIANS;
  const y = Math.sin(dLon) * Math.cos(to.lat * RADIANS);
  const x = Math.cos(from.lat * RADIANS) * Math.sin(to.lat * RADIANS) - Math.sin(from.lat * RADIANS) * Math.cos(to.lat * RADIANS) * Math.cos(dLon);
  return (Math.atan2(y, x) / RADIANS + 360) % 360;
}

const COMPASS_POINTS = ['n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw'] as const;
export type CompassPoint = (typeof COMPASS_POINTS)[number];

/** The nearest of the eight compass points: finer than a person steers by on a street. */
export function compassPoint(bearingDeg: number): CompassPoint {
  return COMPASS_POINTS[Math.round((((bearingDeg % 360) + 360) % 360) / 45) % 8];
}

export const compassLabel = (i18n: I18n, bearingDeg: number) => i18n.t(`compass.${compassPoint(bearingDeg)}` as MessageKey);

/** 40 m, 850 m, 1,2 km, 12 km: metres rounded to 10 below a kilometre. */
export function formatDistance(i18n: I18n, metres: number): string {
  if (metres < 1000) return `${i18n.number(Math.round(metres / 10) * 10)} m`;
  return `${i18n.number(metres / 1000, metres < 10_000 ? 1 : 0)} km`;
}

/** geo: opens the phone's own map app (no tiles downloaded by CityOps on a slow link); the
 *  OpenStreetMap page is for a browser without a map app to hand the geo: link to. */
export function mapLinks(point: Point): { geo: string; openStreetMap: string } {
  const lat = point.lat.toFixed(6);
  const lon = point.lon.toFixed(6);
  return {
    geo: `geo:${lat},${lon}?q=${lat},${lon}`,
    openStreetMap: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`,
  };
}
