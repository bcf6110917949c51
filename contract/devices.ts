// The device registry as the API returns it (/api/cameras, /api/sensors, /api/districts): the JSON
// of devices/schemas.ts's cameraView and sensorView, dates as ISO strings.

export const SENSOR_KINDS = ['tide_level', 'water_level', 'rainfall', 'salinity', 'soil_moisture', 'pump_state'] as const;
export type SensorKind = (typeof SENSOR_KINDS)[number];

export interface Camera {
  id: string;
  name: string;
  nameEn?: string | null;
  rtspUrl: string;
  username: string | null;
  hasPassword: boolean;
  /** Names of the credential parameters held for the URL's query (values are never returned). */
  queryCredentialNames?: string[];
  lat: number | null;
  lon: number | null;
  bearing: number | null;
  /** Field of view width, degrees (360 = sees all round); drawn as a cone with rangeMeters. */
  fovDegrees: number;
  rangeMeters: number;
  districtId: string | null;
  detectFps: number;
  enabled: boolean;
  analysis: unknown;
  /** The substream analysed instead of the main stream (without credentials), or null. */
  detectStreamUrl?: string | null;
  hasDetectStreamCredentials?: boolean;
  createdAt: string;
  updatedAt: string;
}

/** GET /api/cameras/for-place: a camera that sees the place (inside its cone) or is only near it. */
export interface PlaceCamera {
  id: string;
  name: string;
  nameEn?: string | null;
  sees: boolean;
  distanceMeters: number;
}

export interface Sensor {
  id: string;
  name: string;
  nameEn?: string | null;
  kind: SensorKind;
  unit: string;
  lat: number | null;
  lon: number | null;
  districtId: string | null;
  mqttUsername: string | null;
  hasMqttPassword: boolean;
  level1: number | null;
  level2: number | null;
  level3: number | null;
  hysteresis: number;
  expectedIntervalSeconds: number;
  enabled: boolean;
  rules: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface District {
  id: string;
  name: string;
  nameEn?: string | null;
}

/** A place's local name (as people in the city say it) and, when people use another one, its English name. */
export interface PlaceNames {
  name: string;
  nameEn?: string | null;
}

/** The name to show or send in a language: English screens and feeds use the English name when there is one. */
export function nameIn(place: PlaceNames, language: 'vi' | 'en'): string {
  return language === 'en' && place.nameEn ? place.nameEn : place.name;
}

/** Both names, for texts made once and shown in either language (alert titles). */
export function namesOf(place: PlaceNames): { vi: string; en: string } {
  return { vi: nameIn(place, 'vi'), en: nameIn(place, 'en') };
}
