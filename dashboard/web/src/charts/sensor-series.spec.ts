import { describe, expect, it } from 'vitest';
import { toSeries } from './sensor-series.ts';

const rows = [
  { bucket: '2026-11-23T00:00:00.000Z', min: 0, avg: 0.5, max: 2, sum: 6, count: 12 },
  { bucket: '2026-11-23T01:00:00.000Z', min: 1, avg: 1.5, max: 3, sum: 18, count: 12 },
];

describe('chart series from server buckets', () => {
  it('charts a level as the average with its min-max band', () => {
    expect(toSeries(rows)).toEqual([
      { t: Date.parse('2026-11-23T00:00:00Z'), value: 0.5, min: 0, max: 2 },
      { t: Date.parse('2026-11-23T01:00:00Z'), value: 1.5, min: 1, max: 3 },
    ]);
  });

  it('charts an amount (rainfall) as the total of each bucket, without a band', () => {
    expect(toSeries(rows, 'total')).toEqual([
      { t: Date.parse('2026-11-23T00:00:00Z'), value: 6 },
      { t: Date.parse('2026-11-23T01:00:00Z'), value: 18 },
    ]);
  });

  it('drops buckets without a usable time or value', () => {
    expect(toSeries([{ bucket: 'not a time', avg: 1 }, { bucket: '2026-11-23T00:00:00Z' }])).toEqual([]);
  });
});
