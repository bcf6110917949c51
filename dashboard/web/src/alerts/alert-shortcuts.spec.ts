// Which key press is a shortcut: never while typing or with Ctrl/Alt/Meta; Shift only for "?"; Enter on
// a button stays the button's; arrows over the map stay the map's.
import { describe, expect, it } from 'vitest';
import { shortcutFor } from './alert-shortcuts.tsx';

const element = (tagName: string, inside: string[] = []) => ({ tagName, isContentEditable: false, closest: (selector: string) => (selector.split(',').some((part) => inside.includes(part.trim())) ? {} : null) });
const press = (key: string, target: unknown = element('body'), modifiers: Partial<Record<'ctrlKey' | 'altKey' | 'metaKey' | 'shiftKey', boolean>> = {}) =>
  shortcutFor({ key, ctrlKey: false, altKey: false, metaKey: false, shiftKey: false, ...modifiers, target: target as EventTarget });

describe('operations shortcuts', () => {
  it('maps the keys of the help list', () => {
    expect(['j', 'ArrowDown', 'k', 'ArrowUp', 'a', 's', 'c', 'Enter', 'Escape'].map((key) => press(key))).toEqual(['next', 'next', 'previous', 'previous', 'acknowledge', 'assign', 'camera', 'open', 'close']);
    expect(press('?', undefined, { shiftKey: true })).toBe('help');
    expect(press('J')).toBe('next'); // caps lock
    expect(press('x')).toBeUndefined();
  });

  it('does nothing while typing in a field', () => {
    for (const tag of ['INPUT', 'TEXTAREA', 'SELECT']) expect(press('a', element(tag))).toBeUndefined();
    expect(press('a', { ...element('DIV'), isContentEditable: true })).toBeUndefined();
  });

  it('does nothing with a modifier held', () => {
    expect(press('a', undefined, { ctrlKey: true })).toBeUndefined();
    expect(press('c', undefined, { metaKey: true })).toBeUndefined();
    expect(press('j', undefined, { altKey: true })).toBeUndefined();
    expect(press('A', undefined, { shiftKey: true })).toBeUndefined();
  });

  it('leaves Enter on a button and arrows over the map to them', () => {
    expect(press('Enter', element('BUTTON', ['button']))).toBeUndefined();
    expect(press('a', element('BUTTON', ['button']))).toBe('acknowledge');
    expect(press('ArrowDown', element('CANVAS', ['.maplibregl-map']))).toBeUndefined();
    expect(press('j', element('CANVAS', ['.maplibregl-map']))).toBe('next');
  });
});
