// When a queue kept on the phone (the field outbox, the residents' report outbox) tries again, and with
// which key: the rules both share, so a phone coming back online behaves the same on either page.
import { ApiError } from './api.ts';

const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;

/** A random key from the browser's CSPRNG (crypto.randomUUID needs a secure context; this does not). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The wait before retry number `failures` (1, 2, …): 5 s, 10 s, 20 s… up to 5 min, ±25 % so a
 *  district's phones coming back together do not all call at once. */
export function retryDelayMs(failures: number, random = Math.random()): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), MAX_RETRY_MS) * (0.75 + random / 2);
}

/** Worth trying again later: no answer, a timeout, the session gone (until logged in again), an overloaded or failing server. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 401 || error.status === 408 || error.status === 429 || error.status >= 500;
}
