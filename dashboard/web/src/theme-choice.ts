// Which theme a page is drawn in, without React (main.tsx sets it before the first render). Why dark is
// the default and which pages keep it: theme.tsx.
export type Theme = 'dark' | 'light';
export const THEMES: Theme[] = ['dark', 'light'];
export const THEME_STORAGE_KEY = 'cityops.theme';

export function storedTheme(): Theme {
  try {
    if (localStorage.getItem(THEME_STORAGE_KEY) === 'light') return 'light';
  } catch {}
  return 'dark';
}

const ALWAYS_DARK = ['/wall', '/field', '/report', '/camera-owner'];
const isAlwaysDark = (path: string) => ALWAYS_DARK.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/** The theme a page is drawn in: the chosen one, except on the wall, the field view and the public pages. */
export function themeFor(path: string, chosen: Theme): Theme {
  return isAlwaysDark(path) ? 'dark' : chosen;
}

/** Sets the page's theme before React draws anything, so a light page does not flash dark first. */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}
