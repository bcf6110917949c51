// The shapes the dashboard reads from the API. Devices come from devices/schemas.ts (cameraView,
// sensorView); alerts from the alerts feature. Only the fields the screens use are named here.

import { ALERT_SEVERITIES, type AlertSeverity, type AlertState } from '@cityops/core/alerts/types';

// Kinds, severities, states and bilingual text are the server's own definitions (core/alerts/types.ts).
export { ALERT_KINDS, type AlertKind, type AlertState, type LocalisedText } from '@cityops/core/alerts/types';
import type { AlertView } from '@cityops/core/alerts/view';

export type Severity = AlertSeverity;
export const SEVERITIES: Severity[] = [...ALERT_SEVERITIES];
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2, info: 3 };
export const OPEN_STATES: AlertState[] = ['new', 'acknowledged', 'assigned'];

/** The alert as the server sends it, REST and live (dashboard/server/REALTIME.md). */
export type Alert = AlertView;

export interface AlertEventMessage {
  eventId: number;
  type: string;
  at: string;
  actor: { username: string };
  note?: string;
  alert: Alert;
}

export interface AlertRemovedMessage {
  eventId: number;
  alertId: number;
}

export type AlertsSync =
  | { mode: 'snapshot'; cursor: number; alerts: Alert[]; truncated: boolean }
  | { mode: 'replay'; cursor: number; events: (AlertEventMessage | AlertRemovedMessage)[] };

export interface Camera {
  id: string;
  name: string;
  rtspUrl: string;
  username: string | null;
  hasPassword: boolean;
  lat: number | null;
  lon: number | null;
  bearing: number | null;
  districtId: string | null;
  detectFps: number;
  enabled: boolean;
  analysis: unknown;
  createdAt: string;
  updatedAt: string;
}

export type SensorKind = 'tide_level' | 'water_level' | 'rainfall' | 'salinity' | 'soil_moisture' | 'pump_state';
export const SENSOR_KINDS: SensorKind[] = ['tide_level', 'water_level', 'rainfall', 'salinity', 'soil_moisture', 'pump_state'];

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

/** A device's live state as the map colours it; 'unknown' until the ingest roles report. */
export type DeviceState = 'ok' | 'degraded' | 'offline' | 'level1' | 'level2' | 'level3' | 'disabled' | 'unknown';

export interface DeviceHealth {
  state: DeviceState;
  lastSeenAt?: string | null;
  lastValue?: number | null;
  error?: string | null;
}

export interface Team {
  id: number;
  name: string;
  districtId: string | null;
  phone: string | null;
  members: { userId: number; username: string; displayName: string; role: string }[];
}

export function sortAlerts(a: Alert, b: Alert): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.lastSeenAt.localeCompare(a.lastSeenAt) || b.id - a.id;
}

export const isOpen = (alert: Alert) => OPEN_STATES.includes(alert.state);
