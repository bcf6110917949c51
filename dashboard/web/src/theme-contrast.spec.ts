// Body text in both themes reads at WCAG AA (4.5:1) on every surface it is drawn on: the page, the
// panels and the raised rows. The colours are read from the stylesheets themselves, so a change to a
// theme variable that loses contrast fails here, not on a daylight screen.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The custom properties of the first block whose selector is exactly `selector`. */
function themeVariables(file: string, selector: string): Record<string, string> {
  const css = readFileSync(path.join(here, file), 'utf8');
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`${selector} not found in ${file}`);
  const block = css.slice(start, css.indexOf('}', start));
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})/g)].map((match) => [match[1], match[2]]));
}

/** WCAG 2 relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const channel = parseInt(hex.slice(at, at + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

const THEMES = {
  dark: themeVariables('theme.css', ':root'),
  light: themeVariables('theme-light.css', ":root[data-theme='light']"),
};
const TEXT = ['text', 'text-2', 'text-3', 'accent'];
const SURFACES = ['bg', 'panel', 'panel-2', 'panel-3'];

describe('theme contrast', () => {
  it('computes ratios as WCAG does', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  for (const [name, variables] of Object.entries(THEMES)) {
    it(`${name}: every text colour is at least 4.5:1 on every surface`, () => {
      const failing: string[] = [];
      for (const text of TEXT) {
        for (const surface of SURFACES) {
          expect(variables[text], `--${text}`).toBeDefined();
          expect(variables[surface], `--${surface}`).toBeDefined();
          const ratio = contrastRatio(variables[text], variables[surface]);
          if (ratio < 4.5) failing.push(`--${text} on --${surface}: ${ratio.toFixed(2)}`);
        }
      }
      expect(failing).toEqual([]);
    });
  }

  // The severity badges' words (CRITICAL, MAJOR…) on their own colour: dark text on the bright ones,
  // white on critical's red (theme.css .severity-badge).
  const BADGES: [severity: string, text: string, background: string][] = [
    ['critical', '#ffffff', 'critical-badge'],
    ['major', '#071020', 'major'],
    ['minor', '#071020', 'minor'],
    ['info', '#071020', 'info'],
  ];
  for (const [name, variables] of Object.entries(THEMES)) {
    it(`${name}: every severity badge's word is at least 4.5:1 on its colour`, () => {
      const failing = BADGES.filter(([, text, background]) => contrastRatio(text, variables[background]) < 4.5).map(
        ([severity, text, background]) => `${severity}: ${contrastRatio(text, variables[background]).toFixed(2)}`,
      );
      expect(failing).toEqual([]);
    });
  }
});
