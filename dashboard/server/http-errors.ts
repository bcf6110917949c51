// The API edge's half of the error type: which HTTP status answers each code. Only the edge knows HTTP;
// the code, message and field of an AppError go into the body unchanged.
import { AppError, isRequestErrorCode, type RequestErrorCode } from '@cityops/core/errors';

const HTTP_STATUS: Record<RequestErrorCode, number> = {
  invalid: 400,
  invalid_file: 400,
  import_rejected: 400,
  invalid_trigger: 400,
  unknown_device: 400,
  not_an_image: 400,
  not_a_video: 400,
  too_large: 413,
  idempotency_key_reused: 422,
  onvif_no_media: 422,
  onvif_auth_failed: 422,
  not_found: 404,
  no_basemap: 404,
  conflict: 409,
  invalid_transition: 409,
  self_lockout: 409,
  not_pending: 409,
  totp_already_enabled: 409,
  totp_not_started: 409,
  live_unavailable: 409,
  clip_pending: 409,
  clip_saved: 409,
  clip_failed: 409,
  clip_deleted: 409,
  unauthenticated: 401,
  invalid_credentials: 401,
  invalid_code: 401,
  second_factor_required: 401,
  forbidden: 403,
  role_forbidden: 403,
  password_change_required: 403,
  second_factor_enrolment_required: 403,
  onvif_target_not_allowed: 403,
  not_shared: 403,
  too_many_attempts: 429,
  unavailable: 503,
  onvif_failed: 502,
  camera_unassigned: 503,
  camera_offline: 503,
  worker_unreachable: 503,
  no_picture: 503,
  not_here: 503,
  unsigned: 503,
  expired: 503,
  bad_signature: 503,
};

/**
 * The status that answers an AppError, or undefined for a worker's code (a model file, a broker session):
 * such an error reaching a route is a fault of the server, answered as an internal error.
 */
export function httpStatusOf(error: AppError): number | undefined {
  return isRequestErrorCode(error.code) ? HTTP_STATUS[error.code] : undefined;
}
