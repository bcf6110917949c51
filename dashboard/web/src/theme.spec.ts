// Which pages follow the chosen theme: the command-room pages; the wall, the field view and the public
// pages are always dark.
import { describe, expect, it } from 'vitest';
import { themeFor } from './theme-choice.ts';

describe('theme of a page', () => {
  it('follows the choice on the command-room pages', () => {
    for (const path of ['/', '/alerts/42', '/incidents', '/account', '/engineer/devices', '/wallpaper']) expect(themeFor(path, 'light'), path).toBe('light');
  });

  it('is dark on the wall, the field view and the public pages whatever the choice', () => {
    for (const path of ['/wall', '/wall/2', '/field', '/field/alerts/3', '/report', '/report/abc', '/camera-owner/token']) expect(themeFor(path, 'light'), path).toBe('dark');
  });
});
