import { describe, expect, it } from 'vitest';
import { sensorInput, sensorPatch } from './schemas.ts';
import { readRuleSettings } from './sensor-profile.ts';

const soil = { id: 'soil-1', name: 'Ruộng Củ Chi', kind: 'soil_moisture' as const };

describe('alarm levels in the registry', () => {
  it('wants rising levels for water, falling ones when rules.levelsBelow says the alarm is on low values', () => {
    expect(sensorInput.safeParse({ ...soil, level1: 1.5, level2: 1.6, level3: 1.7 }).success).toBe(true);
    const upsideDown = sensorInput.safeParse({ ...soil, level1: 20, level2: 15, level3: 10 });
    expect(upsideDown.success).toBe(false);
    expect(upsideDown.error?.issues[0]).toMatchObject({ path: ['level2'], message: 'level2 must be ≥ level1' });
    expect(sensorInput.safeParse({ ...soil, level1: 20, level2: 15, level3: 10, rules: { levelsBelow: true } }).success).toBe(true);
    const risingLow = sensorInput.safeParse({ ...soil, level1: 10, level2: 15, rules: { levelsBelow: true } });
    expect(risingLow.error?.issues[0].message).toMatch(/level2 must be ≤ level1 \(rules.levelsBelow/);
  });

  it('lets a patch without rules keep either order (the stored direction decides), and checks one with rules', () => {
    expect(sensorPatch.safeParse({ level1: 20, level2: 15 }).success).toBe(true);
    expect(sensorPatch.safeParse({ level1: 15, level2: 20 }).success).toBe(true);
    expect(sensorPatch.safeParse({ level1: 20, level2: 25, level3: 15 }).success).toBe(false);
    expect(sensorPatch.safeParse({ level1: 20, level2: 15, rules: {} }).success).toBe(false);
  });

  it('reads levelsBelow and intakeName from the rules, and names a malformed one', () => {
    expect(readRuleSettings({ levelsBelow: true, intakeName: 'cống Rạch Tra', salinityLimit: 1 })).toEqual({ settings: { levelsBelow: true, intakeName: 'cống Rạch Tra', salinityLimit: 1 }, ignoredKeys: [] });
    expect(readRuleSettings({ levelsBelow: 'yes', intakeName: '' }).ignoredKeys).toEqual(['levelsBelow', 'intakeName']);
  });
});
