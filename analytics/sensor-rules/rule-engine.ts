// Applies newly stored readings to each sensor's live state and rules, pushes the new state to dashboards,
// and raises or clears alerts.
//
// Readings are coalesced and applied at most every `applyEveryMs` (default 500 ms), in one transaction for
// all sensors touched, so at 50 000 readings/s the rules cost a few transactions per second, not one per
// reading. The live event is published inside that transaction: dashboards see a state only once it is
// committed, in commit order.
//
// Alerts go through an outbox: the transaction that changes a sensor's state also records the raise /
// clear actions it implies (sensor_alert_outbox); after commit they are sent to the alerts service in order
// and deleted. If the alerts service fails, or the process dies in between, the actions wait and are sent
// by the next pass (OfflineWatch runs one every few seconds) — no alert transition is lost or reordered.
import { sendAlertAction } from '@cityops/core/alerts/outbox';
import type { SensorLiveStatus as LiveStatusPayload, ServerEventName } from '@cityops/contract/socket-events';
import type { AlertRaiser } from '@cityops/core/alerts/types';
import { withTransaction, type Database } from '@cityops/core/database/pool';
import type { LivePublisher } from '@cityops/core/live/publisher';
import { liveRooms } from '@cityops/core/live/rooms';
import type { Logger } from '@cityops/core/logger';
import { counter } from '@cityops/core/metrics';
import { evaluateReadings, statusOf, type Reading, type SensorStatus } from './evaluate.ts';
import type { SensorProfile } from '@cityops/devices/sensor-profile';
import type { AlertAction } from './sensor-alerts.ts';
import {
  addToAlertOutbox,
  lockPendingAlertActions,
  lockSensorStates,
  recordAlertActionFailure,
  removeAlertActions,
  saveAppliedStates,
  type SensorStateRow,
} from './state-repository.ts';

/**
 * Live event for dashboards, one per sensor: its state as the map colours it (`state`: ok, level1-3,
 * offline), newest value and when it was seen. Sent to command-room staff. Status changes go out at once;
 * value-only updates at most every LIVE_VALUE_MIN_INTERVAL_MS per sensor, so a fast sensor cannot flood
 * the wall.
 */
export const SENSOR_STATUS_EVENT = 'sensor:status' satisfies ServerEventName;
export const LIVE_VALUE_MIN_INTERVAL_MS = 5000;

/** The `sensor:status` payload, with the states the rules give. */
export interface SensorLiveStatus extends LiveStatusPayload {
  state: SensorStatus;
}

const alertActions = counter('cityops_sensor_alert_actions_total', 'Sensor rule alert raises and clears sent, by outcome', ['action', 'outcome']);
const droppedForRules = counter('cityops_sensor_rule_readings_dropped_total', 'Stored readings the rules skipped because their queue was full');

export interface ProfileSource {
  get(id: string): SensorProfile | undefined;
}

export interface RuleEngineDeps {
  db: Database;
  logger: Logger;
  profiles: ProfileSource;
  alerts: AlertRaiser;
  live?: LivePublisher;
  applyEveryMs?: number;
  /** Readings waiting for the rules beyond this are dropped (and counted) rather than exhausting memory. */
  maxQueuedReadings?: number;
}

export interface StoredReadingLike {
  sensorId: string;
  tsMs: number;
  value: number;
}

export class SensorRuleEngine {
  private queue = new Map<string, Reading[]>();
  private queued = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private lastLivePushMs = new Map<string, number>();

  constructor(private readonly deps: RuleEngineDeps) {}

  /** Takes the readings a commit added; applied within `applyEveryMs`. Never throws. */
  enqueue(readings: StoredReadingLike[]): void {
    const limit = this.deps.maxQueuedReadings ?? 500_000;
    for (const reading of readings) {
      if (this.queued >= limit) {
        droppedForRules.inc();
        continue;
      }
      let list = this.queue.get(reading.sensorId);
      if (!list) this.queue.set(reading.sensorId, (list = []));
      list.push({ tsMs: reading.tsMs, value: reading.value });
      this.queued++;
    }
    this.schedule();
  }

  private schedule(delayMs = this.deps.applyEveryMs ?? 500) {
    if (this.timer || this.running || this.stopped || !this.queued) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.applyQueued().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, delayMs);
  }

  /** Applies everything queued now (tests and shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.queued) await this.applyQueued();
  }

  async stop(): Promise<void> {
    await this.flush().catch(() => {});
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async applyQueued(): Promise<void> {
    const batch = this.queue;
    this.queue = new Map();
    this.queued = 0;
    const { db, logger, profiles } = this.deps;
    let withActions: string[];
    try {
      withActions = await withTransaction(db, async (tx) => {
        const states = await lockSensorStates(tx, [...batch.keys()]);
        const changed: SensorStateRow[] = [];
        const statusChanged = new Set<string>();
        const live: SensorLiveStatus[] = [];
        const nowMs = Date.now();
        const outbox: { sensorId: string; action: AlertAction }[] = [];
        for (const [sensorId, readings] of batch) {
          const state = states.get(sensorId);
          const profile = profiles.get(sensorId);
          if (!state || !profile) continue; // deleted meanwhile
          const evaluation = evaluateReadings(profile, state.rules, state.lastTsMs, readings, state.offline);
          const next: SensorStateRow = { ...state, rules: evaluation.rules, level: evaluation.rules.level, offline: false };
          if (evaluation.latest) {
            next.lastValue = evaluation.latest.value;
            next.lastTsMs = evaluation.latest.tsMs;
          }
          next.status = statusOf(next.level, false);
          if (next.status !== state.status) statusChanged.add(sensorId);
          changed.push(next);
          for (const action of evaluation.actions) outbox.push({ sensorId, action });
          if (statusChanged.has(sensorId) || nowMs - (this.lastLivePushMs.get(sensorId) ?? 0) >= LIVE_VALUE_MIN_INTERVAL_MS) {
            this.lastLivePushMs.set(sensorId, nowMs);
            live.push({
              id: sensorId,
              sensorId,
              state: next.status,
              lastValue: next.lastValue,
              ts: next.lastTsMs === null ? null : new Date(next.lastTsMs).toISOString(),
              lastSeenAt: new Date(nowMs).toISOString(),
              rateCmPerHour: next.rules.rise.rateCmPerHour === null ? null : Math.round(next.rules.rise.rateCmPerHour * 10) / 10,
            });
          }
        }
        await saveAppliedStates(tx, changed, statusChanged);
        await addToAlertOutbox(tx, outbox);
        if (this.deps.live) for (const status of live) await this.deps.live.publishIn(tx, liveRooms.staff(), SENSOR_STATUS_EVENT, status);
        return [...new Set(outbox.map((entry) => entry.sensorId))];
      });
    } catch (error) {
      // The database is away: put the readings back (they are stored; only the rules wait) and retry later.
      logger.warn({ err: error }, 'sensor rules could not apply readings; retrying');
      for (const [sensorId, readings] of batch) {
        const list = this.queue.get(sensorId);
        this.queue.set(sensorId, list ? [...readings, ...list] : readings);
        this.queued += readings.length;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return;
    }
    if (withActions.length) await this.sendAlertActions(withActions);
  }

  /**
   * Sends pending outbox actions to the alerts service, each sensor's in order; stops at a sensor's first
   * failure so a later clear never overtakes the raise before it. Called after each apply and periodically.
   */
  async sendAlertActions(sensorIds?: string[]): Promise<void> {
    const { db, logger, alerts } = this.deps;
    try {
      await withTransaction(db, async (tx) => {
        const entries = await lockPendingAlertActions(tx, sensorIds);
        const done: number[] = [];
        const blocked = new Set<string>();
        for (const entry of entries) {
          if (blocked.has(entry.sensorId)) continue;
          const { action } = entry;
          try {
            // The same delivery rule as every producer's outbox (core/alerts/outbox.ts).
            const outcome = await sendAlertAction(alerts, action);
            if (outcome === 'refused') {
              // Refused as invalid (e.g. the sensor was deleted): retrying cannot help; drop it, loudly.
              alertActions.inc({ action: action.type, outcome: 'refused' });
              logger.error({ sensorId: entry.sensorId, action }, 'alerts service refused a sensor alert action; dropped');
            } else {
              alertActions.inc({ action: action.type, outcome: 'ok' });
            }
            done.push(entry.id);
          } catch (error) {
            alertActions.inc({ action: action.type, outcome: 'failed' });
            logger.warn({ err: error, sensorId: entry.sensorId, action: action.type }, 'sensor alert action not sent; will retry');
            blocked.add(entry.sensorId);
            await recordAlertActionFailure(tx, entry.id, (error as Error).message);
          }
        }
        await removeAlertActions(tx, done);
      });
    } catch (error) {
      logger.warn({ err: error }, 'sending sensor alert actions failed; will retry');
    }
  }
}
