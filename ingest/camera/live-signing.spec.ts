import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkCameraAccess, signCameraAccess, signedLiveUrl } from './live-signing.ts';

const key = randomBytes(32);
const inOneMinute = () => Math.floor(Date.now() / 1000) + 60;
const query = (values: Record<string, string>) => new URLSearchParams(values);

describe('signed camera URLs', () => {
  it('grants what was signed: purpose, camera, subject, until the expiry', () => {
    const signed = signCameraAccess(key, 'live', 'cam-001', inOneMinute(), '42');
    expect(checkCameraAccess(key, 'live', 'cam-001', query({ ...signed }))).toEqual({ ok: true, subject: '42' });
    expect(checkCameraAccess(key, 'snapshot', 'cam-001', query({ ...signed }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(checkCameraAccess(key, 'live', 'cam-002', query({ ...signed }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(checkCameraAccess(key, 'live', 'cam-001', query({ ...signed, sub: '43' }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(checkCameraAccess(key, 'live', 'cam-001', query({ ...signed, exp: String(inOneMinute() + 3600) }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(checkCameraAccess(randomBytes(32), 'live', 'cam-001', query({ ...signed }))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses unsigned and expired requests', () => {
    expect(checkCameraAccess(key, 'live', 'cam-001', query({}))).toEqual({ ok: false, reason: 'unsigned' });
    const past = signCameraAccess(key, 'live', 'cam-001', Math.floor(Date.now() / 1000) - 1, '42');
    expect(checkCameraAccess(key, 'live', 'cam-001', query({ ...past }))).toEqual({ ok: false, reason: 'expired' });
  });

  it('builds the worker URL mpegts.js opens', () => {
    const { url, expiresAt } = signedLiveUrl('http://10.0.0.7:8091/', key, 'cam.001', 30, '7');
    expect(url).toMatch(/^http:\/\/10\.0\.0\.7:8091\/live\/cam\.001\.flv\?exp=\d+&sub=7&sig=[\w-]{43}$/);
    expect(expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(30_000);
  });
});
