import { describe, expect, it } from 'vitest';
import { pumpFailure, pumpFailureTrigger, pumpSettings } from './pump-watch.ts';
import type { SensorProfile } from '@cityops/devices/sensor-profile';

const NOW = Date.UTC(2026, 11, 4, 12, 0);
const settings = { startLevel: 1.3, failureMinutes: 15, minDropCm: 2 };
/** Readings every 5 minutes over the last `minutes`, newest at NOW. */
const series = (minutes: number, value: (minutesAgo: number) => number) =>
  Array.from({ length: minutes / 5 + 1 }, (_, i) => ({ tsMs: NOW - (minutes - i * 5) * 60_000, value: value(minutes - i * 5) }));

const pump: SensorProfile = {
  id: 'pump-01', name: 'Trạm bơm Rạch Cầu Sơn', kind: 'pump_state', unit: '', enabled: true, lat: 10.8, lon: 106.7, districtId: null,
  level1: null, level2: null, level3: null, hysteresis: 0, expectedIntervalSeconds: 300,
  settings: { pumpLevelSensorId: 'canal-07', pumpStartLevel: 1.3 },
};

describe('pump failure', () => {
  it('is "not running" when the pump stayed off while the level stayed above its start level', () => {
    expect(pumpFailure(settings, series(30, () => 0), series(30, () => 1.42), NOW)).toBe('not_running');
    // Off, but the level dipped below the start level within the window: nothing to pump yet.
    expect(pumpFailure(settings, series(30, () => 0), series(30, (ago) => (ago === 10 ? 1.25 : 1.42)), NOW)).toBeNull();
    // Off only for the last 10 minutes: not yet 15.
    expect(pumpFailure(settings, series(30, (ago) => (ago > 10 ? 1 : 0)), series(30, () => 1.42), NOW)).toBeNull();
  });

  it('is "no effect" when the pump ran throughout and the level fell less than the minimum drop', () => {
    expect(pumpFailure(settings, series(30, () => 1), series(30, () => 1.42), NOW)).toBe('no_effect');
    expect(pumpFailure(settings, series(30, () => 1), series(30, (ago) => 1.4 + ago * 0.0005), NOW)).toBe('no_effect'); // 0.75 cm in 15 min
    expect(pumpFailure(settings, series(30, () => 1), series(30, (ago) => 1.4 + ago * 0.002), NOW)).toBeNull(); // 3 cm
  });

  it('tells nothing from too few readings: no pump reading before the window, or one level reading', () => {
    expect(pumpFailure(settings, series(10, () => 0), series(30, () => 1.42), NOW)).toBeNull();
    expect(pumpFailure(settings, series(30, () => 0), [{ tsMs: NOW - 60_000, value: 1.5 }], NOW)).toBeNull();
    expect(pumpFailure(settings, [], [], NOW)).toBeNull();
  });

  it('reads its settings from the pump\'s rules, with defaults, and only for pumps', () => {
    expect(pumpSettings(pump)).toEqual({ levelSensorId: 'canal-07', startLevel: 1.3, failureMinutes: 15, minDropCm: 2 });
    expect(pumpSettings({ ...pump, settings: { pumpLevelSensorId: 'canal-07' } })).toBeUndefined();
    expect(pumpSettings({ ...pump, kind: 'water_level' })).toBeUndefined();
  });

  it('says which pump, where, and what it did, in both languages', () => {
    const canal = { ...pump, id: 'canal-07', name: 'Kênh Nhiêu Lộc', kind: 'water_level' as const, unit: 'm' };
    const trigger = pumpFailureTrigger(pump, canal, settings, 'not_running', NOW, 1.424);
    expect(trigger).toMatchObject({ kind: 'pump_failure', zoneId: 'not_running', sourceId: 'pump-01', severity: 'major' });
    expect(trigger.title.en).toBe('Pump not running: Trạm bơm Rạch Cầu Sơn');
    expect(trigger.description?.en).toBe('Trạm bơm Rạch Cầu Sơn has been off for 15 minutes while the level at Kênh Nhiêu Lộc (1.42 m) stayed above its start level of 1.3 m.');
    expect(pumpFailureTrigger(pump, canal, settings, 'no_effect', NOW, 1.41).title.vi).toBe('Máy bơm chạy nhưng nước không rút: Trạm bơm Rạch Cầu Sơn');
  });
});
