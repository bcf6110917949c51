// The API edge and the workers read the same codes two ways: the edge as HTTP statuses, the alert
// outbox as "refused, drop it" or "not now, retry". Both readings must agree, code by code.
import { describe, expect, it } from 'vitest';
import { AppError, isRefusal, REQUEST_ERROR_CODES, WORKER_ERROR_CODES } from '@cityops/core/errors';
import { httpStatusOf } from './http-errors.ts';

describe('error codes at the API edge', () => {
  it('answers a refusal with a 4xx and a "not now" with a 5xx', () => {
    for (const code of REQUEST_ERROR_CODES) {
      const error = new AppError(code, 'message');
      const status = httpStatusOf(error)!;
      expect([code, status >= 400 && status < 500]).toEqual([code, isRefusal(error)]);
      expect([code, status >= 400 && status < 600]).toEqual([code, true]);
    }
  });

  it('answers no worker code: those reaching a route are internal errors', () => {
    for (const code of WORKER_ERROR_CODES) {
      const error = new AppError(code, 'message');
      expect([code, httpStatusOf(error)]).toEqual([code, undefined]);
      expect([code, isRefusal(error)]).toEqual([code, false]);
    }
  });

  it('keeps the statuses the API has always answered', () => {
    const statusOf = (code: (typeof REQUEST_ERROR_CODES)[number]) => httpStatusOf(new AppError(code, 'message'));
    expect([statusOf('invalid'), statusOf('not_found'), statusOf('conflict'), statusOf('forbidden'), statusOf('unauthenticated')]).toEqual([400, 404, 409, 403, 401]);
    expect([statusOf('too_large'), statusOf('idempotency_key_reused'), statusOf('too_many_attempts'), statusOf('onvif_failed'), statusOf('camera_unassigned')]).toEqual([413, 422, 429, 502, 503]);
  });
});
