// The sensor simulator: publishes simulated-series.ts values for any number of sensors to a real broker,
// exactly as devices would (`cityops/sensors/{id}/reading`, QoS 1), each with its own device credentials
// when it has them, and injects the faults the ingest must survive: malformed messages, impossible
// spikes, silence and clock skew.
// Values follow the simulated clock (time can be compressed for demos); timestamps are the real clock
// (plus any injected skew), because that is what a device with a good clock sends.
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { sensorReadingTopic } from '@cityops/contract/mqtt-topics';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import type { SensorKind } from '@cityops/devices/schemas';
import { PLAUSIBLE_RANGES } from './plausible-ranges.ts';
import { SimulatedClock, seededRandom, hashSeed, simulatedValue, type SensorModelState } from './simulated-series.ts';

export interface SimulatedDevice {
  id: string;
  kind: SensorKind;
  intervalMs: number;
  /** Device credentials; without them the device publishes through the shared service connection. */
  credentials?: { username: string; password: string };
}

export interface SimulatorFaults {
  /** Probability that a message is malformed (truncated JSON, text value, NaN, empty). */
  malformedRate: number;
  /** Probability that a value is an impossible spike (far outside the kind's physical range). */
  spikeRate: number;
  /** Sensors that say nothing for a while: id → { afterMs from start, forMs }. */
  silent: Map<string, { afterMs: number; forMs: number }>;
  /** Clock skew per sensor id ('*' for all), in ms added to the timestamp. */
  clockSkewMs: Map<string, number>;
}

export const NO_FAULTS: SimulatorFaults = { malformedRate: 0, spikeRate: 0, silent: new Map(), clockSkewMs: new Map() };

export interface SimulatorOptions {
  url: string;
  devices: SimulatedDevice[];
  serviceAccount?: { username?: string; password?: string };
  /** Simulated seconds per real second. */
  timeFactor: number;
  /** Simulated hours after the reference higher high water at start (negative: before it). */
  startHours: number;
  faults?: SimulatorFaults;
  logger: Logger;
  seed?: number;
}

export interface SimulatorStats {
  published: number;
  malformed: number;
  spikes: number;
  silenced: number;
  failed: number;
}

const MALFORMED = [
  (value: number) => JSON.stringify({ value }).slice(0, -3),
  (value: number) => JSON.stringify({ value: String(value) }),
  () => '{"value": NaN}',
  () => '',
];

export class SensorSimulator implements Component {
  readonly name = 'sensor-simulator';
  readonly stats: SimulatorStats = { published: 0, malformed: 0, spikes: 0, silenced: 0, failed: 0 };
  private clients = new Map<string, MqttClient>();
  private timer?: NodeJS.Timeout;
  private nextDueMs = new Map<string, number>();
  private lastHours = new Map<string, number>();
  private modelState = new Map<string, SensorModelState>();
  private clock!: SimulatedClock;
  private random: () => number;
  private startedAtMs = 0;

  constructor(private readonly options: SimulatorOptions) {
    this.random = seededRandom(options.seed ?? 20251020);
  }

  async start(): Promise<void> {
    const { url, devices, serviceAccount, logger } = this.options;
    this.startedAtMs = Date.now();
    this.clock = new SimulatedClock(this.startedAtMs, this.options.timeFactor, this.options.startHours);
    const connect = (clientId: string, username?: string, password?: string) =>
      mqtt.connectAsync(url, { clientId, username, password, protocolVersion: 4, reconnectPeriod: 2000, connectTimeout: 10_000 });
    try {
      if (devices.some((device) => !device.credentials)) {
        this.clients.set('', await connect(`cityops-sensor-sim-${randomBytes(3).toString('hex')}`, serviceAccount?.username, serviceAccount?.password));
      }
      for (const device of devices) {
        if (!device.credentials) continue;
        this.clients.set(device.id, await connect(`${device.credentials.username}:sim`, device.credentials.username, device.credentials.password));
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    // Stagger first readings over one interval so the broker does not see every device at once.
    for (const device of devices) this.nextDueMs.set(device.id, this.startedAtMs + Math.floor(this.random() * Math.min(device.intervalMs, 2000)));
    this.timer = setInterval(() => this.tick(), 50);
    logger.info({ sensors: devices.length, timeFactor: this.options.timeFactor, deviceConnections: this.clients.size }, 'sensor simulator publishing');
  }

  private tick() {
    const now = Date.now();
    for (const device of this.options.devices) {
      const due = this.nextDueMs.get(device.id)!;
      if (now < due) continue;
      this.nextDueMs.set(device.id, due + device.intervalMs < now ? now + device.intervalMs : due + device.intervalMs);
      this.publishOne(device, now);
    }
  }

  private publishOne(device: SimulatedDevice, now: number) {
    const faults = this.options.faults ?? NO_FAULTS;
    const silence = faults.silent.get(device.id);
    const sinceStart = now - this.startedAtMs;
    if (silence && sinceStart >= silence.afterMs && sinceStart < silence.afterMs + silence.forMs) {
      this.stats.silenced++;
      return;
    }
    const hours = this.clock.hoursAt(now);
    const intervalHours = hours - (this.lastHours.get(device.id) ?? hours - (device.intervalMs * this.options.timeFactor) / 3_600_000);
    this.lastHours.set(device.id, hours);
    let state = this.modelState.get(device.id);
    if (!state) this.modelState.set(device.id, (state = { pumpOn: false }));
    let value = simulatedValue({ id: device.id, kind: device.kind, siteIndex: siteIndexOf(device) }, hours, intervalHours, state, this.random);
    if (this.random() < faults.spikeRate) {
      const range = PLAUSIBLE_RANGES[device.kind];
      value = range.max + (range.max - range.min) * 2;
      this.stats.spikes++;
    }
    const ts = now + (faults.clockSkewMs.get(device.id) ?? faults.clockSkewMs.get('*') ?? 0);
    let payload: string;
    if (this.random() < faults.malformedRate) {
      payload = MALFORMED[Math.floor(this.random() * MALFORMED.length)](value);
      this.stats.malformed++;
    } else {
      payload = JSON.stringify({ ts, value, seq: Math.floor(sinceStart / device.intervalMs) });
    }
    const client = this.clients.get(device.id) ?? this.clients.get('');
    if (!client) return;
    client.publish(sensorReadingTopic(device.id), payload, { qos: 1 }, (error) => {
      if (error) this.stats.failed++;
      else this.stats.published++;
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.clients.values()].map((client) => client.endAsync().catch(() => {})));
    this.clients.clear();
  }
}

/** Which site variant a sensor is (…-001 → 0, the Phú An tide), so numbered sensors of one kind differ a little. */
function siteIndexOf(device: SimulatedDevice): number {
  const match = /(\d+)$/.exec(device.id);
  return match ? Math.max(0, Number(match[1]) - 1) % 7 : hashSeed(device.id) % 7;
}

