// Device changes are announced on a PostgreSQL channel (delivered at commit), so camera and sensor
// workers on other machines reload what changed without polling; and live to the command room's
// dashboards (`devices:changed`), so a device added, moved or deleted shows at once, not at the next
// minute's refresh.
import { z } from 'zod';
import type { DeviceChange, ServerEventName } from '@cityops/contract/socket-events';
import { jsonChannel, notify } from '@cityops/core/database/notification-bus';
import type { Queryable } from '@cityops/core/database/pool';
import { createLivePublisher } from '@cityops/core/live/publisher';
import { liveRooms } from '@cityops/core/live/rooms';

const deviceChangeSchema = z.object({
  type: z.enum(['camera', 'sensor', 'district']),
  id: z.string(),
  change: z.enum(['created', 'updated', 'deleted']),
}) satisfies z.ZodType<DeviceChange>;

const deviceNoticeSchema = z.union([
  deviceChangeSchema,
  /** A bulk import touched many devices at once: listeners that care reload everything. */
  z.object({ type: z.literal('bulk'), id: z.literal('*'), change: z.literal('updated') }),
  /** A private camera's consent changed (registered, paused, resumed, ended): its pipeline goes on,
   *  but what may be viewed, analysed and recorded is read again (devices/private-cameras/). */
  z.object({ type: z.literal('camera_consent'), id: z.string(), change: z.literal('updated') }),
]);

/** What the workers' channel carries: one device's change (also sent live), or a bulk import's. */
export type DeviceNotice = z.infer<typeof deviceNoticeSchema>;

export const deviceChanges = jsonChannel<DeviceNotice>('cityops_devices', deviceNoticeSchema);

export const DEVICES_CHANGED_EVENT = 'devices:changed' satisfies ServerEventName;

/** Tells the workers (the channel) and the dashboards (live) about one device's change. */
export async function announceDeviceChange(db: Queryable, change: DeviceChange): Promise<void> {
  await notify(db, deviceChanges, change);
  await createLivePublisher(db).publishIn(db, liveRooms.staff(), DEVICES_CHANGED_EVENT, change);
}

/** After a bulk import: the workers only (the dashboards are not told today). */
export async function announceBulkDeviceChange(db: Queryable): Promise<void> {
  await notify(db, deviceChanges, { type: 'bulk', id: '*', change: 'updated' });
}

/** A private camera's consent changed: the workers only (its pipeline is not restarted). */
export async function announceConsentChange(db: Queryable, cameraId: string): Promise<void> {
  await notify(db, deviceChanges, { type: 'camera_consent', id: cameraId, change: 'updated' });
}
