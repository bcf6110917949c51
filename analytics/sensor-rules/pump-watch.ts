// Pump failure: a drainage or irrigation pump (kind pump_state, 1 = running) watched against the level
// sensor of the wet well or canal it drains (rules.pumpLevelSensorId). Two failures, each only once it
// has lasted rules.pumpFailureMinutes (default 15):
// - not running: the pump reported off throughout while the level stayed at or above its start level
//   (rules.pumpStartLevel) throughout;
// - no effect: the pump reported running throughout but the level fell by less than
//   rules.pumpMinDropCm (default 2 cm): a blocked intake, a broken impeller, a dry run.
// Raised as `pump_failure` (zone: which failure) and cleared when it no longer holds. The check needs two
// sensors, so it runs on a timer over the stored readings (like the offline watch) rather than on each
// reading; with several sensor-ingest processes, one makes each pass (an advisory lock). The pumps and
// their settings come from the role's sensor directory (in memory), not from a query every pass.
import { namesOf } from '@cityops/contract/devices';
import type { AlertKey, AlertRaiser, AlertTrigger } from '@cityops/core/alerts/types';
import { withTransaction, type Database, type Queryable } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { DEFAULT_PUMP_FAILURE_MINUTES, DEFAULT_PUMP_MIN_DROP_CM, type SensorProfile } from '@cityops/devices/sensor-profile';

export type PumpFailure = 'not_running' | 'no_effect';
const FAILURES: PumpFailure[] = ['not_running', 'no_effect'];
/** Advisory lock key of a pump pass ("pump" in ASCII). */
const PASS_LOCK_KEY = 0x70756d70;

interface Reading {
  tsMs: number;
  value: number;
}

export interface PumpSettings {
  startLevel: number;
  failureMinutes: number;
  minDropCm: number;
}

export function pumpSettings(profile: SensorProfile): (PumpSettings & { levelSensorId: string }) | undefined {
  const { pumpLevelSensorId, pumpStartLevel } = profile.settings;
  if (profile.kind !== 'pump_state' || pumpLevelSensorId === undefined || pumpStartLevel === undefined) return undefined;
  return {
    levelSensorId: pumpLevelSensorId,
    startLevel: pumpStartLevel,
    failureMinutes: profile.settings.pumpFailureMinutes ?? DEFAULT_PUMP_FAILURE_MINUTES,
    minDropCm: profile.settings.pumpMinDropCm ?? DEFAULT_PUMP_MIN_DROP_CM,
  };
}

/**
 * Which failure holds at `now`, from the pump's and the level's readings (any order) of at least the last
 * failureMinutes. "Throughout" means: the newest reading before the window and every reading in it. Too
 * few readings to tell (nothing before the window, no level at both ends) is no failure: silence is the
 * offline rule's business.
 */
export function pumpFailure(settings: PumpSettings, pump: Reading[], level: Reading[], now: number): PumpFailure | null {
  const windowStart = now - settings.failureMinutes * 60_000;
  const throughout = (readings: Reading[]) => {
    const sorted = [...readings].sort((a, b) => a.tsMs - b.tsMs);
    const before = sorted.filter((reading) => reading.tsMs <= windowStart).at(-1);
    return before ? [before, ...sorted.filter((reading) => reading.tsMs > windowStart && reading.tsMs <= now)] : [];
  };
  const pumpSpan = throughout(pump);
  const levelSpan = throughout(level);
  if (!pumpSpan.length || levelSpan.length < 2) return null;
  const running = pumpSpan.every((reading) => reading.value >= 0.5);
  const stopped = pumpSpan.every((reading) => reading.value < 0.5);
  if (stopped && levelSpan.every((reading) => reading.value >= settings.startLevel)) return 'not_running';
  if (running) {
    const dropCm = (levelSpan[0].value - levelSpan[levelSpan.length - 1].value) * 100;
    if (dropCm < settings.minDropCm) return 'no_effect';
  }
  return null;
}

export const pumpAlertKey = (pumpId: string, failure: PumpFailure): AlertKey => ({ sourceType: 'sensor', sourceId: pumpId, kind: 'pump_failure', zoneId: failure });

export function pumpFailureTrigger(pump: SensorProfile, levelSensor: SensorProfile | undefined, settings: PumpSettings, failure: PumpFailure, now: number, latestLevel: number | null): AlertTrigger {
  const pumpName = namesOf(pump);
  const where = namesOf(levelSensor ?? { name: String(pump.settings.pumpLevelSensorId) });
  const level = latestLevel === null ? '?' : `${Number(latestLevel.toFixed(2))} ${levelSensor?.unit ?? 'm'}`;
  const minutes = settings.failureMinutes;
  const texts: Record<PumpFailure, Pick<AlertTrigger, 'title' | 'description'>> = {
    not_running: {
      title: { vi: `Máy bơm không chạy: ${pumpName.vi}`, en: `Pump not running: ${pumpName.en}` },
      description: {
        vi: `${pumpName.vi} tắt suốt ${minutes} phút trong khi mực nước tại ${where.vi} (${level}) ở trên mức khởi động ${settings.startLevel} m.`,
        en: `${pumpName.en} has been off for ${minutes} minutes while the level at ${where.en} (${level}) stayed above its start level of ${settings.startLevel} m.`,
      },
    },
    no_effect: {
      title: { vi: `Máy bơm chạy nhưng nước không rút: ${pumpName.vi}`, en: `Pump running without effect: ${pumpName.en}` },
      description: {
        vi: `${pumpName.vi} chạy suốt ${minutes} phút nhưng mực nước tại ${where.vi} (${level}) hạ chưa tới ${settings.minDropCm} cm.`,
        en: `${pumpName.en} has run for ${minutes} minutes but the level at ${where.en} (${level}) fell by less than ${settings.minDropCm} cm.`,
      },
    },
  };
  return {
    ...pumpAlertKey(pump.id, failure),
    severity: 'major',
    ...texts[failure],
    observedAt: new Date(now),
    evidence: { data: { failure, levelSensorId: pump.settings.pumpLevelSensorId, level: latestLevel, startLevel: settings.startLevel, minutes, minDropCm: settings.minDropCm } },
  };
}

async function readingsSince(db: Queryable, sensorId: string, sinceMs: number, now: number): Promise<Reading[]> {
  // The newest reading at or before the window's start, and every one since.
  const result = await db.query(
    `(SELECT ts, value FROM sensor_readings WHERE sensor_id = $1 AND ts <= $2 ORDER BY ts DESC LIMIT 1)
     UNION ALL
     (SELECT ts, value FROM sensor_readings WHERE sensor_id = $1 AND ts > $2 AND ts <= $3 ORDER BY ts LIMIT 10000)`,
    [sensorId, new Date(sinceMs), new Date(now)],
  );
  return result.rows.map((row) => ({ tsMs: (row.ts as Date).getTime(), value: Number(row.value) }));
}

export class PumpWatch implements Component {
  readonly name = 'pump-watch';
  private timer?: NodeJS.Timeout;
  private running?: Promise<boolean>;
  /** The failure this process last raised per pump ('' = none); unknown after a start, so each is settled once. */
  private readonly raised = new Map<string, string>();

  constructor(private readonly deps: { db: Database; logger: Logger; alerts: AlertRaiser; profiles: { all(): SensorProfile[]; get(id: string): SensorProfile | undefined }; checkEveryMs: number }) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.passOnce().finally(() => (this.running = undefined));
    }, this.deps.checkEveryMs);
  }

  /** One look at every pump with a level sensor; false when another process holds the pass. Never throws. */
  async passOnce(now = Date.now()): Promise<boolean> {
    const { db, logger } = this.deps;
    const found: Array<{ pump: SensorProfile; trigger: AlertTrigger | null }> = [];
    try {
      const made = await withTransaction(db, async (tx) => {
        const lock = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [PASS_LOCK_KEY]);
        if (!lock.rows[0].locked) return false;
        for (const pump of this.deps.profiles.all()) {
          const settings = pumpSettings(pump);
          if (!settings || !pump.enabled) continue;
          const since = now - settings.failureMinutes * 60_000;
          const level = await readingsSince(tx, settings.levelSensorId, since, now);
          const failure = pumpFailure(settings, await readingsSince(tx, pump.id, since, now), level, now);
          const latest = level.length ? level.reduce((newest, reading) => (reading.tsMs > newest.tsMs ? reading : newest)).value : null;
          found.push({ pump, trigger: failure ? pumpFailureTrigger(pump, this.deps.profiles.get(settings.levelSensorId), settings, failure, now, latest) : null });
        }
        return true;
      });
      if (!made) return false;
    } catch (error) {
      logger.warn({ err: error }, 'pump check failed; the next pass tries again');
      return true;
    }
    for (const { pump, trigger } of found) await this.settle(pump, trigger);
    return true;
  }

  private async settle(pump: SensorProfile, trigger: AlertTrigger | null): Promise<void> {
    const failure = (trigger?.zoneId ?? '') as PumpFailure | '';
    if (this.raised.get(pump.id) === failure) return;
    try {
      if (trigger) await this.deps.alerts.raise(trigger);
      for (const other of FAILURES.filter((candidate) => candidate !== failure)) {
        await this.deps.alerts.clear(pumpAlertKey(pump.id, other), { vi: 'Máy bơm đã hoạt động bình thường', en: 'The pump works as expected again' });
      }
      this.raised.set(pump.id, failure);
    } catch (error) {
      this.deps.logger.warn({ err: error, sensorId: pump.id }, 'could not raise or clear a pump failure alert; the next pass tries again');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
