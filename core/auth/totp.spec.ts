import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUri, totp, totpStep } from './totp.ts';

// RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to the hash's key length; 8 digits.
const SEEDS = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};
const RFC_6238: Array<[number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(RFC_6238)('matches the RFC test vectors at T=%i', (seconds, sha1, sha256, sha512) => {
    expect(totp(SEEDS.sha1, seconds * 1000, 8, 'sha1')).toBe(sha1);
    expect(totp(SEEDS.sha256, seconds * 1000, 8, 'sha256')).toBe(sha256);
    expect(totp(SEEDS.sha512, seconds * 1000, 8, 'sha512')).toBe(sha512);
  });

  it('matches the HOTP test vectors of RFC 4226 Appendix D (6 digits)', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(SEEDS.sha1, counter))).toEqual(expected);
  });

  it('round-trips base32 (RFC 4648) as authenticator apps expect', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('mzxw 6ytb oi======').toString()).toBe('foobar');
    expect(base32Decode(base32Encode(SEEDS.sha1))).toEqual(SEEDS.sha1);
  });

  it('accepts a code of this step or one either side, once, and nothing older', () => {
    const now = 1_700_000_000_000;
    const code = totp(SEEDS.sha1, now);
    const step = totpStep(now);
    expect(matchTotp(SEEDS.sha1, code, now, null)).toBe(step);
    expect(matchTotp(SEEDS.sha1, code, now + 30_000, null)).toBe(step);
    expect(matchTotp(SEEDS.sha1, code, now + 90_000, null)).toBeUndefined();
    // Replay: the same code after it was used, or an older one.
    expect(matchTotp(SEEDS.sha1, code, now, step)).toBeUndefined();
    expect(matchTotp(SEEDS.sha1, totp(SEEDS.sha1, now - 30_000), now, step)).toBeUndefined();
    expect(matchTotp(SEEDS.sha1, '12345', now, null)).toBeUndefined();
  });

  it('writes the otpauth:// URI of the Key Uri Format', () => {
    expect(otpauthUri(Buffer.from('foobar'), 'lan.nguyen')).toBe(
      'otpauth://totp/CityOps:lan.nguyen?secret=MZXW6YTBOI&issuer=CityOps&algorithm=SHA1&digits=6&period=30',
    );
  });
});
