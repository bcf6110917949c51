// Analysis slot settings from the typed configuration (SLOT_* keys), in the units the modules use.
import type { Config } from '@cityops/core/config';
import type { SlotLeaderSettings } from './leader.ts';

export function slotLeaderSettingsFromConfig(config: Config): SlotLeaderSettings {
  return {
    slotCount: config.SLOT_COUNT,
    intervalMs: config.SLOT_SCHEDULER_INTERVAL_MS,
    leaseMs: config.SLOT_LEASE_SECONDS * 1000,
    scheduler: {
      minHoldMs: config.SLOT_MIN_HOLD_SECONDS * 1000,
      roundRobinPeriodMs: config.SLOT_ROUND_ROBIN_MINUTES * 60_000,
      motionEnterScore: config.SLOT_MOTION_THRESHOLD,
      // A third lower to leave the motion tier: a camera hovering at the threshold does not flap.
      motionExitScore: (config.SLOT_MOTION_THRESHOLD * 2) / 3,
    },
    signals: {
      sensorRadiusM: config.SLOT_SENSOR_RADIUS_METERS,
      sensorMinLevel: config.SLOT_SENSOR_MIN_LEVEL,
      recentEventMs: config.SLOT_RECENT_EVENT_MINUTES * 60_000,
      streamStaleMs: config.SLOT_STREAM_STALE_SECONDS * 1000,
      timeZone: config.SLOT_TIME_ZONE,
    },
  };
}
