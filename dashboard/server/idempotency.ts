// The Idempotency-Key of state-changing requests (IETF draft-ietf-httpapi-idempotency-key-header). A
// phone on a weak link resends a request whose answer it never got (the field outbox,
// dashboard/web/src/field/outbox.ts) with the same key: the resend gets the first answer back, marked
// by the idempotent-replayed header, and nothing is done twice. The same key with another request
// (another path or body) is refused with 422. Keys are per user and kept a week (core/database/housekeeping.ts).
//
// The key is claimed inside the transaction that makes the change, so the change and the record of its
// answer commit together, or neither does (a refused request leaves the key free for a corrected one).
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Queryable } from '@cityops/core/database/pool';
import { AppError } from '@cityops/core/errors';
import { counter } from '@cityops/core/metrics';

/** The optional header of a state-changing route: any unique string the client makes up (a random UUID
 *  will do), reused only for a resend. Other headers pass through untouched. */
export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,128}$/, '8 to 128 letters, digits, - or _ (a random UUID will do)')
    .optional()
    .describe('A resend with the same key replays the first answer instead of acting twice'),
});

/** A request that carried an Idempotency-Key: who sent it, the key, and what it asked for. */
export interface IdempotentRequest {
  userId: number;
  key: string;
  /** Method and path, e.g. `POST /api/incidents/12/acknowledge`. */
  request: string;
  bodySha256: string;
  /** The route's pattern, for the metric. */
  route: string;
}

const replays = counter('cityops_idempotent_replays_total', 'requests answered from an earlier request with the same Idempotency-Key, by route and outcome', ['route', 'outcome']);

/** sha256 of the body as JSON; a file's bytes (a Buffer) count by their own hash. */
function bodyHash(body: unknown): string {
  const json = JSON.stringify(body ?? null, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return Buffer.isBuffer(raw) ? `sha256:${createHash('sha256').update(raw).digest('hex')}` : value;
  });
  return createHash('sha256').update(json).digest('hex');
}

/**
 * The request's key and what it asks for, or undefined without the header. `body` is what the route
 * acts on (by default the parsed JSON body; a multipart route passes its fields and file).
 */
export function idempotentRequest(request: FastifyRequest, body: unknown = request.body): IdempotentRequest | undefined {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || !request.user) return undefined;
  return {
    userId: request.user.id,
    key,
    request: `${request.method} ${request.url.split('?')[0]}`,
    bodySha256: bodyHash(body),
    route: request.routeOptions.url ?? 'unknown',
  };
}

export const keyReused = () =>
  new AppError('idempotency_key_reused', 'this Idempotency-Key was already used for another request; send a new key for a new action', 'idempotency-key');

/** An answer, and whether it is the replay of an earlier request's. */
export interface Replayable<T> {
  answer: T;
  replayed: boolean;
}

/**
 * Runs `work` once per key, inside the caller's transaction `tx`: the first request claims the key and
 * records `work`'s answer (JSON) with it; a resend gets that answer back without running `work`. A copy
 * sent while the first is still running waits for it (the claim's row lock), then replays its answer,
 * or runs itself if the first was refused. Without a key, `work` simply runs.
 */
export async function once<T>(tx: Queryable, request: IdempotentRequest | undefined, work: () => Promise<T>): Promise<Replayable<T>> {
  if (!request) return { answer: await work(), replayed: false };
  const claimed = await tx.query(
    `INSERT INTO idempotent_requests (user_id, idempotency_key, request, body_sha256) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`,
    [request.userId, request.key, request.request, request.bodySha256],
  );
  if (!claimed.rowCount) {
    const earlier = (await tx.query(`SELECT request, body_sha256, answer FROM idempotent_requests WHERE user_id = $1 AND idempotency_key = $2`, [request.userId, request.key])).rows[0];
    // Keys carried over from before body hashes were kept (migration 0077) compare by request only.
    const same = earlier && earlier.request === request.request && (earlier.body_sha256 === null || earlier.body_sha256 === request.bodySha256);
    if (!same) {
      replays.inc({ route: request.route, outcome: 'key_reused' });
      throw keyReused();
    }
    replays.inc({ route: request.route, outcome: 'replayed' });
    return { answer: earlier.answer as T, replayed: true };
  }
  const answer = await work();
  await tx.query(`UPDATE idempotent_requests SET answer = $3::jsonb WHERE user_id = $1 AND idempotency_key = $2`, [request.userId, request.key, JSON.stringify(answer ?? null)]);
  return { answer, replayed: false };
}

/** Marks a replayed answer for the client (the draft's advice), and returns the answer. */
export function replayed<T>(reply: FastifyReply, result: Replayable<T>): T {
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return result.answer;
}
