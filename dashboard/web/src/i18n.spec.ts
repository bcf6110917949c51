// Every label exists in both languages, and times are shown in Asia/Ho_Chi_Minh.
import { describe, expect, it } from 'vitest';
import { createI18n, translate } from './i18n-core.ts';
import { messages, type MessageKey } from './messages.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('dashboard labels', () => {
  it('has a non-empty Vietnamese and English text for every label', () => {
    for (const [key, entry] of Object.entries(messages)) {
      expect(entry.vi.trim(), key).not.toBe('');
      expect(entry.en.trim(), key).not.toBe('');
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const [key, entry] of Object.entries(messages)) expect(placeholders(entry.vi), key).toEqual(placeholders(entry.en));
  });

  it('fills placeholders', () => {
    expect(translate('en', 'alerts.more' as MessageKey, { count: 12 })).toBe('and 12 more — filter to narrow down');
    expect(translate('vi', 'device.openAlerts' as MessageKey, { count: 3 })).toBe('3 cảnh báo đang mở');
  });
});

describe('dashboard times', () => {
  it('shows Ho Chi Minh City time (UTC+7) in both languages', () => {
    const instant = Date.UTC(2025, 9, 1, 23, 5, 9); // 2025-10-01 23:05:09 UTC = 02 Oct 06:05:09 in HCMC
    for (const language of ['vi', 'en'] as const) {
      const i18n = createI18n(language, 'Asia/Ho_Chi_Minh', () => {});
      expect(i18n.time(instant)).toBe('06:05');
      expect(i18n.timeSeconds(instant)).toBe('06:05:09');
      expect(i18n.dateTime(instant)).toBe('02/10 06:05');
    }
  });

  it('says how long ago in the chosen language', () => {
    const now = Date.UTC(2025, 9, 1, 12, 0, 0);
    expect(createI18n('en', 'Asia/Ho_Chi_Minh', () => {}).ago(now - 10 * 60_000, now)).toMatch(/10 min/);
    expect(createI18n('vi', 'Asia/Ho_Chi_Minh', () => {}).ago(now - 10 * 60_000, now)).toMatch(/10 phút/);
    expect(createI18n('vi', 'Asia/Ho_Chi_Minh', () => {}).ago(now - 5_000, now)).toBe('vừa xong');
  });
});
