import { describe, expect, it } from 'vitest';
import { coversMinute } from '@cityops/devices/analysis-config';
import { CityClock } from './schedule.ts';
import { SustainedCount } from './sustained-count.ts';

describe('CityClock', () => {
  it('gives the minute of the day in the city, across midnight', () => {
    const saigon = new CityClock('Asia/Ho_Chi_Minh');
    expect(saigon.minuteOfDay(Date.UTC(2026, 11, 5, 10, 40))).toBe(17 * 60 + 40);
    expect(saigon.minuteOfDay(Date.UTC(2026, 11, 5, 17, 5))).toBe(5);
  });

  it('follows a daylight saving change within the day', () => {
    const berlin = new CityClock('Europe/Berlin');
    // 29 March 2026: 01:00 UTC is 03:00 CEST; a minute before it was 01:59 CET.
    expect(berlin.minuteOfDay(Date.UTC(2026, 2, 29, 0, 59))).toBe(1 * 60 + 59);
    expect(berlin.minuteOfDay(Date.UTC(2026, 2, 29, 1, 0))).toBe(3 * 60);
  });
});

describe('coversMinute', () => {
  it('excludes the end and runs over midnight when the end comes first', () => {
    expect(coversMinute({ from: '17:00', to: '19:00' }, 17 * 60)).toBe(true);
    expect(coversMinute({ from: '17:00', to: '19:00' }, 19 * 60)).toBe(false);
    expect(coversMinute({ from: '22:00', to: '05:00' }, 0)).toBe(true);
    expect(coversMinute({ from: '22:00', to: '05:00' }, 12 * 60)).toBe(false);
  });
});

describe('SustainedCount', () => {
  it('is the highest minimum over a full window, and nothing before a full window', () => {
    const sustained = new SustainedCount(3000);
    sustained.add(0, 9);
    sustained.add(1000, 9);
    expect(sustained.value).toBe(0);
    sustained.add(3000, 5);
    expect(sustained.value).toBe(5);
    for (let t = 4000; t <= 7000; t += 1000) sustained.add(t, 8);
    expect(sustained.value).toBe(8);
    sustained.add(8000, 20); // a burst
    expect(sustained.value).toBe(8);
    sustained.reset();
    expect(sustained.value).toBe(0);
  });
});
