// Language and time for every label: Vietnamese by default, English on request, the choice kept in
// localStorage. Each message is one entry with both languages, so a label cannot exist in only one.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { createI18n, DEFAULT_TIME_ZONE, LANGUAGE_STORAGE_KEY, LANGUAGES, storedLanguage, type I18n, type Language } from './i18n-core.ts';

export { createI18n, DEFAULT_TIME_ZONE, LANGUAGES, storedLanguage, translate } from './i18n-core.ts';
export type { I18n, Language, Translate } from './i18n-core.ts';

const I18nContext = createContext<I18n>(createI18n('vi', DEFAULT_TIME_ZONE, () => {}));

export function I18nProvider({ children, timeZone = DEFAULT_TIME_ZONE }: { children: ReactNode; timeZone?: string }) {
  const [language, setLanguageState] = useState<Language>(storedLanguage);
  const setLanguage = useCallback((next: Language) => {
    try {
      localStorage.setItem(LANGUAGE_STORAGE_KEY, next);
    } catch {}
    document.documentElement.lang = next;
    setLanguageState(next);
  }, []);
  const value = useMemo(() => {
    document.documentElement.lang = language;
    return createI18n(language, timeZone, setLanguage);
  }, [language, timeZone, setLanguage]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}

export function LanguageSwitch({ className = '' }: { className?: string }) {
  const { language, setLanguage, t } = useI18n();
  return (
    <div className={`language-switch ${className}`} role="group" aria-label={t('language.label')}>
      {LANGUAGES.map((option) => (
        <button
          key={option}
          type="button"
          className={option === language ? 'active' : ''}
          aria-pressed={option === language}
          onClick={() => setLanguage(option)}
          data-testid={`language-${option}`}
        >
          {option.toUpperCase()}
        </button>
      ))}
    </div>
  );
}
