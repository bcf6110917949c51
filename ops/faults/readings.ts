// Sensor readings as devices send them (QoS 1, the documented payload), each with a seq unique in the
// run, and the reconciliation that makes a scenario's `lost` figure: every reading the broker
// acknowledged (PUBACK) must be in sensor_readings once, found by (sensor, seq).
import mqtt, { UniqueMessageIdProvider, type MqttClient } from 'mqtt';
import { sensorReadingTopic } from '@cityops/contract/mqtt-topics';
import type { Database } from '@cityops/core/database/pool';
import { waitUntil } from './processes.ts';

export class ReadingPublisher {
  private client?: MqttClient;
  private timer?: NodeJS.Timeout;
  private nextSeq: number;
  /** seq → sensor of every reading the broker acknowledged. */
  readonly accepted = new Map<number, string>();
  failed = 0;
  sent = 0;
  private readonly lastTs: Float64Array;

  constructor(
    private readonly options: { url: string; username: string; password: string; clientId: string; sensorIds: string[]; firstSeq?: number },
  ) {
    this.nextSeq = options.firstSeq ?? 0;
    this.lastTs = new Float64Array(options.sensorIds.length);
  }

  async connect(): Promise<void> {
    // MQTT 3.1.1 (as the sensors bench): the broker's receive maximum for MQTT 5 clients would throttle it.
    this.client = await mqtt.connectAsync(this.options.url, {
      username: this.options.username,
      password: this.options.password,
      clientId: this.options.clientId,
      protocolVersion: 4,
      clean: false,
      reconnectPeriod: 500,
      messageIdProvider: new UniqueMessageIdProvider(),
    });
    this.client.on('error', () => {}); // reconnects by itself; failures show in `failed` and `lost`
  }

  /** Publishes one reading now. */
  publishOne(): void {
    const seq = this.nextSeq++;
    const index = seq % this.options.sensorIds.length;
    const sensorId = this.options.sensorIds[index];
    // Slightly in the past (never "future"), distinct milliseconds per sensor: (sensor, ts) is unique.
    const ts = (this.lastTs[index] = Math.max(Date.now() - 60_000, this.lastTs[index] + 1));
    const value = 1 + (seq % 40) / 100;
    this.sent++;
    this.client!.publish(sensorReadingTopic(sensorId), `{"ts":${ts},"value":${value},"seq":${seq}}`, { qos: 1 }, (error) => {
      if (error) this.failed++;
      else this.accepted.set(seq, sensorId);
    });
  }

  /** Publishes `ratePerSecond` readings per second until stop(). */
  start(ratePerSecond: number): void {
    const startedAt = Date.now();
    const firstSeq = this.nextSeq;
    this.timer = setInterval(() => {
      const due = firstSeq + Math.floor(((Date.now() - startedAt) * ratePerSecond) / 1000);
      while (this.nextSeq < due) this.publishOne();
    }, 10);
  }

  /** Publishes `count` readings as fast as the broker takes them; resolves when all are acknowledged. */
  async burst(count: number, inFlight = 2000): Promise<void> {
    const target = this.nextSeq + count;
    while (this.nextSeq < target) {
      while (this.nextSeq < target && this.sent - this.accepted.size - this.failed < inFlight) this.publishOne();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await this.settled(120_000);
  }

  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Waits until every publish was acknowledged or failed (or the timeout). */
  async settled(timeoutMs: number): Promise<void> {
    await waitUntil(async () => this.accepted.size + this.failed, (done) => done >= this.sent, timeoutMs, 100);
  }

  async stop(): Promise<void> {
    this.pause();
    await this.settled(60_000);
    await this.client?.endAsync(true).catch(() => {});
  }
}

export interface Reconciliation {
  accepted: number;
  stored: number;
  lost: number;
  duplicated: number;
}

/** Accepted readings found in sensor_readings by (sensor, seq), the ones missing, and any stored twice. */
export async function reconcile(db: Database, publisher: ReadingPublisher, sensorIds: string[]): Promise<Reconciliation> {
  const rows = (await db.query<{ seq: string }>(`SELECT seq::text FROM sensor_readings WHERE sensor_id = ANY($1::text[]) AND seq IS NOT NULL`, [sensorIds])).rows;
  const stored = new Set<number>();
  let duplicated = 0;
  for (const row of rows) {
    const seq = Number(row.seq);
    if (stored.has(seq)) duplicated++;
    stored.add(seq);
  }
  let lost = 0;
  for (const seq of publisher.accepted.keys()) if (!stored.has(seq)) lost++;
  return { accepted: publisher.accepted.size, stored: publisher.accepted.size - lost, lost, duplicated };
}

/**
 * Waits until every accepted reading is stored, or until nothing new was stored for `quietMs` (the
 * system stopped making progress), or `timeoutMs`. The final reconciliation is the scenario's figure.
 */
export async function drain(db: Database, publisher: ReadingPublisher, sensorIds: string[], options: { quietMs: number; timeoutMs: number }): Promise<Reconciliation> {
  const started = Date.now();
  let last = await reconcile(db, publisher, sensorIds).catch(() => undefined);
  let lastProgressAt = Date.now();
  while (Date.now() - started < options.timeoutMs) {
    if (last && last.lost === 0) return last;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = await reconcile(db, publisher, sensorIds).catch(() => undefined);
    if (now && (!last || now.stored > last.stored)) lastProgressAt = Date.now();
    if (now) last = now;
    if (Date.now() - lastProgressAt > options.quietMs) break;
  }
  return last ?? { accepted: publisher.accepted.size, stored: 0, lost: publisher.accepted.size, duplicated: 0 };
}
