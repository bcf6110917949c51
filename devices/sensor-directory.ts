// The registry as the ingest hot loop needs it: an in-memory map from sensor id to its profile, so a
// message is validated without a query. Kept fresh by the registry's change notices (LISTEN, delivered at
// commit) and a periodic full reload in case a notice was missed while the connection was down.
// While the database is unreachable the last loaded copy keeps serving.
import type { Component } from '@cityops/core/lifecycle';
import type { Database } from '@cityops/core/database/pool';
import type { Logger } from '@cityops/core/logger';
import { DEVICE_CHANNEL } from './change-notices.ts';
import type { SensorProfile } from './sensor-profile.ts';
import { loadSensorProfiles } from './sensor-repository.ts';

export class SensorDirectory implements Component {
  readonly name = 'sensor-directory';
  private profiles = new Map<string, SensorProfile>();
  private listener?: { release(): void };
  private reloadTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: { reloadEveryMs?: number } = {},
  ) {}

  get(id: string): SensorProfile | undefined {
    return this.profiles.get(id);
  }

  get size(): number {
    return this.profiles.size;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.reload();
    await this.listen().catch((error) => this.logger.warn({ err: error }, 'sensor change notices unavailable; relying on periodic reload'));
    this.reloadTimer = setInterval(() => void this.reload().catch(() => {}), this.options.reloadEveryMs ?? 60_000);
    this.reloadTimer.unref();
  }

  async reload(): Promise<void> {
    const next = new Map<string, SensorProfile>();
    for (const profile of await loadSensorProfiles(this.db)) next.set(profile.id, profile);
    this.profiles = next;
  }

  private scheduleListen() {
    if (this.stopped) return;
    setTimeout(() => {
      void this.listen()
        .then(() => this.reload())
        .catch(() => this.scheduleListen());
    }, 2000).unref();
  }

  /** Holds one pooled connection for LISTEN; when it breaks, a new one is taken and a full reload catches up. */
  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = await this.db.connect();
    let released = false;
    const reconnect = () => {
      if (released) return;
      released = true;
      client.release(true);
      this.listener = undefined;
      this.scheduleListen();
    };
    client.on('error', reconnect);
    client.on('end', reconnect);
    client.on('notification', (message) => {
      try {
        const change = JSON.parse(message.payload ?? '{}') as { type?: string; id?: string; change?: string };
        if (change.type !== 'sensor' || !change.id) return;
        if (change.change === 'deleted') this.profiles.delete(change.id);
        else void this.refreshOne(change.id);
      } catch {
        // a foreign payload on the channel: ignore
      }
    });
    this.listener = {
      release: () => {
        if (released) return;
        released = true;
        client.release(true);
      },
    };
    await client.query(`LISTEN ${DEVICE_CHANNEL}`).catch(reconnect);
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
    this.stopped = true;
    clearInterval(this.reloadTimer);
    this.listener?.release();
    this.listener = undefined;
  }
}
