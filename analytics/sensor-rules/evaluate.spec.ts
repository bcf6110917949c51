import { describe, expect, it } from 'vitest';
import { evaluateReadings, INITIAL_RULE_STATE, NO_ALERTS, type RuleState } from './evaluate.ts';
import { planAlertActions, type AlertAction } from './sensor-alerts.ts';
import type { SensorProfile } from '@cityops/devices/sensor-profile';

const phuAn: SensorProfile = {
  id: 'tide-001',
  name: 'Trạm triều Phú An (sông Sài Gòn)',
  kind: 'tide_level',
  unit: 'm',
  enabled: true,
  lat: 10.77,
  lon: 106.71,
  districtId: 'quan-binh-thanh',
  level1: 1.5,
  level2: 1.6,
  level3: 1.7,
  hysteresis: 0.03,
  expectedIntervalSeconds: 60,
  settings: { rateOfRiseCmPerHour: 30 },
};

/** A semi-diurnal tide (period 12.42 h) peaking at 1.75 m, one reading every 5 minutes. */
function tide(hours: number, peak = 1.75): { tsMs: number; value: number }[] {
  const start = Date.UTC(2025, 9, 20, 0, 0);
  const readings = [];
  for (let minute = 0; minute <= hours * 60; minute += 5) {
    const phase = (2 * Math.PI * (minute / 60 - 6.21)) / 12.42;
    readings.push({ tsMs: start + minute * 60_000, value: 0.35 + (peak - 0.35) * Math.cos(phase) });
  }
  return readings;
}

const describeAction = (action: AlertAction) => (action.type === 'raise' ? `raise ${action.trigger.kind}/${action.trigger.severity}` : `clear ${action.key.kind}`);

/** Feeds readings one at a time, as the worker would over many batches, and records the alert actions. */
function replay(profile: SensorProfile, readings: { tsMs: number; value: number }[]) {
  let rules: RuleState = INITIAL_RULE_STATE;
  let lastTs: number | null = null;
  const log: string[] = [];
  for (const reading of readings) {
    const evaluation = evaluateReadings(profile, rules, lastTs, [reading]);
    rules = evaluation.rules;
    lastTs = evaluation.latest?.tsMs ?? lastTs;
    log.push(...evaluation.actions.map(describeAction));
  }
  return { log, rules };
}

describe('sensor rules on a tide series', () => {
  it('raises one level alert, escalates it through I, II, III and clears it on the way down', () => {
    const { log } = replay({ ...phuAn, settings: {} }, tide(12.42));
    expect(log).toEqual(['raise sensor_level/minor', 'raise sensor_level/major', 'raise sensor_level/critical', 'clear sensor_level']);
  });

  it('stays quiet for a neap tide below level I', () => {
    expect(replay({ ...phuAn, settings: {} }, tide(12.42, 1.45)).log).toEqual([]);
  });

  it('raises and clears a fast-rise alert on the flood tide', () => {
    // Peak 1.75 m, trough −1.05 m: the flood tide rises up to ~70 cm/h, above 30 cm/h.
    const { log } = replay(phuAn, tide(12.42));
    expect(log.filter((entry) => entry.includes('rate_of_rise'))).toEqual(['raise sensor_rate_of_rise/major', 'clear sensor_rate_of_rise']);
  });

  it('gives the same actions when a whole backlog arrives in one batch', () => {
    const series = tide(12.42);
    const oneByOne = replay(phuAn, series).log;
    const inOneBatch = evaluateReadings(phuAn, INITIAL_RULE_STATE, null, [...series].reverse()).actions.map(describeAction);
    expect(inOneBatch).toEqual(oneByOne);
  });

  it('clears offline with the first reading, even a late one', () => {
    const first = evaluateReadings(phuAn, INITIAL_RULE_STATE, 5000, [{ tsMs: 1000, value: 1 }], true);
    expect(first.actions.map(describeAction)).toEqual(['clear sensor_offline']);
    const fresh = evaluateReadings(phuAn, INITIAL_RULE_STATE, 5000, [{ tsMs: 6000, value: 1 }], true);
    expect(fresh.actions.map(describeAction)).toEqual(['clear sensor_offline']);
  });

  it('ignores readings older than the state (late or replayed data)', () => {
    const first = evaluateReadings(phuAn, INITIAL_RULE_STATE, null, [{ tsMs: 2000, value: 1.72 }]);
    const late = evaluateReadings(phuAn, first.rules, 2000, [{ tsMs: 1000, value: 1.0 }]);
    expect(late.latest).toBeUndefined();
    expect(late.rules.level).toBe(3);
  });

  it('applies a batch of readings in time order whatever order they arrive in', () => {
    const evaluation = evaluateReadings({ ...phuAn, settings: {} }, INITIAL_RULE_STATE, null, [
      { tsMs: 3, value: 1.2 },
      { tsMs: 1, value: 1.65 },
      { tsMs: 2, value: 1.62 },
    ]);
    expect(evaluation.latest).toEqual({ tsMs: 3, value: 1.2 });
    expect(evaluation.rules.level).toBe(0);
  });

  it('raises salinity above the limit and clears below limit − hysteresis', () => {
    const salinity: SensorProfile = { ...phuAn, id: 'sal-1', kind: 'salinity', unit: 'g/L', level1: null, level2: null, level3: null, hysteresis: 0.2, settings: { salinityLimit: 1 } };
    const readings = [0.5, 0.9, 1.1, 0.95, 0.85, 0.7].map((value, i) => ({ tsMs: i * 60_000, value }));
    expect(replay(salinity, readings).log).toEqual(['raise sensor_level/major', 'clear sensor_level']);
  });

  it('alarms on low values when the levels are low-side: soil drying through 20, 15, 10 % and watered again', () => {
    const soil: SensorProfile = { ...phuAn, id: 'soil-1', kind: 'soil_moisture', unit: '%', level1: 20, level2: 15, level3: 10, hysteresis: 1, settings: { levelsBelow: true } };
    const values = [30, 24, 20.5, 20, 19, 15, 14, 9.5, 12, 16, 20.5, 21.5, 25];
    const { log } = replay(soil, values.map((value, i) => ({ tsMs: i * 3_600_000, value })));
    expect(log).toEqual(['raise sensor_level/minor', 'raise sensor_level/major', 'raise sensor_level/critical', 'clear sensor_level']);
    // Each level holds until the value is above it by the hysteresis: 16 % keeps level II (15 + 1), 20.5 %
    // keeps level I (20 + 1); 21.5 % clears.
    const levels = values.map((_, i) => replay(soil, values.slice(0, i + 1).map((value, j) => ({ tsMs: j * 3_600_000, value }))).rules.level);
    expect(levels).toEqual([0, 0, 0, 1, 1, 2, 2, 3, 2, 2, 1, 0, 0]);
    // The same readings with ordinary (high-side) levels would never alarm below 30 %.
    expect(replay({ ...soil, level1: 40, level2: 50, level3: 60, settings: {} }, values.map((value, i) => ({ tsMs: i * 3_600_000, value }))).log).toEqual([]);
  });
});

describe('alert plan', () => {
  it('says a low-side level fell to its threshold, and came back above it', () => {
    const soil: SensorProfile = { ...phuAn, id: 'soil-1', name: 'Ruộng Củ Chi', kind: 'soil_moisture', unit: '%', level1: 20, level2: 15, level3: 10, hysteresis: 1, settings: { levelsBelow: true } };
    const [raise] = planAlertActions(soil, { ...NO_ALERTS, level: 1 }, NO_ALERTS, { value: 19.5, tsMs: 0, lastSeenAtMs: null, rateCmPerHour: null });
    expect(raise.type === 'raise' && raise.trigger.description?.en).toBe('Soil moisture 19.5 % fell to alarm level I (at or below 20 %).');
    const [clear] = planAlertActions(soil, NO_ALERTS, { ...NO_ALERTS, level: 1 }, { value: 22, tsMs: 0, lastSeenAtMs: null, rateCmPerHour: null });
    expect(clear.type === 'clear' && clear.reason?.en).toBe('Back above alarm level I (22 %)');
  });

  it('advises closing an irrigation intake when the salinity there passes its limit', () => {
    const intake: SensorProfile = { ...phuAn, id: 'sal-2', name: 'Cống Rạch Tra', kind: 'salinity', unit: 'g/L', level1: null, level2: null, level3: null, hysteresis: 0.2, settings: { salinityLimit: 1, intakeName: 'cống Rạch Tra' } };
    const [raise] = planAlertActions(intake, { ...NO_ALERTS, salinity: true }, NO_ALERTS, { value: 1.4, tsMs: 0, lastSeenAtMs: null, rateCmPerHour: null });
    if (raise.type !== 'raise') throw new Error('expected a raise');
    expect(raise.trigger.title.en).toBe('Close intake cống Rạch Tra: salinity 1.4 g/L');
    expect(raise.trigger.title.vi).toBe('Đóng cống lấy nước cống Rạch Tra: độ mặn 1.4 g/L');
    expect(raise.trigger.evidence?.data).toMatchObject({ advice: 'close_intake', intake: 'cống Rạch Tra', limit: 1 });
    const [clear] = planAlertActions(intake, NO_ALERTS, { ...NO_ALERTS, salinity: true }, { value: 0.7, tsMs: 0, lastSeenAtMs: null, rateCmPerHour: null });
    expect(clear.type === 'clear' && clear.reason?.en).toBe('Salinity back below the limit (0.7 g/L): cống Rạch Tra may open again');
  });

  it('names the sensor and value in both languages and points at the sensor', () => {
    const [action] = planAlertActions(phuAn, { ...NO_ALERTS, level: 2 }, NO_ALERTS, { value: 1.6234, tsMs: 0, lastSeenAtMs: null, rateCmPerHour: null });
    expect(action.type).toBe('raise');
    if (action.type !== 'raise') return;
    expect(action.trigger).toMatchObject({ sourceType: 'sensor', sourceId: 'tide-001', kind: 'sensor_level', zoneId: '', severity: 'major' });
    expect(action.trigger.title.vi).toBe('Báo động cấp II: Trạm triều Phú An (sông Sài Gòn) 1.623 m');
    expect(action.trigger.title.en).toBe('Alarm level II: Trạm triều Phú An (sông Sài Gòn) at 1.623 m');
  });

  it('uses the English name people use for the sensor in English texts', () => {
    const named = { ...phuAn, nameEn: 'Phu An tide station (Saigon River)' };
    const [level] = planAlertActions(named, { ...NO_ALERTS, level: 1 }, NO_ALERTS, { value: 1.55, tsMs: 0, lastSeenAtMs: null, rateCmPerHour: null });
    const [offline] = planAlertActions(named, { ...NO_ALERTS, offline: true }, NO_ALERTS, { value: 1, tsMs: 0, lastSeenAtMs: 0, rateCmPerHour: null });
    if (level.type !== 'raise' || offline.type !== 'raise') throw new Error('expected raises');
    expect(level.trigger.title).toEqual({ vi: 'Báo động cấp I: Trạm triều Phú An (sông Sài Gòn) 1.55 m', en: 'Alarm level I: Phu An tide station (Saigon River) at 1.55 m' });
    expect(offline.trigger.title.en).toBe('Sensor offline: Phu An tide station (Saigon River)');
  });

  it('raises offline and clears it when readings return', () => {
    expect(planAlertActions(phuAn, { ...NO_ALERTS, offline: true }, NO_ALERTS, { value: 1, tsMs: 0, lastSeenAtMs: 0, rateCmPerHour: null })[0]).toMatchObject({
      type: 'raise',
      field: 'offline',
    });
    expect(planAlertActions(phuAn, NO_ALERTS, { ...NO_ALERTS, offline: true }, { value: 1, tsMs: 0, lastSeenAtMs: 0, rateCmPerHour: null })[0]).toMatchObject({
      type: 'clear',
      field: 'offline',
    });
  });

  it('does nothing when wanted and raised agree', () => {
    expect(planAlertActions(phuAn, { level: 3, rise: true, salinity: false, offline: true }, { level: 3, rise: true, salinity: false, offline: true }, { value: 1, tsMs: 0, lastSeenAtMs: 0, rateCmPerHour: 1 })).toEqual([]);
  });
});
