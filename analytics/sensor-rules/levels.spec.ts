import { describe, expect, it } from 'vitest';
import { nextAlarmLevel, type AlarmLevel } from './levels.ts';

const phuAn = { level1: 1.5, level2: 1.6, level3: 1.7, hysteresis: 0.03 };
const walk = (values: number[], start: AlarmLevel = 0) => {
  const levels: AlarmLevel[] = [];
  let level = start;
  for (const value of values) levels.push((level = nextAlarmLevel(level, value, phuAn)));
  return levels;
};

describe('alarm levels with hysteresis', () => {
  it('goes up as soon as a level is reached, skipping levels on a jump', () => {
    expect(walk([1.2, 1.5, 1.59, 1.6, 1.7])).toEqual([0, 1, 1, 2, 3]);
    expect(walk([1.0, 1.75])).toEqual([0, 3]);
  });

  it('comes down only below each level minus the hysteresis', () => {
    expect(walk([1.69, 1.68, 1.66, 1.58, 1.56, 1.48, 1.47, 1.46], 3)).toEqual([3, 3, 2, 2, 1, 1, 1, 0]);
  });

  it('does not flap around a level', () => {
    expect(walk([1.5, 1.49, 1.5, 1.48, 1.51, 1.49])).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('drops several levels at once when the value falls far', () => {
    expect(walk([1.2], 3)).toEqual([0]);
    expect(walk([1.55], 3)).toEqual([1]);
  });

  it('ignores levels the registry leaves empty', () => {
    const onlyOne = { level1: 20, level2: null, level3: null, hysteresis: 2 };
    expect(nextAlarmLevel(0, 100, onlyOne)).toBe(1);
    expect(nextAlarmLevel(1, 19, onlyOne)).toBe(1);
    expect(nextAlarmLevel(1, 17.9, onlyOne)).toBe(0);
  });
});
