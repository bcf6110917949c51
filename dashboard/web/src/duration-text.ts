// A duration in seconds as a person reads it, in one unit: "45 s", "4.6 min", "2.5 h", "1.2 d". One
// unit with one decimal compares at a glance down a column; "4 min 36 s" does not.
import type { I18n } from './i18n-core.ts';

export function durationText(i18n: Pick<I18n, 't' | 'number'>, seconds: number): string {
  const { t, number } = i18n;
  if (seconds < 120) return t('figures.seconds', { value: number(Math.round(seconds)) });
  if (seconds < 120 * 60) return t('figures.minutes', { value: number(seconds / 60, 1) });
  if (seconds < 48 * 3600) return t('figures.hours', { value: number(seconds / 3600, 1) });
  return t('figures.daysShort', { value: number(seconds / 86_400, 1) });
}
