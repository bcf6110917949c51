// The registry as the ingest hot loop needs it: an in-memory map from sensor id to its profile, so a
// message is validated without a query. Kept fresh by the registry's change notices (LISTEN, delivered at
// commit), a full reload when the LISTEN connection comes back after a gap, and a periodic full reload
// in case a notice was missed anyway. While the database is unreachable the last loaded copy keeps serving.
import { NotificationBus } from '@cityops/core/database/notification-bus';
import type { Component } from '@cityops/core/lifecycle';
import type { Database } from '@cityops/core/database/pool';
import type { Logger } from '@cityops/core/logger';
import { deviceChanges, type DeviceNotice } from './change-notices.ts';
import type { SensorProfile } from './sensor-profile.ts';
import { loadSensorProfiles } from './sensor-repository.ts';

export class SensorDirectory implements Component {
  readonly name = 'sensor-directory';
  private profiles = new Map<string, SensorProfile>();
  private readonly notices: NotificationBus;
  private reloadTimer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: { reloadEveryMs?: number } = {},
  ) {
    this.notices = new NotificationBus({
      db,
      logger,
      name: 'sensor-directory:listen',
      retryMaxMs: 2000, // it retried every 2 s before the bus: never slower to come back than that
      // Notices sent while nobody listened are gone: catch up from the table.
      onReconnected: () => void this.reload().catch(() => {}),
    }).on(deviceChanges, (change) => this.onDeviceChange(change));
  }

  get(id: string): SensorProfile | undefined {
    return this.profiles.get(id);
  }

  /** Every sensor, as last loaded. */
  all(): SensorProfile[] {
    return [...this.profiles.values()];
  }

  get size(): number {
    return this.profiles.size;
  }

  async start(): Promise<void> {
    await this.reload();
    await this.notices.start();
    this.reloadTimer = setInterval(() => void this.reload().catch(() => {}), this.options.reloadEveryMs ?? 60_000);
    this.reloadTimer.unref();
  }

  async reload(): Promise<void> {
    const next = new Map<string, SensorProfile>();
    for (const profile of await loadSensorProfiles(this.db)) next.set(profile.id, profile);
    this.profiles = next;
  }

  private onDeviceChange(change: DeviceNotice): void {
    if (change.type !== 'sensor' || !change.id) return;
    if (change.change === 'deleted') this.profiles.delete(change.id);
    else void this.refreshOne(change.id);
  }

  private async refreshOne(id: string): Promise<void> {
    try {
      const [profile] = await loadSensorProfiles(this.db, [id]);
      if (profile) this.profiles.set(id, profile);
      else this.profiles.delete(id);
    } catch (error) {
      this.logger.warn({ err: error, sensorId: id }, 'could not refresh a changed sensor; the periodic reload will');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.reloadTimer);
    await this.notices.stop();
  }
}
