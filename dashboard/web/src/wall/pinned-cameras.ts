// On the wall, a critical alert that nobody has acknowledged yet holds the cameras at its place on the
// tiles (#17 part 3): the room sees the street while it decides, instead of the tiles rotating away
// after 15 s. Acknowledging it (or its end) lets the rotation take the tiles back.
import type { PlaceCamera } from '@cityops/contract/devices';
import type { Alert } from '../live/types.ts';
import { usePlaceCameras } from '../media/place-cameras.tsx';

/** The newest critical, unacknowledged alert with a place, if any. */
export function alertToPin(openAlerts: readonly Alert[]): Alert | undefined {
  let pinned: Alert | undefined;
  for (const alert of openAlerts) {
    if (alert.severity !== 'critical' || alert.state !== 'new' || alert.lat == null || alert.lon == null) continue;
    if (!pinned || alert.firstSeenAt > pinned.firstSeenAt) pinned = alert;
  }
  return pinned;
}

export function usePinnedCameras(openAlerts: readonly Alert[]): { alert?: Alert; cameras: PlaceCamera[] } {
  const alert = alertToPin(openAlerts);
  const { cameras } = usePlaceCameras(alert ? { lat: alert.lat, lon: alert.lon } : null);
  return { alert, cameras: alert ? (cameras ?? []) : [] };
}
