// The live protocol between the api role's socket.io server and the dashboard (REALTIME.md): every
// event name and its payload, once. The server types its `Server` with these maps and the web its
// `Socket`, so a renamed event or a changed payload fails to compile on both sides. Some events are
// sent from SQL (alert:event, alert:removed, alerts:stale: migrations 0011, 0012) or by other
// processes through core/live; their names are here too. The zod schemas of these payloads are in
// socket-schemas.ts (kept apart so the web does not bundle zod).
import type { AlertEventMessage, AlertRemovedMessage, AlertsSync } from './alerts.ts';
import type { AssignmentMessage, EscalationNotice, IncidentView, UnassignedMessage } from './incidents.ts';

/** Tells the client to ask for an `alerts:sync` again (membership changed, a change too large, delivery interrupted). */
export interface AlertsStale {
  reason: string;
}

/** A message of this client's that the server refused; nothing else happened. */
export interface SocketError {
  code: string;
  message: string;
  event: string;
  field?: string;
}

/** A camera's state as camera ingest reports it (ingest/camera/worker.ts). */
export interface CameraLiveStatus {
  cameraId: string;
  state: 'online' | 'degraded' | 'offline';
  reason?: string | null;
  message?: string | null;
  fps?: number;
  picture?: string[];
  liveView?: boolean;
  /** What ffmpeg decodes now: every frame at the detect rate, or keyframes only (the cheap tier). */
  decode?: 'all' | 'keyframes' | null;
  since?: string;
}

/** A sensor's state as the sensor rules report it (analytics/sensor-rules). */
export interface SensorLiveStatus {
  id: string;
  sensorId: string;
  state: string;
  lastValue?: number | null;
  /** Device time of lastValue, ISO-8601. */
  ts?: string | null;
  lastSeenAt?: string | null;
  rateCmPerHour?: number | null;
}

/** A device added, changed or deleted (devices/change-notices.ts). */
export interface DeviceChange {
  type: 'camera' | 'sensor' | 'district';
  id: string;
  change: 'created' | 'updated' | 'deleted';
}

/** The analysis slots were handed out again (analytics/slots/leader.ts); pages reload what they show. */
export interface SlotsChanged {
  slotCount: number;
  slotSource: 'config' | 'measured';
  roundRobinReserve: number;
  assignments: { cameraId: string; reason: string; since: string }[];
  added: string[];
  released: { cameraId: string; reason: string }[];
  notices: { code: string; message: string }[];
}

/** Client → server: send me the alerts again, after `after` (a replay) or all of them (a snapshot). */
export interface AlertsSyncRequest {
  after?: number;
}
export type AlertsSyncAnswer = AlertsSync | { error: SocketError };

export interface ServerToClientEvents {
  'alert:event': (message: AlertEventMessage) => void;
  'alert:removed': (message: AlertRemovedMessage) => void;
  'alerts:sync': (sync: AlertsSync) => void;
  'alerts:stale': (notice: AlertsStale) => void;
  'app:error': (error: SocketError) => void;
  'camera:status': (status: CameraLiveStatus) => void;
  'sensor:status': (status: SensorLiveStatus) => void;
  'devices:changed': (change: DeviceChange) => void;
  'slots:changed': (change: SlotsChanged) => void;
  /** An incident was opened or changed (command room only): its whole view. */
  'incident:changed': (incident: IncidentView) => void;
  /** To the assigned team's phones: an incident assigned to them, or its assignment changed. */
  'incident:assignment': (message: AssignmentMessage) => void;
  /** To the team's phones: an assignment of theirs ended (reassigned, resolved, closed). */
  'incident:unassigned': (message: UnassignedMessage) => void;
  /** A deadline passed: reminders go to the team and the command room, the rest to the command room. */
  'incident:escalation': (notice: EscalationNotice) => void;
}
export type ServerEventName = keyof ServerToClientEvents;

export interface ClientToServerEvents {
  /** The ack is optional: without one, the server answers with an `alerts:sync` event. */
  'alerts:sync': (request: AlertsSyncRequest, ack?: (answer: AlertsSyncAnswer) => void) => void;
}

/** Nothing goes between API processes but socket.io's own adapter messages. */
export type InterServerEvents = Record<string, never>;

/** What the client sends in the handshake's `auth`: its alerts cursor once it has one. */
export interface HandshakeAuth {
  alertsCursor?: number;
}
