// Device changes are announced on a PostgreSQL channel (delivered at commit), so camera and sensor
// workers on other machines reload what changed without polling; and live to the command room's
// dashboards (`devices:changed`), so a device added, moved or deleted shows at once, not at the next
// minute's refresh.
import type { DeviceChange, ServerEventName } from '@cityops/contract/socket-events';
import type { Queryable } from '@cityops/core/database/pool';
import { createLivePublisher } from '@cityops/core/live/publisher';
import { liveRooms } from '@cityops/core/live/rooms';

export const DEVICE_CHANNEL = 'cityops_devices';

export const DEVICES_CHANGED_EVENT = 'devices:changed' satisfies ServerEventName;

export async function announceDeviceChange(db: Queryable, change: DeviceChange): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [DEVICE_CHANNEL, JSON.stringify(change)]);
  await createLivePublisher(db).publishIn(db, liveRooms.staff(), DEVICES_CHANGED_EVENT, change);
}
