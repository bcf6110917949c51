// The joint rules' matching and planning on facts made by hand: a tide gauge at Phú An and cameras at known
// distances (0.0027° of latitude ≈ 300 m, 0.018° ≈ 2 km).
import { describe, expect, it } from 'vitest';
import type { JointRuleInput } from '@cityops/contract/joint-rules';
import { distanceMetres, evaluateRule, jointAlertTrigger, matchesOf, planJointAlerts, type CameraSituation, type EvaluatedRule, type SensorFacts } from './match.ts';

const NOW = Date.UTC(2026, 11, 5, 10, 0);
const MINUTE = 60_000;
const GAUGE = { lat: 10.7723, lon: 106.7105 };

const floodedRoad: EvaluatedRule = {
  id: 7,
  name: 'Ngập đường Phú An',
  enabled: true,
  severity: 'critical',
  alertKind: 'flooded_road',
  sensorId: 'phu-an',
  sensorKind: null,
  sensorCondition: 'level',
  minLevel: 2,
  sensorAlertKinds: [],
  cameraAlertKinds: ['stalled_vehicle', 'congestion'],
  radiusM: 500,
  windowMinutes: 30,
};

function gauge(overrides: Partial<SensorFacts> = {}): SensorFacts {
  return { sensorId: 'phu-an', sensorName: 'Trạm triều Phú An', kind: 'tide_level', unit: 'm', value: 1.72, readingAt: new Date(NOW - MINUTE).toISOString(), level: 3, alerts: [], ...GAUGE, ...overrides };
}

function situation(overrides: Partial<CameraSituation> = {}): CameraSituation {
  return {
    alertId: 101,
    cameraId: 'cam-300m',
    cameraName: 'Cầu Sài Gòn',
    kind: 'stalled_vehicle',
    lat: GAUGE.lat + 0.0027,
    lon: GAUGE.lon,
    firstSeenAtMs: NOW - 5 * MINUTE,
    lastSeenAtMs: NOW - 5 * MINUTE,
    endedAtMs: null,
    hasSnapshot: true,
    ...overrides,
  };
}

describe('joint rule matching', () => {
  it('measures distances on the same sphere as the database (0.0027° of latitude ≈ 300 m)', () => {
    expect(Math.round(distanceMetres(GAUGE.lat, GAUGE.lon, GAUGE.lat + 0.0027, GAUGE.lon))).toBe(300);
  });

  it('matches a gauge at level II or above with a stalled vehicle 300 m away', () => {
    const [match] = matchesOf(floodedRoad, [gauge()], [situation()], NOW);
    expect(match.sensor).toMatchObject({ sensorId: 'phu-an', level: 3, value: 1.72 });
    expect(match.cameras).toEqual([expect.objectContaining({ alertId: 101, cameraId: 'cam-300m', distanceM: 300, endedAt: null })]);
  });

  it('needs both sides: no match below the level, none with the camera 2 km away, none with another kind of situation', () => {
    expect(matchesOf(floodedRoad, [gauge({ level: 1 })], [situation()], NOW)).toEqual([]);
    expect(matchesOf(floodedRoad, [gauge()], [situation({ lat: GAUGE.lat + 0.018 })], NOW)).toEqual([]);
    expect(matchesOf(floodedRoad, [gauge()], [situation({ kind: 'crowd' })], NOW)).toEqual([]);
    expect(matchesOf(floodedRoad, [gauge()], [], NOW)).toEqual([]);
  });

  it('counts a camera situation that ended within the window, not one that ended before it', () => {
    expect(matchesOf(floodedRoad, [gauge()], [situation({ endedAtMs: NOW - 29 * MINUTE })], NOW)).toHaveLength(1);
    expect(matchesOf(floodedRoad, [gauge()], [situation({ endedAtMs: NOW - 31 * MINUTE })], NOW)).toEqual([]);
  });

  it('lists the camera situations nearest first', () => {
    const [match] = matchesOf(floodedRoad, [gauge()], [situation({ alertId: 1, lat: GAUGE.lat + 0.004 }), situation({ alertId: 2, kind: 'congestion', lat: GAUGE.lat + 0.001 })], NOW);
    expect(match.cameras.map((camera) => [camera.alertId, camera.distanceM])).toEqual([
      [2, 111],
      [1, 445],
    ]);
  });

  it('looks at every sensor of a kind, each with the cameras near it', () => {
    const byKind: JointRuleInput = { ...floodedRoad, sensorId: null, sensorKind: 'tide_level' };
    const far = gauge({ sensorId: 'nha-be', lat: GAUGE.lat - 0.1 });
    const rain = gauge({ sensorId: 'rain-1', kind: 'rainfall' });
    const outcomes = evaluateRule(byKind, [gauge(), far, rain], [situation()], NOW);
    expect(outcomes.map((outcome) => [outcome.sensor.sensorId, outcome.sensorHolds, outcome.cameras.length])).toEqual([
      ['phu-an', true, 1],
      ['nha-be', true, 0],
    ]);
  });

  it('holds on an open sensor alert of a chosen kind when the rule waits for one', () => {
    const onAlert: JointRuleInput = { ...floodedRoad, sensorCondition: 'alert', minLevel: null, sensorAlertKinds: ['sensor_rate_of_rise'] };
    const rising = gauge({ level: 0, alerts: [{ alertId: 55, kind: 'sensor_rate_of_rise', title: { vi: 'Nước lên nhanh', en: 'Fast rise' } }] });
    expect(matchesOf(onAlert, [rising], [situation()], NOW)).toHaveLength(1);
    expect(matchesOf(onAlert, [gauge({ level: 3 })], [situation()], NOW)).toEqual([]);
  });
});

describe('joint alerts', () => {
  it('raises one on the sensor with both evidences, its words in both languages', () => {
    const [match] = matchesOf(floodedRoad, [gauge()], [situation()], NOW);
    const trigger = jointAlertTrigger(floodedRoad, match, NOW);
    expect(trigger).toMatchObject({ sourceType: 'sensor', sourceId: 'phu-an', kind: 'flooded_road', zoneId: 'joint-rule-7', severity: 'critical' });
    expect(trigger.title).toEqual({ vi: 'Đường ngập gần Trạm triều Phú An', en: 'Flooded road near Trạm triều Phú An' });
    expect(trigger.description!.en).toBe(
      'Trạm triều Phú An at alarm level III (1.72 m); within 30 min, cameras within 500 m saw: stalled vehicle at Cầu Sài Gòn (300 m). Joint rule “Ngập đường Phú An”.',
    );
    expect(trigger.description!.vi).toBe(
      'Trạm triều Phú An ở mức báo động cấp III (1,72 m); trong 30 phút, camera trong bán kính 500 m ghi nhận: xe dừng bất thường tại Cầu Sài Gòn (300 m). Quy tắc kết hợp “Ngập đường Phú An”.',
    );
    expect(trigger.evidence!.data).toMatchObject({ rule: { id: 7, name: 'Ngập đường Phú An' }, sensor: { sensorId: 'phu-an', level: 3, value: 1.72 }, cameras: [{ alertId: 101, distanceM: 300 }] });
  });

  it('titles a generic joint alert with the rule\'s name', () => {
    const generic: EvaluatedRule = { ...floodedRoad, alertKind: 'joint_rule', name: 'Triều cường và ùn tắc' };
    const [match] = matchesOf(generic, [gauge()], [situation()], NOW);
    expect(jointAlertTrigger(generic, match, NOW).title.en).toBe('Triều cường và ùn tắc: Trạm triều Phú An');
  });

  it('raises a new match, leaves an unchanged one, raises again when a camera situation joins, clears what no longer holds', () => {
    const first = planJointAlerts([floodedRoad], [gauge()], [situation()], [], NOW);
    expect(first.raise).toHaveLength(1);
    expect(first.clear).toEqual([]);
    const signature = first.raise[0].trigger.evidence!.data!.signature as string;
    const open = [{ sensorId: 'phu-an', kind: 'flooded_road', zoneId: 'joint-rule-7', signature }];

    expect(planJointAlerts([floodedRoad], [gauge()], [situation()], open, NOW + MINUTE)).toEqual({ raise: [], clear: [] });
    expect(planJointAlerts([floodedRoad], [gauge()], [situation(), situation({ alertId: 102 })], open, NOW).raise).toHaveLength(1);

    const fallen = planJointAlerts([floodedRoad], [gauge({ level: 1 })], [situation()], open, NOW);
    expect(fallen.raise).toEqual([]);
    expect(fallen.clear).toEqual([{ key: { sourceType: 'sensor', sourceId: 'phu-an', kind: 'flooded_road', zoneId: 'joint-rule-7' }, reason: { vi: 'Cảm biến đã dưới mức báo động cấp II', en: 'The sensor is below alarm level II again' } }]);

    const quiet = planJointAlerts([floodedRoad], [gauge()], [situation({ endedAtMs: NOW - 40 * MINUTE })], open, NOW);
    expect(quiet.clear[0].reason.en).toBe('No camera situation within 500 m in the last 30 min');

    const off = planJointAlerts([], [gauge()], [situation()], open, NOW);
    expect(off.clear[0].reason.en).toBe('The rule was turned off, deleted or no longer applies to this sensor');
  });
});
