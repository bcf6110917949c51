import { describe, expect, it } from 'vitest';
import { formatCountdown } from './deadline.tsx';

describe('a deadline counting down', () => {
  it('shows minutes and seconds, hours when there are any, the same before and after the deadline', () => {
    expect(formatCountdown(45_000)).toBe('0:45');
    expect(formatCountdown(9 * 60_000 + 5_000)).toBe('9:05');
    expect(formatCountdown(3_723_000)).toBe('1:02:03');
    expect(formatCountdown(-130_000)).toBe('2:10');
    expect(formatCountdown(999)).toBe('0:00');
  });
});
