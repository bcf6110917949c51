// Translation and time formatting without React: labels in Vietnamese and English, times in the
// command room's zone (Asia/Ho_Chi_Minh) whatever the browser's own zone is.
import { nameIn, type PlaceNames } from '@cityops/contract/devices';
import { messages, type MessageKey } from './messages.ts';

export type Language = 'vi' | 'en';
export const LANGUAGES: Language[] = ['vi', 'en'];
export const LANGUAGE_STORAGE_KEY = 'cityops.language';
export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  t: Translate;
  timeZone: string;
  /** 14:05 */
  time(value: Date | string | number): string;
  /** 14:05:09 */
  timeSeconds(value: Date | string | number): string;
  /** 03/05 14:05 */
  dateTime(value: Date | string | number): string;
  /** "3 min ago" */
  ago(value: Date | string | number, now?: number): string;
  number(value: number, fractionDigits?: number): string;
  /** A district's, camera's or sensor's name as people say it in this language. */
  name(place: PlaceNames): string;
}

export function storedLanguage(): Language {
  try {
    const stored = localStorage.getItem(LANGUAGE_STORAGE_KEY);
    if (stored === 'vi' || stored === 'en') return stored;
  } catch {}
  return 'vi';
}

export function translate(language: Language, key: MessageKey, params?: Record<string, string | number>): string {
  const entry = messages[key];
  let text: string = entry ? entry[language] : key;
  if (params) for (const [name, value] of Object.entries(params)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/** Formatters are built once per language and time zone: Intl constructors are slow on hot paths. */
export function createI18n(language: Language, timeZone: string, setLanguage: (language: Language) => void): I18n {
  const locale = language === 'vi' ? 'vi-VN' : 'en-GB';
  const timeFormat = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const timeSecondsFormat = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const dateTimeParts = new Intl.DateTimeFormat('en-GB', { timeZone, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  // dd/MM HH:mm in both languages: what Vietnamese and British readers both expect.
  const dateTimeFormat = {
    format(date: Date) {
      const part = Object.fromEntries(dateTimeParts.formatToParts(date).map((item) => [item.type, item.value]));
      return `${part.day}/${part.month} ${part.hour}:${part.minute}`;
    },
  };
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const t: Translate = (key, params) => translate(language, key, params);
  return {
    language,
    setLanguage,
    t,
    timeZone,
    name: (place) => nameIn(place, language),
    time: (value) => timeFormat.format(new Date(value)),
    timeSeconds: (value) => timeSecondsFormat.format(new Date(value)),
    dateTime: (value) => dateTimeFormat.format(new Date(value)),
    ago(value, now = Date.now()) {
      const seconds = Math.round((new Date(value).getTime() - now) / 1000);
      const abs = Math.abs(seconds);
      if (abs < 45) return t('time.justNow');
      if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
      if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
      return relative.format(Math.round(seconds / 86_400), 'day');
    },
    number(value, fractionDigits = 0) {
      let format = numberFormats.get(fractionDigits);
      if (!format) {
        format = new Intl.NumberFormat(locale, { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
        numberFormats.set(fractionDigits, format);
      }
      return format.format(value);
    },
  };
}

