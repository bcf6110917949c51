// A joint rule in words, in both languages, from the rule as saved or half typed; and the form's own checks.
import { describe, expect, it } from 'vitest';
import type { Sensor } from '@cityops/contract/devices';
import { translate, type Language } from '../i18n-core.ts';
import type { MessageKey } from '../messages.ts';
import { draftProblems, explainJointRule, type JointRuleDraft } from './joint-rule-explanation.ts';

const floodedRoad: JointRuleDraft = {
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

const tIn = (language: Language) => (key: MessageKey, params?: Record<string, string | number>) => translate(language, key, params);
const gauge = { id: 'phu-an', name: 'Trạm triều Phú An', lat: 10.77, lon: 106.71, level1: 1.5, level2: 1.6, level3: null } as Sensor;

describe('a joint rule in words', () => {
  it('says the flooded road rule in English and Vietnamese', () => {
    expect(explainJointRule(floodedRoad, tIn('en'), 'Trạm triều Phú An')).toBe(
      'When Trạm triều Phú An is at alarm level II or above, and within 30 min stalled vehicle or congestion is seen on any camera within 500 m of it, raise “Flooded road” (critical). It clears when the sensor falls below level II or no such situation has been seen for 30 min.',
    );
    expect(explainJointRule(floodedRoad, tIn('vi'), 'Trạm triều Phú An')).toBe(
      'Khi Trạm triều Phú An ở mức báo động cấp II trở lên, và trong vòng 30 phút có xe dừng bất thường hoặc ùn tắc trên bất kỳ camera nào cách cảm biến không quá 500 m, tạo cảnh báo “Đường bị ngập” mức khẩn cấp. Cảnh báo tự kết thúc khi cảm biến xuống dưới cấp II hoặc không còn tình huống nào như vậy trong 30 phút.',
    );
  });

  it('says a rule over every sensor of a kind waiting for a sensor alert, titled with its name, and that it is off', () => {
    const rule: JointRuleDraft = { ...floodedRoad, name: 'Mưa lớn và tụ tập', alertKind: 'joint_rule', severity: 'major', sensorId: null, sensorKind: 'rainfall', sensorCondition: 'alert', minLevel: null, sensorAlertKinds: ['sensor_rate_of_rise'], cameraAlertKinds: ['crowd'], enabled: false };
    expect(explainJointRule(rule, tIn('en'))).toBe(
      'When any “Rainfall” sensor has an open alert: fast rise, and within 30 min crowd is seen on any camera within 500 m of it, raise “Mưa lớn và tụ tập” (major). It clears when the sensor\'s alert ends or no such situation has been seen for 30 min. The rule is off.',
    );
    expect(explainJointRule(rule, tIn('vi'))).toContain('bất kỳ cảm biến “Lượng mưa” nào có cảnh báo đang mở: nước lên nhanh');
  });

  it('says what is still missing while the rule is typed', () => {
    const half: JointRuleDraft = { ...floodedRoad, sensorId: null, cameraAlertKinds: [], radiusM: null };
    expect(explainJointRule(half, tIn('en'))).toContain('When (no sensor chosen) is at alarm level II or above, and within 30 min (none chosen) is seen on any camera within ? m of it');
  });
});

describe('the joint rule form\'s checks', () => {
  it('passes a complete rule and names each missing or out-of-range field in the engineer\'s language', () => {
    expect(draftProblems(floodedRoad, [gauge], tIn('en'))).toEqual({});
    const problems = draftProblems({ ...floodedRoad, name: ' ', minLevel: 3, cameraAlertKinds: [], radiusM: 0, windowMinutes: 2000 }, [gauge], tIn('en'));
    expect(problems).toEqual({
      name: 'Give the rule a name (at most 100 characters).',
      minLevel: 'This sensor has no alarm level III set.',
      cameraAlertKinds: 'Choose at least one camera situation.',
      radiusM: 'The radius is a whole number of metres, above 0 and at most 5000 m.',
      windowMinutes: 'The window is a whole number of minutes, from 1 to 1440.',
    });
    expect(draftProblems({ ...floodedRoad, radiusM: 5001 }, [gauge], tIn('vi')).radiusM).toBe('Bán kính là số nguyên mét, lớn hơn 0 và tối đa 5000 m.');
    expect(draftProblems({ ...floodedRoad, sensorId: null }, [gauge], tIn('vi')).sensorId).toBe('Hãy chọn một cảm biến hoặc một loại cảm biến.');
    expect(draftProblems(floodedRoad, [{ ...gauge, lat: null }], tIn('en')).sensorId).toBe('This sensor has no place on the map: there is no radius to measure from.');
  });
});
