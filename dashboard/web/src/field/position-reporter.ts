// While its user is on duty, the phone tells the command room where it is, so dispatch can rank teams
// by distance: every 30 s, and at once when it has moved more than 50 m (a team driving at 50 km/h
// covers 400 m in 30 s; ranking needs better than that, a parked team needs no more than the heartbeat).
// Each report carries the time the phone measured it: one sent late by the outbox does not pass for
// fresh. Nothing is watched or sent before start() or after stop().
import { distanceMetres } from '../geodesy.ts';
import type { PositionReport } from './outbox.ts';

export const REPORT_EVERY_MS = 30_000;
export const REPORT_MOVED_M = 50;

/** The part of navigator.geolocation this uses (a fake one in specs). */
export type GeolocationSource = Pick<Geolocation, 'watchPosition' | 'clearWatch' | 'getCurrentPosition'>;

export interface PositionReporterOptions {
  geolocation: GeolocationSource;
  report(position: PositionReport): void | Promise<void>;
  /** The phone could not locate itself (permission withdrawn, no fix); cleared by the next fix. */
  onError(message: string | undefined): void;
  everyMs?: number;
  movedM?: number;
}

/** Whether a new fix is worth a report: the first one, a move of more than `movedM`, or `everyMs` since the last report. */
export function shouldReport(last: PositionReport | undefined, fix: PositionReport, options: { everyMs: number; movedM: number }): boolean {
  if (!last) return true;
  if (Date.parse(fix.measuredAt) <= Date.parse(last.measuredAt)) return false;
  if (distanceMetres(last, fix) > options.movedM) return true;
  return Date.parse(fix.measuredAt) - Date.parse(last.measuredAt) >= options.everyMs;
}

const fixOf = (position: GeolocationPosition): PositionReport => ({
  lat: position.coords.latitude,
  lon: position.coords.longitude,
  accuracyM: Math.round(position.coords.accuracy * 10) / 10,
  measuredAt: new Date(position.timestamp || Date.now()).toISOString(),
});

export class PositionReporter {
  private watch?: number;
  private heartbeat?: ReturnType<typeof setInterval>;
  private last?: PositionReport;
  private readonly everyMs: number;
  private readonly movedM: number;

  constructor(private readonly options: PositionReporterOptions) {
    this.everyMs = options.everyMs ?? REPORT_EVERY_MS;
    this.movedM = options.movedM ?? REPORT_MOVED_M;
  }

  start(): void {
    if (this.watch !== undefined) return;
    const onError = (error: GeolocationPositionError) => this.options.onError(error.message || `geolocation error ${error.code}`);
    this.watch = this.options.geolocation.watchPosition((position) => this.consider(fixOf(position)), onError, { enableHighAccuracy: true, maximumAge: 10_000, timeout: 20_000 });
    // A phone standing still may get no new fix from the watch: ask for one on every heartbeat.
    this.heartbeat = setInterval(() => {
      this.options.geolocation.getCurrentPosition((position) => this.consider(fixOf(position), true), onError, { enableHighAccuracy: true, maximumAge: 5_000, timeout: 20_000 });
    }, this.everyMs);
  }

  stop(): void {
    if (this.watch !== undefined) this.options.geolocation.clearWatch(this.watch);
    clearInterval(this.heartbeat);
    this.watch = undefined;
    this.heartbeat = undefined;
    this.last = undefined;
  }

  /** The heartbeat's fix is reported whenever it is newer than the last report. */
  private consider(fix: PositionReport, heartbeat = false): void {
    if (this.watch === undefined) return;
    this.options.onError(undefined);
    const due = heartbeat ? !this.last || Date.parse(fix.measuredAt) > Date.parse(this.last.measuredAt) : shouldReport(this.last, fix, { everyMs: this.everyMs, movedM: this.movedM });
    if (!due) return;
    this.last = fix;
    Promise.resolve(this.options.report(fix)).catch((error: Error) => this.options.onError(error.message));
  }
}
