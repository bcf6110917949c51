// Durations in one unit, in both languages: the response figures and the wall's overdue line read them.
import { describe, expect, it } from 'vitest';
import { durationText } from './duration-text.ts';
import { createI18n } from './i18n-core.ts';

describe('durations', () => {
  it('picks seconds, minutes, hours or days, with one decimal above seconds', () => {
    const en = createI18n('en', 'Asia/Ho_Chi_Minh', () => {});
    expect([45, 119.6, 276, 3700, 9000, 200_000].map((seconds) => durationText(en, seconds))).toEqual(['45 s', '120 s', '4.6 min', '61.7 min', '2.5 h', '2.3 d']);
    const vi = createI18n('vi', 'Asia/Ho_Chi_Minh', () => {});
    expect([45, 276, 9000].map((seconds) => durationText(vi, seconds))).toEqual(['45 giây', '4,6 phút', '2,5 giờ']);
  });
});
