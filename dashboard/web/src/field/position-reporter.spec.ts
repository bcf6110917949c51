import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PositionReporter, shouldReport, type GeolocationSource } from './position-reporter.ts';
import type { PositionReport } from './outbox.ts';

const north = (metres: number) => metres / 111_195;
const start = { lat: 10.7769, lon: 106.7009 };
const at = (seconds: number, metresNorth = 0): PositionReport => ({ lat: start.lat + north(metresNorth), lon: start.lon, accuracyM: 8, measuredAt: new Date(Date.UTC(2026, 0, 1, 8) + seconds * 1000).toISOString() });
const rules = { everyMs: 30_000, movedM: 50 };

describe('when the phone reports its position', () => {
  it('reports the first fix, a move of more than 50 m at once, and otherwise every 30 s', () => {
    expect(shouldReport(undefined, at(0), rules)).toBe(true);
    expect(shouldReport(at(0), at(5, 40), rules)).toBe(false);
    expect(shouldReport(at(0), at(5, 60), rules)).toBe(true);
    expect(shouldReport(at(0), at(29, 10), rules)).toBe(false);
    expect(shouldReport(at(0), at(30, 10), rules)).toBe(true);
    // A fix no newer than the last report (a cached one) is never sent again.
    expect(shouldReport(at(10), at(10, 500), rules)).toBe(false);
  });
});

/** A phone's geolocation that the test moves by hand. */
class FakeGeolocation implements GeolocationSource {
  watchers = new Map<number, PositionCallback>();
  now = 0;
  place = 0;
  private nextId = 1;
  watchPosition(success: PositionCallback) {
    const id = this.nextId++;
    this.watchers.set(id, success);
    return id;
  }
  clearWatch(id: number) {
    this.watchers.delete(id);
  }
  getCurrentPosition(success: PositionCallback) {
    success(this.fix());
  }
  move(seconds: number, metresNorth: number) {
    this.now = seconds;
    this.place = metresNorth;
    for (const watcher of this.watchers.values()) watcher(this.fix());
  }
  private fix(): GeolocationPosition {
    const report = at(this.now, this.place);
    return { coords: { latitude: report.lat, longitude: report.lon, accuracy: 8 }, timestamp: Date.parse(report.measuredAt) } as GeolocationPosition;
  }
}

describe('the position reporter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends while started, on movement and on its 30 s heartbeat, and watches nothing once stopped', () => {
    const geolocation = new FakeGeolocation();
    const sent: PositionReport[] = [];
    const reporter = new PositionReporter({ geolocation, report: (position) => void sent.push(position), onError: () => {} });
    geolocation.move(0, 0);
    expect(sent).toHaveLength(0);

    reporter.start();
    geolocation.move(1, 0);
    geolocation.move(2, 20);
    geolocation.move(3, 80);
    expect(sent.map((report) => report.measuredAt)).toEqual([at(1).measuredAt, at(3).measuredAt]);
    geolocation.now = 20;
    vi.advanceTimersByTime(30_000);
    expect(sent).toHaveLength(3);
    expect(sent[2].measuredAt).toBe(at(20).measuredAt);

    reporter.stop();
    expect(geolocation.watchers.size).toBe(0);
    geolocation.move(100, 5000);
    vi.advanceTimersByTime(120_000);
    expect(sent).toHaveLength(3);
  });
});
