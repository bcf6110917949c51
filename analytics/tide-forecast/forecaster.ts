// The tide forecaster: every few minutes, for each enabled tide gauge, a harmonic model fitted on its
// last days of readings (harmonics.ts), what it expects in the next 48 hours (when each alarm level is
// first reached, the highest water), stored for the sensors page, and an alert `sensor_forecast` when
// an alarm level above the present one is expected within the warning time: "level III expected at
// 18:40". The alert is cleared when nothing is expected any more or the level is reached (the level
// rule's own alert takes over then).
//
// Runs in the sensor-ingest role beside the level rules. With several such processes, one makes each
// pass (an advisory lock); the others skip it.
import type { AlertKey, AlertRaiser, AlertTrigger } from '@cityops/core/alerts/types';
import type { DatabaseCapabilities } from '@cityops/core/database/capabilities';
import { withTransaction, type Database } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { counter } from '@cityops/core/metrics';
import type { AlertSeverity } from '@cityops/contract/alerts';
import { nameIn } from '@cityops/contract/devices';
import type { SensorProfile } from '@cityops/devices/sensor-profile';
import { loadSensorProfiles } from '@cityops/devices/sensor-repository';
import { ROMAN } from '../sensor-rules/levels.ts';
import { NotEnoughTideData, firstCrossing, fitTide, predictTide, type TideModel, type TideSample } from './harmonics.ts';
import { saveForecast, tideReadings, type StoredForecast } from './repository.ts';

const HOUR_MS = 3_600_000;
export const FORECAST_HORIZON_HOURS = 48;
/** Readings are averaged over this many tide minutes before a fit: plenty for periods of 6 hours and more. */
const BUCKET_TIDE_MINUTES = 10;
/** Advisory lock key of a forecast pass ("tide" in ASCII). */
const PASS_LOCK_KEY = 0x74696465;

const passes = counter('cityops_tide_forecasts_total', 'tide forecasts made, by outcome', ['outcome']);

export interface ForecastSettings {
  /** Tide days of readings a fit reads (at most). */
  fitDays: number;
  /** An alarm level expected within this many tide hours raises a `sensor_forecast` alert. */
  warnHours: number;
  /** Tide hours per real hour: the demo simulator's time factor, else 1. */
  timeFactor: number;
  /** Where the times in alert texts are read ("18:40"). */
  timeZone: string;
}

export interface ForecastOutcome {
  stored: StoredForecast;
  /** The alert to raise, or null to clear it. */
  warning: AlertTrigger | null;
  /** What the warning announces ('' when none): raised again only when this changes. */
  warningSignature: string;
}

const LEVEL_FORECAST_SEVERITY: Record<1 | 2 | 3, AlertSeverity> = { 1: 'info', 2: 'minor', 3: 'major' };

export const forecastAlertKey = (sensorId: string): AlertKey => ({ sourceType: 'sensor', sourceId: sensorId, kind: 'sensor_forecast', zoneId: '' });

/** What one gauge's readings say about the next two days, and whether to warn. Pure. */
export function forecastGauge(profile: SensorProfile, samples: TideSample[], now: number, settings: ForecastSettings): ForecastOutcome {
  const realHours = (tideHours: number) => (tideHours * HOUR_MS) / settings.timeFactor;
  const horizonUntil = new Date(now + realHours(FORECAST_HORIZON_HOURS));
  let model: TideModel;
  try {
    model = fitTide(samples, { timeFactor: settings.timeFactor });
  } catch (error) {
    if (!(error instanceof NotEnoughTideData)) throw error;
    return { stored: { sensorId: profile.id, madeAt: new Date(now), model: null, reason: error.message, expectedLevels: [], peak: null, horizonUntil }, warning: null, warningSignature: '' };
  }
  const resolution = Math.max(1000, 60_000 / settings.timeFactor);
  // Low-side levels (rules.levelsBelow) alarm on falling water: not what a high-water forecast warns of.
  const thresholds = profile.settings.levelsBelow ? [null, null, null] : [profile.level1, profile.level2, profile.level3];
  const expectedLevels: StoredForecast['expectedLevels'] = [];
  thresholds.forEach((threshold, i) => {
    if (threshold === null) return;
    const at = firstCrossing(model, threshold, now, horizonUntil.getTime(), resolution);
    if (at !== null) expectedLevels.push({ level: (i + 1) as 1 | 2 | 3, at: new Date(at).toISOString() });
  });
  let peak = { at: now, level: -Infinity };
  for (let at = now; at <= horizonUntil.getTime(); at += resolution * 5) {
    const level = predictTide(model, at);
    if (level > peak.level) peak = { at, level };
  }
  const stored: StoredForecast = {
    sensorId: profile.id,
    madeAt: new Date(now),
    model,
    reason: null,
    expectedLevels,
    peak: { at: new Date(peak.at).toISOString(), level: round(peak.level, 3) },
    horizonUntil,
  };

  // The present level, from the newest readings: a level already reached needs no forecast alert.
  const latest = samples.length ? samples[samples.length - 1].level : null;
  const reached = latest === null ? 0 : thresholds.filter((threshold) => threshold !== null && latest >= threshold).length;
  const warnUntil = now + realHours(settings.warnHours);
  const soon = expectedLevels.filter((expected) => expected.level > reached && Date.parse(expected.at) <= warnUntil && Date.parse(expected.at) > now);
  const worst = soon.at(-1);
  return { stored, warning: worst ? warningTrigger(profile, worst, stored, settings, now) : null, warningSignature: worst ? `${worst.level}@${worst.at.slice(0, 16)}` : '' };
}

function warningTrigger(profile: SensorProfile, expected: { level: 1 | 2 | 3; at: string }, forecast: StoredForecast, settings: ForecastSettings, now: number): AlertTrigger {
  const time = clockTime(Date.parse(expected.at), now, settings.timeZone);
  const threshold = [profile.level1, profile.level2, profile.level3][expected.level - 1]!;
  const peak = forecast.peak!;
  const peakTime = clockTime(Date.parse(peak.at), now, settings.timeZone);
  const metres = (value: number, decimal: string) => `${value.toFixed(2).replace('.', decimal)} ${profile.unit}`;
  const level = ROMAN[expected.level];
  const fitCm = Math.round(forecast.model!.residualRms * 1000) / 10;
  return {
    ...forecastAlertKey(profile.id),
    severity: LEVEL_FORECAST_SEVERITY[expected.level],
    title: { vi: `Dự báo đạt báo động cấp ${level} lúc ${time}: ${nameIn(profile, 'vi')}`, en: `Level ${level} expected at ${time}: ${nameIn(profile, 'en')}` },
    description: {
      vi: `Mực nước dự báo đạt ${metres(threshold, ',')} (báo động cấp ${level}) lúc ${time}, cao nhất ${metres(peak.level, ',')} lúc ${peakTime}. Dự báo điều hòa từ số liệu các ngày qua (sai lệch khớp ${String(fitCm).replace('.', ',')} cm).`,
      en: `The water is expected to reach ${metres(threshold, '.')} (alarm level ${level}) at ${time}, highest ${metres(peak.level, '.')} at ${peakTime}. Harmonic forecast from the last days of readings (fit within ${fitCm} cm).`,
    },
    observedAt: new Date(now),
    evidence: { data: { expectedLevel: expected.level, expectedAt: expected.at, threshold, peak, madeAt: forecast.madeAt.toISOString(), residualRmsM: forecast.model!.residualRms } },
  };
}

/** "18:40", or "00:40 (05/12)" when the day is not today's in the city. */
function clockTime(at: number, now: number, timeZone: string): string {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, day: '2-digit', month: '2-digit' });
  return day.format(at) === day.format(now) ? time : `${time} (${day.format(at)})`;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface TideForecasterDeps {
  db: Database;
  caps: DatabaseCapabilities;
  logger: Logger;
  alerts: AlertRaiser;
  settings: ForecastSettings;
  /** Real milliseconds between passes. */
  everyMs: number;
}

export class TideForecaster implements Component {
  readonly name = 'tide-forecaster';
  private timer?: NodeJS.Timeout;
  private running?: Promise<boolean>;
  /** What this process last raised per gauge ('' = cleared); unknown after a start, so the first pass settles each. */
  private readonly warned = new Map<string, string>();

  constructor(private readonly deps: TideForecasterDeps) {}

  async start(): Promise<void> {
    const run = () => {
      if (!this.running) this.running = this.passOnce().finally(() => (this.running = undefined));
    };
    this.timer = setInterval(run, this.deps.everyMs);
    run();
  }

  /** One pass over every gauge; false when another process holds the pass. Never throws. */
  async passOnce(now = Date.now()): Promise<boolean> {
    const { db, caps, logger, settings } = this.deps;
    const outcomes: ForecastOutcome[] = [];
    try {
      const made = await withTransaction(db, async (tx) => {
        const lock = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [PASS_LOCK_KEY]);
        if (!lock.rows[0].locked) return false;
        const gauges = (await loadSensorProfiles(tx)).filter((profile) => profile.kind === 'tide_level' && profile.enabled);
        const fitFrom = now - (settings.fitDays * 24 * HOUR_MS) / settings.timeFactor;
        const bucketSeconds = Math.max(1, Math.round((BUCKET_TIDE_MINUTES * 60) / settings.timeFactor));
        for (const profile of gauges) {
          const samples = await tideReadings(tx, caps, profile.id, fitFrom, now, bucketSeconds);
          const outcome = forecastGauge(profile, samples, now, settings);
          await saveForecast(tx, outcome.stored);
          passes.inc({ outcome: outcome.stored.model ? 'made' : 'not_enough_data' });
          outcomes.push(outcome);
        }
        return true;
      });
      if (!made) return false;
    } catch (error) {
      logger.warn({ err: error }, 'tide forecast pass failed; the next pass tries again');
      passes.inc({ outcome: 'failed' });
      return true;
    }
    for (const outcome of outcomes) await this.settleWarning(outcome);
    return true;
  }

  /** Raises the gauge's warning when it changed (level or minute), clears it when there is none. */
  private async settleWarning({ stored, warning, warningSignature: signature }: ForecastOutcome): Promise<void> {
    if (this.warned.get(stored.sensorId) === signature) return;
    try {
      if (warning) await this.deps.alerts.raise(warning);
      else await this.deps.alerts.clear(forecastAlertKey(stored.sensorId), { vi: 'Không còn dự báo vượt ngưỡng', en: 'No alarm level expected any more' });
      this.warned.set(stored.sensorId, signature);
    } catch (error) {
      this.deps.logger.warn({ err: error, sensorId: stored.sensorId }, 'could not raise or clear a tide forecast alert; the next pass tries again');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
