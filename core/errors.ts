// The one error type of CityOps. An error that crosses a boundary (a worker to its caller, a module to a
// route, a CLI to its operator) carries a stable code from the closed list below, a message a person can
// act on and, when one value is to blame, the offending field. It knows nothing of HTTP: the API edge
// (dashboard/server/http-errors.ts) maps the code to a status. Worker code branches on the code.

/** "Not now": retrying the same request later may succeed. Every other request code refuses the action itself. */
const TRANSIENT_REQUEST_CODES = [
  'unavailable',
  'onvif_failed',
  'camera_unassigned',
  'camera_offline',
  'worker_unreachable',
  // a camera-ingest worker's refusal of a snapshot, passed on by the api role
  'no_picture',
  'not_here',
  'unsigned',
  'expired',
  'bad_signature',
] as const;

/** Codes a request can be answered with (the API edge gives each its HTTP status). */
export const REQUEST_ERROR_CODES = [
  // the request itself
  'invalid',
  'invalid_file',
  'import_rejected',
  'invalid_trigger',
  'unknown_device',
  'not_an_image',
  'not_a_video',
  'too_large',
  'idempotency_key_reused',
  'onvif_no_media',
  'onvif_auth_failed',
  // what it names
  'not_found',
  'no_basemap',
  // the state it meets
  'conflict',
  'invalid_transition',
  'self_lockout',
  'not_pending',
  'totp_already_enabled',
  'totp_not_started',
  'live_unavailable',
  'clip_pending',
  'clip_saved',
  'clip_failed',
  'clip_deleted',
  // who asks
  'unauthenticated',
  'invalid_credentials',
  'invalid_code',
  'second_factor_required',
  'forbidden',
  'role_forbidden',
  'password_change_required',
  'second_factor_enrolment_required',
  'onvif_target_not_allowed',
  'too_many_attempts',
  // a private camera its owner does not share now (paused, ended, outside its hours, or that share not given)
  'not_shared',
  ...TRANSIENT_REQUEST_CODES,
] as const;

/** Codes of workers, CLIs and start-up: never an answer to a request (the API edge answers them as internal errors). */
export const WORKER_ERROR_CODES = [
  // configuration and start-up
  'config_invalid',
  'invalid_analysis_config',
  'unknown_model',
  'invalid_model_manifest',
  'unknown_decoder',
  'secret_key_invalid',
  'secret_unreadable',
  'embedded_database_unavailable',
  'database_unreachable',
  'migration_failed',
  'backup_failed',
  // model files and inference
  'model_missing',
  'model_corrupt',
  'model_checksum_mismatch',
  'model_download_failed',
  'model_output_mismatch',
  'model_not_batchable',
  'unsupported_input_size',
  'model_quality_gate_failed',
  'model_stale',
  'frame_invalid',
  // frames and video
  'bad_magic',
  'bad_header',
  'not_jpeg',
  'video_undecodable',
  'ffmpeg_failed',
  'invalid_camera_url',
  'invalid_geojson',
  'invalid_pmtiles',
  // MQTT sessions
  'session_in_use',
  'session_not_quiet',
  'session_drain_stopped',
  // the camera simulator (development and tests)
  'rtsp_protocol',
  'simulator_refused',
] as const;

export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];
export type ErrorCode = RequestErrorCode | (typeof WORKER_ERROR_CODES)[number];

const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(TRANSIENT_REQUEST_CODES);

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** True when the error refuses the action itself (invalid, not found, not allowed): retrying it cannot help. */
export const isRefusal = (error: unknown): error is AppError =>
  error instanceof AppError && (REQUEST_ERROR_CODES as readonly string[]).includes(error.code) && !TRANSIENT_CODES.has(error.code);

export const isRequestErrorCode = (code: unknown): code is RequestErrorCode => (REQUEST_ERROR_CODES as readonly unknown[]).includes(code);

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const conflict = (message: string, field?: string) => new AppError('conflict', message, field);
export const badRequest = (message: string, field?: string) => new AppError('invalid', message, field);
export const forbidden = (message = 'your role does not allow this') => new AppError('forbidden', message);

/**
 * Why a value was refused, as a code and parameters a screen translates ("too_small", {minimum: 1}),
 * beside the English message: every refusal a person can see is rendered in their language.
 */
export interface RefusalReason {
  reason: string;
  params?: Record<string, string | number | boolean>;
}

/** The reason of a schema (zod) issue: its code, and the limits or expectations it names. */
export function issueReason(issue: { code: string } & Record<string, unknown>): RefusalReason {
  const params: Record<string, string | number | boolean> = {};
  for (const key of ['expected', 'origin', 'format', 'inclusive', 'divisor'] as const) {
    const value = issue[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') params[key] = value;
  }
  for (const key of ['minimum', 'maximum'] as const) {
    const value = issue[key];
    if (typeof value === 'number' || typeof value === 'bigint') params[key] = Number(value);
  }
  for (const key of ['values', 'keys'] as const) {
    const value = issue[key];
    if (Array.isArray(value)) params[key] = value.map(String).join(', ');
  }
  return { reason: issue.code, ...(Object.keys(params).length ? { params } : {}) };
}
