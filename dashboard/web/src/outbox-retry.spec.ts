import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import { isTransient, newIdempotencyKey, retryDelayMs } from './outbox-retry.ts';

describe('the retry rules of the phone outboxes', () => {
  it('keeps for later what may succeed on a retry and drops what the server refused', () => {
    expect(isTransient(new ApiError(0, 'network', 'Failed to fetch'))).toBe(true);
    expect(isTransient(new ApiError(401, 'unauthenticated', 'log in'))).toBe(true);
    expect(isTransient(new ApiError(503, 'unavailable', 'down'))).toBe(true);
    expect(isTransient(new ApiError(429, 'rate_limited', 'slow down'))).toBe(true);
    expect(isTransient(new TypeError('something odd'))).toBe(true);
    expect(isTransient(new ApiError(409, 'invalid_transition', 'already resolved'))).toBe(false);
    expect(isTransient(new ApiError(403, 'forbidden', 'not your team'))).toBe(false);
    expect(isTransient(new ApiError(404, 'not_found', 'gone'))).toBe(false);
    expect(isTransient(new ApiError(400, 'not_an_image', 'not an image'))).toBe(false);
  });

  it('backs off from 5 s, doubling, to at most 5 minutes, within ±25 %', () => {
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(failures, 0.5))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(30, 0.5)).toBe(300_000);
    expect(retryDelayMs(1, 0)).toBe(3_750);
    expect(retryDelayMs(1, 1)).toBe(6_250);
  });

  it('makes a new key for every action, in the form the server accepts', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(1000);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
  });
});
