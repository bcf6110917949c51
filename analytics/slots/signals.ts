// Reads what the scheduler needs about every enabled camera from PostgreSQL: stream liveness and
// motion (cheap tier), pins, time-of-day windows, open or recent alerts, sensors in alarm nearby, and
// when each camera last held a slot. Private cameras whose owner does not share analysis now (paused,
// ended, outside their hours: devices/private-cameras/) are left out, so they never get a slot. Five
// queries per round, whatever the number of cameras.
import type { Queryable } from '@cityops/core/database/pool';
import { sharingAt } from '@cityops/devices/private-cameras/consent';
import { allConsents } from '@cityops/devices/private-cameras/owner-repository';
import type { CameraSignals } from './scheduler.ts';
import { readCameraEvents, readCameraRows, readSensorsInAlarm } from './signal-repository.ts';
import { localClock, priorityAt, timeOfDayWindowsSchema, type TimeOfDayWindow } from './time-of-day.ts';

export interface SignalOptions {
  /** Sensors in alarm within this distance of a camera count for it. */
  sensorRadiusM: number;
  /** Lowest sensor alarm level that counts (2 = level II). */
  sensorMinLevel: number;
  /** An alert on a camera counts this long after it was last seen, even once it is cleared or closed. */
  recentEventMs: number;
  /** A camera whose last frame is older than this counts as down. */
  streamStaleMs: number;
  timeZone: string;
}

// Alerts about the camera's own health say nothing about the scene.
const SCENE_BLIND_KINDS = ['camera_offline', 'camera_tamper'];

/**
 * A camera counts as watchable when camera-ingest reported a frame recently (camera_activity, written
 * by the slot hook) and its own health state (camera_status, camera ingest) is not offline.
 */
export async function loadCameraSignals(db: Queryable, nowMs: number, options: SignalOptions): Promise<CameraSignals[]> {
  const now = new Date(nowMs);
  // One after the other: `db` may be a single connection (the leader's), which runs one query at a time.
  const cameras = await readCameraRows(db, now, options.streamStaleMs);
  const events = await readCameraEvents(db, now, options.recentEventMs, SCENE_BLIND_KINDS);
  const sensors = await readSensorsInAlarm(db, options.sensorMinLevel);
  const consents = await allConsents(db);

  const eventByCamera = new Map(events.map((row) => [row.source_id, row]));
  const local = localClock(nowMs, options.timeZone);
  const analysable = (cameraId: string) => sharingAt(consents.get(cameraId), nowMs).analysis;
  return cameras.filter((row) => analysable(row.id)).map((row): CameraSignals => {
    const event = eventByCamera.get(row.id);
    return {
      cameraId: row.id,
      streamOnline: row.online,
      pin: row.pinned_at_ms !== null ? { atMs: row.pinned_at_ms, by: row.pinned_by ?? undefined } : undefined,
      event: event ? { atMs: event.at_ms, alertId: Number(event.id), kind: event.kind, open: event.open } : undefined,
      sensorAlarm: row.lat !== null && row.lon !== null ? nearestAlarm(row.lat, row.lon, sensors, options.sensorRadiusM) : undefined,
      motionScore: row.motion_score ?? 0,
      timeOfDayPriority: row.windows ? priorityAt(parseWindows(row.windows), local) : 0,
      lastServedAtMs: row.last_served_ms ?? undefined,
    };
  });
}

/** The most severe, then nearest, sensor in alarm within the radius. */
export function nearestAlarm(
  lat: number,
  lon: number,
  sensors: readonly { id: string; lat: number; lon: number; level: number }[],
  radiusM: number,
): CameraSignals['sensorAlarm'] {
  let best: CameraSignals['sensorAlarm'];
  for (const sensor of sensors) {
    const distanceM = haversineMeters(lat, lon, sensor.lat, sensor.lon);
    if (distanceM > radiusM) continue;
    if (!best || sensor.level > best.level || (sensor.level === best.level && distanceM < best.distanceM)) {
      best = { sensorId: sensor.id, level: sensor.level, distanceM };
    }
  }
  return best;
}

const EARTH_RADIUS_M = 6_371_008.8;
export function haversineMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const toRad = Math.PI / 180;
  const dLat = (lat2 - lat1) * toRad;
  const dLon = (lon2 - lon1) * toRad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

// Windows are validated when written (api.ts); a row edited by hand that no longer parses counts as none.
const parsedWindows = new Map<string, TimeOfDayWindow[]>();
function parseWindows(value: unknown): TimeOfDayWindow[] {
  const key = JSON.stringify(value);
  let windows = parsedWindows.get(key);
  if (!windows) {
    const parsed = timeOfDayWindowsSchema.safeParse(value);
    windows = parsed.success ? parsed.data : [];
    if (parsedWindows.size > 1000) parsedWindows.clear();
    parsedWindows.set(key, windows);
  }
  return windows;
}
