import { describe, expect, it } from 'vitest';
import { clipAllowed, sharingAt, withinHours, type Consent } from './consent.ts';

const at = (iso: string) => new Date(iso).getTime();
const consent = (overrides: Partial<Consent> = {}): Consent => ({
  cameraId: 'c',
  ownerId: 1,
  sharesLive: true,
  sharesAnalysis: false,
  sharesClips: true,
  hours: null,
  timeZone: 'Asia/Ho_Chi_Minh',
  clipRetentionDays: 7,
  givenAt: new Date('2026-01-01T00:00:00Z'),
  endsAt: null,
  pausedAt: null,
  resumedAt: null,
  endedAt: null,
  updatedAt: new Date('2026-01-01T00:00:00Z'),
  ...overrides,
});

describe('private camera consent', () => {
  it('shares everything of a city camera, and only the chosen shares of a private one', () => {
    expect(sharingAt(undefined, at('2026-06-01T00:00:00Z'))).toMatchObject({ live: true, analysis: true, clips: true });
    expect(sharingAt(consent(), at('2026-06-01T00:00:00Z'))).toEqual({ state: 'sharing', live: true, analysis: false, clips: true });
  });

  it('shares nothing while paused, after the end, or before the consent starts', () => {
    const june = at('2026-06-01T00:00:00Z');
    expect(sharingAt(consent({ pausedAt: new Date() }), june).state).toBe('paused');
    expect(sharingAt(consent({ endedAt: new Date() }), june).state).toBe('ended');
    expect(sharingAt(consent({ endsAt: new Date('2026-05-01T00:00:00Z') }), june).state).toBe('ended');
    expect(sharingAt(consent({ givenAt: new Date('2026-07-01T00:00:00Z') }), june).state).toBe('not_yet');
  });

  it('reads hours in the consent time zone, across midnight too', () => {
    // 15:30 UTC is 22:30 in Ho Chi Minh City (UTC+7).
    expect(withinHours({ from: '22:00', to: '06:00' }, 'Asia/Ho_Chi_Minh', at('2026-06-01T15:30:00Z'))).toBe(true);
    expect(withinHours({ from: '22:00', to: '06:00' }, 'Asia/Ho_Chi_Minh', at('2026-06-01T05:00:00Z'))).toBe(false);
    expect(withinHours({ from: '08:00', to: '17:00' }, 'Asia/Ho_Chi_Minh', at('2026-06-01T02:00:00Z'))).toBe(true);
    expect(withinHours({ from: '08:00', to: '17:00' }, 'Asia/Ho_Chi_Minh', at('2026-06-01T10:00:00Z'))).toBe(false);
    expect(sharingAt(consent({ hours: { from: '08:00', to: '17:00' } }), at('2026-06-01T10:00:00Z')).state).toBe('outside_hours');
  });

  it('keeps a clip only when shared at both ends and not resumed during it', () => {
    const hours = { from: '08:00', to: '17:00' };
    expect(clipAllowed(consent({ hours }), at('2026-06-01T02:00:00Z'), at('2026-06-01T02:00:30Z'))).toBe(true);
    expect(clipAllowed(consent({ hours }), at('2026-06-01T09:59:50Z'), at('2026-06-01T10:00:20Z'))).toBe(false);
    expect(clipAllowed(consent({ resumedAt: new Date('2026-06-01T02:00:10Z') }), at('2026-06-01T02:00:00Z'), at('2026-06-01T02:00:30Z'))).toBe(false);
    expect(clipAllowed(consent({ sharesClips: false }), at('2026-06-01T02:00:00Z'), at('2026-06-01T02:00:30Z'))).toBe(false);
  });
});
