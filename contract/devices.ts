// The device registry as the API returns it (/api/cameras, /api/sensors, /api/districts): the JSON
// of devices/schemas.ts's cameraView and sensorView, dates as ISO strings.

export const SENSOR_KINDS = ['tide_level', 'water_level', 'rainfall', 'salinity', 'soil_moisture', 'pump_state'] as const;
export type SensorKind = (typeof SENSOR_KINDS)[number];

export interface Camera {
  id: string;
  name: string;
  rtspUrl: string;
  username: string | null;
  hasPassword: boolean;
  /** Names of the credential parameters held for the URL's query (values are never returned). */
  queryCredentialNames?: string[];
  lat: number | null;
  lon: number | null;
  bearing: number | null;
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

export interface Sensor {
  id: string;
  name: string;
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
}
