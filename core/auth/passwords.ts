// scrypt (RFC 7914) from node:crypto: memory-hard, no native addon. Stored as
// "scrypt$N$r$p$salt$hash" so parameters can be raised later without breaking old hashes.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

/**
 * OWASP Password Storage Cheat Sheet: scrypt with N=2^17, r=8, p=1. That needs 128·N·r = 128 MiB per
 * hash (above node's 32 MiB default maxmem, hence `maxmem`) and about half a second of one core. At most
 * libuv's thread pool (4) run at once, and the login throttle bounds how many a guesser can start.
 */
export const SCRYPT_PARAMETERS = { N: 2 ** 17, r: 8, p: 1 } as const;
const memoryFor = (N: number, r: number) => 128 * N * r;

/** Stored parameters beyond these are not ours: refuse them rather than let a row ask for gigabytes. */
const isSane = (N: number, r: number, p: number) =>
  Number.isInteger(Math.log2(N)) && N >= 2 && N <= 2 ** 20 && Number.isInteger(r) && r >= 1 && r <= 32 && Number.isInteger(p) && p >= 1 && p <= 16;

export async function hashPassword(password: string): Promise<string> {
  const { N, r, p } = SCRYPT_PARAMETERS;
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, { N, r, p, maxmem: 2 * memoryFor(N, r) });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Checks a password against a stored hash, at the parameters stored with it (older hashes keep working). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, rr, pp, salt, hash] = stored.split('$');
  const [N, r, p] = [Number(n), Number(rr), Number(pp)];
  if (scheme !== 'scrypt' || !hash || !isSane(N, r, p)) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N, r, p, maxmem: 2 * memoryFor(N, r) });
  return timingSafeEqual(expected, actual);
}

/** True when a stored hash was made with weaker parameters than today's: rehash it at the next login. */
export function passwordNeedsRehash(stored: string): boolean {
  const [scheme, n, rr, pp] = stored.split('$');
  const { N, r, p } = SCRYPT_PARAMETERS;
  return scheme !== 'scrypt' || Number(n) < N || Number(rr) < r || Number(pp) < p;
}

/** A readable one-time password: 4 groups of 4 from an alphabet without look-alike characters. */
export function generateOneTimePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i > 0 && i % 4 === 0) out += '-';
    out += alphabet[bytes[i] % alphabet.length];
  }
  return out;
}
