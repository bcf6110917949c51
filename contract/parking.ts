// Parking occupancy (#16 part 3): zones marked `parking` on a camera, sampled once a minute by vision
// analytics. GET /api/parking and GET /api/parking/{cameraId}/{zoneId}/series. No zod: the web bundles
// this module.

/** A sample older than this is not "now": the zone shows no figure (its camera is not being analysed). */
export const PARKING_FRESH_MINUTES = 10;

/** One parking zone as the map shows it. */
export interface ParkingZoneView {
  cameraId: string;
  cameraName: string;
  zoneId: string;
  /** The zone's name when the engineer gave one. */
  zoneName: string | null;
  /** The camera's place: the zone is drawn there. */
  lat: number | null;
  lon: number | null;
  /** Spaces, from the zone's rule now. */
  capacity: number;
  /** Vehicles standing in the zone at the latest sample; null when none in the last PARKING_FRESH_MINUTES. */
  occupied: number | null;
  /** capacity − occupied, never below 0 (double parking fills a zone beyond its spaces); null with occupied. */
  free: number | null;
  /** Start of the sampled minute (ISO 8601), or null. */
  at: string | null;
}

export interface ParkingSeriesPoint {
  /** Start of the minute, ISO 8601. */
  minute: string;
  occupied: number;
  /** The zone's capacity when the sample was taken. */
  capacity: number;
  /** Analysed frames the sample summarises. */
  frames: number;
}

export interface ParkingSeriesView {
  cameraId: string;
  zoneId: string;
  from: string;
  to: string;
  samples: ParkingSeriesPoint[];
}
