// Device changes are announced on a PostgreSQL channel (delivered at commit), so camera and sensor
// workers on other machines reload what changed without polling.
import type { Queryable } from '@cityops/core/database/pool';

export const DEVICE_CHANNEL = 'cityops_devices';

export interface DeviceChange {
  type: 'camera' | 'sensor' | 'district';
  id: string;
  change: 'created' | 'updated' | 'deleted';
}

export async function announceDeviceChange(db: Queryable, change: DeviceChange): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [DEVICE_CHANNEL, JSON.stringify(change)]);
}
