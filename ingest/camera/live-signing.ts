// Short-lived signed URLs for live video and snapshots. The api role signs (for a logged-in user, and
// audits it); the camera-ingest worker that serves the video checks the signature and the expiry
// without a database round trip. HMAC-SHA256 over purpose, camera, expiry and subject, with a key
// kept in PostgreSQL encrypted by SECRET_KEY, so every api and worker process shares it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '@cityops/core/database/pool';
import type { SecretBox } from '@cityops/core/secret-box';
import { offerLiveSigningKey, readLiveSigningKey } from './live-repository.ts';

/** `evidence`: one opening of an evidence clip by a user (dashboard/server/alerts/evidence-routes.ts). */
export type SignedPurpose = 'live' | 'snapshot' | 'evidence';

export async function loadLiveSigningKey(db: Queryable, secretBox: SecretBox): Promise<Buffer> {
  await offerLiveSigningKey(db, secretBox.encrypt(randomBytes(32).toString('base64')));
  return Buffer.from(secretBox.decrypt(await readLiveSigningKey(db)), 'base64');
}

function signature(key: Buffer, purpose: SignedPurpose, cameraId: string, expiresAt: number, subject: string): string {
  return createHmac('sha256', key).update(`${purpose}\n${cameraId}\n${expiresAt}\n${subject}`).digest('base64url');
}

export interface SignedQuery {
  exp: string;
  sub: string;
  sig: string;
}

/** Query parameters granting `subject` (a user id, or `api`) `purpose` on a camera until `expiresAt` (s). */
export function signCameraAccess(key: Buffer, purpose: SignedPurpose, cameraId: string, expiresAt: number, subject: string): SignedQuery {
  return { exp: String(expiresAt), sub: subject, sig: signature(key, purpose, cameraId, expiresAt, subject) };
}

export type SignatureCheck = { ok: true; subject: string } | { ok: false; reason: 'unsigned' | 'expired' | 'bad_signature' };

export function checkCameraAccess(key: Buffer, purpose: SignedPurpose, cameraId: string, query: URLSearchParams, nowMs = Date.now()): SignatureCheck {
  const exp = query.get('exp');
  const sub = query.get('sub');
  const sig = query.get('sig');
  if (!exp || !sub || !sig || !/^\d{1,12}$/.test(exp)) return { ok: false, reason: 'unsigned' };
  const expected = Buffer.from(signature(key, purpose, cameraId, Number(exp), sub));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  if (Number(exp) * 1000 < nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, subject: sub };
}

/** The browser-facing live URL on the worker's live-view server. */
export function signedLiveUrl(workerBaseUrl: string, key: Buffer, cameraId: string, ttlSeconds: number, subject: string): { url: string; expiresAt: Date } {
  const expiresAt = Math.floor(Date.now() / 1000) + ttlSeconds;
  const query = new URLSearchParams({ ...signCameraAccess(key, 'live', cameraId, expiresAt, subject) });
  return { url: `${workerBaseUrl.replace(/\/$/, '')}/live/${encodeURIComponent(cameraId)}.flv?${query}`, expiresAt: new Date(expiresAt * 1000) };
}

export function signedSnapshotUrl(workerBaseUrl: string, key: Buffer, cameraId: string, subject: string): string {
  const expiresAt = Math.floor(Date.now() / 1000) + 30;
  const query = new URLSearchParams({ ...signCameraAccess(key, 'snapshot', cameraId, expiresAt, subject) });
  return `${workerBaseUrl.replace(/\/$/, '')}/snapshot/${encodeURIComponent(cameraId)}.jpg?${query}`;
}
