// Dark or light. The command room is dim, so dark is the default whatever the operating system prefers
// (a room's screens are set up once, by whoever installs them, not by each browser's daylight setting);
// a daylight office picks light, and the choice is kept per browser. The choice is for the command-room
// pages (those with the top bar and its switch). The wall is always dark: it is read from across a dim
// room and its severity colours are tuned for a dark ground. The field view and the public pages (the
// residents' reports, a camera owner's link) have no switch and keep their own dark design.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useI18n } from './i18n.tsx';
import { useLocation } from './router.tsx';
import { Icon } from './ui.tsx';
import { applyTheme, storedTheme, THEME_STORAGE_KEY, THEMES, themeFor, type Theme } from './theme-choice.ts';

export type { Theme } from './theme-choice.ts';

interface ThemeState {
  /** What this page is drawn in (dark on the wall and the pages without the switch). */
  theme: Theme;
  /** What the user chose for this browser. */
  chosen: Theme;
  setTheme(theme: Theme): void;
}

const ThemeContext = createContext<ThemeState>({ theme: 'dark', chosen: 'dark', setTheme: () => {} });

export function ThemeProvider({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const [chosen, setChosen] = useState<Theme>(storedTheme);
  const theme = themeFor(path, chosen);
  useEffect(() => applyTheme(theme), [theme]);
  const setTheme = useCallback((next: Theme) => {
    try {
      localStorage.setItem(THEME_STORAGE_KEY, next);
    } catch {}
    setChosen(next);
  }, []);
  const value = useMemo(() => ({ theme, chosen, setTheme }), [theme, chosen, setTheme]);
  return <ThemeContext.Provider value={value}>{children}</ThemeContext.Provider>;
}

export function useTheme(): ThemeState {
  return useContext(ThemeContext);
}

/** The top bar's one-click switch: a sun in the dark theme, a moon in the light one. */
export function ThemeToggle() {
  const { t } = useI18n();
  const { chosen, setTheme } = useTheme();
  const next: Theme = chosen === 'dark' ? 'light' : 'dark';
  const label = t(next === 'light' ? 'theme.switchToLight' : 'theme.switchToDark');
  return (
    <button type="button" className="icon-button theme-toggle" onClick={() => setTheme(next)} title={label} aria-label={label} data-testid="theme-toggle" data-theme-chosen={chosen}>
      <Icon name={next === 'light' ? 'sun' : 'moon'} />
    </button>
  );
}

/** The account page's choice, both themes named. */
export function ThemeChoice() {
  const { t } = useI18n();
  const { chosen, setTheme } = useTheme();
  return (
    <div className="language-switch theme-choice" role="group" aria-label={t('theme.label')}>
      {THEMES.map((option) => (
        <button key={option} type="button" className={option === chosen ? 'active' : ''} aria-pressed={option === chosen} onClick={() => setTheme(option)} data-testid={`theme-${option}`}>
          {t(option === 'dark' ? 'theme.dark' : 'theme.light')}
        </button>
      ))}
    </div>
  );
}
