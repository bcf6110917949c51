// Silence is a condition too: a sensor with no reading for `offlineAfterIntervals` (default 3) expected
// intervals is marked offline and raises `sensor_offline`; its next reading clears it (rule engine).
// The check runs in the database with its clock, atomically per row, so any number of workers may run it.
// Each pass also sends alert actions that could not be sent earlier.
import type { Component } from '@cityops/core/lifecycle';
import { withTransaction, type Database } from '@cityops/core/database/pool';
import type { LivePublisher } from '@cityops/core/live/publisher';
import { liveRooms } from '@cityops/core/live/rooms';
import type { Logger } from '@cityops/core/logger';
import { NO_ALERTS } from './evaluate.ts';
import { SENSOR_STATUS_EVENT, type ProfileSource, type SensorLiveStatus, type SensorRuleEngine } from './rule-engine.ts';
import { planAlertActions, type AlertAction } from './sensor-alerts.ts';
import { DEFAULT_OFFLINE_AFTER_INTERVALS } from '@cityops/devices/sensor-profile';
import { addToAlertOutbox, markSilentSensors, releaseDisabledSensors } from './state-repository.ts';

export class OfflineWatch implements Component {
  readonly name = 'sensor-offline-watch';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly deps: {
      db: Database;
      logger: Logger;
      engine: SensorRuleEngine;
      profiles: ProfileSource;
      live?: LivePublisher;
      checkEveryMs: number;
    },
  ) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.checkOnce().finally(() => (this.running = undefined));
    }, this.deps.checkEveryMs);
  }

  async checkOnce(): Promise<void> {
    const { db, logger, engine, live, profiles } = this.deps;
    try {
      await withTransaction(db, async (tx) => {
        const silent = await markSilentSensors(tx, DEFAULT_OFFLINE_AFTER_INTERVALS);
        const released = await releaseDisabledSensors(tx);
        const outbox: { sensorId: string; action: AlertAction }[] = [];
        for (const change of silent) {
          const profile = profiles.get(change.sensorId);
          if (!profile) continue;
          const facts = { value: null, tsMs: null, lastSeenAtMs: change.lastSeenAtMs, rateCmPerHour: null };
          for (const action of planAlertActions(profile, { ...NO_ALERTS, offline: true }, NO_ALERTS, facts)) outbox.push({ sensorId: change.sensorId, action });
        }
        for (const change of released) {
          const profile = profiles.get(change.sensorId);
          if (!profile) continue;
          const facts = { value: null, tsMs: null, lastSeenAtMs: change.lastSeenAtMs, rateCmPerHour: null };
          for (const action of planAlertActions(profile, NO_ALERTS, { ...NO_ALERTS, offline: true }, facts)) outbox.push({ sensorId: change.sensorId, action });
        }
        await addToAlertOutbox(tx, outbox);
        const changes = [...silent, ...released];
        if (changes.length) logger.info({ sensors: changes.map((change) => `${change.sensorId}:${change.status}`) }, 'sensor offline status changed');
        for (const change of live ? changes : []) {
          const status: SensorLiveStatus = {
            id: change.sensorId,
            sensorId: change.sensorId,
            state: change.status,
            lastSeenAt: change.lastSeenAtMs === null ? null : new Date(change.lastSeenAtMs).toISOString(),
          };
          await live!.publishIn(tx, liveRooms.staff(), SENSOR_STATUS_EVENT, status);
        }
      });
    } catch (error) {
      logger.warn({ err: error }, 'offline check failed; will retry');
      return;
    }
    await engine.sendAlertActions();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
