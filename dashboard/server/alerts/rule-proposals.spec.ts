import { describe, expect, it } from 'vitest';
import { hoursOf, previewChange, proposeChange, type JudgedAlerts } from './rule-proposals.ts';

const sixAllDay = new Array(24).fill(6);
const alerts = (hour: number, sustained: number | null, falseAlarm: boolean, count = 1): JudgedAlerts => ({ hour, sustained, falseAlarm, alerts: count });

describe('hoursOf', () => {
  it('covers whole hours from the start up to the end, over midnight, or all day', () => {
    expect([...hoursOf('17:00', '19:00')]).toEqual([17, 18]);
    expect([...hoursOf('22:00', '02:00')]).toEqual([22, 23, 0, 1]);
    expect([...hoursOf('17:00', '18:30')]).toEqual([17, 18]);
    expect(hoursOf(null, null).size).toBe(24);
  });
});

describe('proposeChange', () => {
  it('proposes crowd at 12 from 17:00 to 19:00 for a bus stop whose evening queues were false alarms', () => {
    const judged = [
      alerts(17, 9, true, 6),
      alerts(18, 11, true, 5),
      alerts(18, 8, true, 3),
      alerts(17, 15, false, 2), // a real crowd in the evening: kept
      alerts(10, 7, false, 4), // real daytime alerts: not in the window
      alerts(13, 7, true, 1), // one false alarm at noon: not a pattern
    ];
    expect(proposeChange(judged, sixAllDay)).toEqual({
      from: '17:00',
      to: '19:00',
      threshold: 12,
      currentThreshold: 6,
      preview: { falseAlarms: 14, suppressedFalseAlarms: 14, realAlerts: 2, missedRealAlerts: 0, uncounted: 0 },
    });
  });

  it('keeps a real alert rather than sparing a few false ones, and proposes nothing from too few', () => {
    expect(proposeChange([alerts(18, 9, true, 2), alerts(18, 13, false)], sixAllDay)).toBeUndefined();
    // Sparing 4 false alarms at 10 would miss 2 real ones of 9: a lower threshold spares 3 and misses none.
    const judged = [alerts(18, 7, true, 3), alerts(18, 9, true, 1), alerts(18, 9, false, 2)];
    expect(proposeChange(judged, sixAllDay)).toMatchObject({ from: '18:00', to: '19:00', threshold: 8, preview: { suppressedFalseAlarms: 3, missedRealAlerts: 0 } });
  });

  it('proposes the rule\'s own threshold when false alarms come at every hour, and never a lower one than today', () => {
    const everyHour = Array.from({ length: 24 }, (_, hour) => alerts(hour, 7, true));
    expect(proposeChange(everyHour, sixAllDay)).toMatchObject({ from: null, to: null, threshold: 8 });
    expect(proposeChange(everyHour, new Array(24).fill(8))).toBeUndefined();
  });

  it('leaves out alerts stored without a count, and says how many', () => {
    const judged = [alerts(17, 9, true, 3), alerts(17, null, true, 4)];
    expect(previewChange(judged, hoursOf('17:00', '18:00'), 10)).toEqual({ falseAlarms: 3, suppressedFalseAlarms: 3, realAlerts: 0, missedRealAlerts: 0, uncounted: 4 });
  });
});
