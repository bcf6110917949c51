// The one error type of CityOps. An error that crosses a boundary (a worker to its caller, a module to a
// route, a CLI to its operator) carries a stable code from a closed list, a message a person can act on
// and, when one value is to blame, the offending field. The request codes (what a screen can be answered
// with) live in contract/server-codes.ts, where the web words each one in the reader's language; the
// worker codes are below. It knows nothing of HTTP: the API edge (dashboard/server/http-errors.ts) maps
// the code to a status. Worker code branches on the code.

import { REQUEST_ERROR_CODES, TRANSIENT_REQUEST_CODES, type RefusalReasonCode, type RequestErrorCode, type RequestRefusal, type Thing } from '@cityops/contract/server-codes';

export { REQUEST_ERROR_CODES, type RequestErrorCode };

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

export type ErrorCode = RequestErrorCode | (typeof WORKER_ERROR_CODES)[number];

const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(TRANSIENT_REQUEST_CODES);

export class AppError extends Error {
  readonly refusal?: RefusalReason;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    options?: ErrorOptions & { refusal?: RefusalReason },
  ) {
    super(message, options);
    this.name = 'AppError';
    // Why, as a code and parameters a screen words in its reader's language (the message stays English).
    this.refusal = options?.refusal;
  }
}

/** True when the error refuses the action itself (invalid, not found, not allowed): retrying it cannot help. */
export const isRefusal = (error: unknown): error is AppError =>
  error instanceof AppError && (REQUEST_ERROR_CODES as readonly string[]).includes(error.code) && !TRANSIENT_CODES.has(error.code);

export const isRequestErrorCode = (code: unknown): code is RequestErrorCode => (REQUEST_ERROR_CODES as readonly unknown[]).includes(code);

// The generic refusals need a reason (contract/server-codes.ts REQUEST_REASONS): their code alone cannot
// tell a person what to fix, and the English message is not theirs to read.
/** `what` (a code of THINGS) with `id` is not there; the message defaults to "camera 5 not found". */
export const notFound = (what: Thing, id: string | number = '', message = `${what.replaceAll('_', ' ')}${id === '' ? '' : ` ${id}`} not found`, field?: string) =>
  new AppError('not_found', message, field, { refusal: { reason: 'not_found', params: { what, id } } });
export const conflict = (message: string, field: string | undefined, refusal: RequestRefusal) => new AppError('conflict', message, field, { refusal });
export const badRequest = (message: string, field: string | undefined, refusal: RequestRefusal | RefusalReason) => new AppError('invalid', message, field, { refusal });
export const forbidden = (message = 'your role does not allow this') => new AppError('forbidden', message);

/**
 * Why a value was refused, as a code and parameters a screen translates ("too_small", {minimum: 1}),
 * beside the English message: every refusal a person can see is rendered in their language.
 */
export interface RefusalReason {
  reason: RefusalReasonCode | RequestRefusal['reason'];
  params?: Record<string, string | number | boolean>;
}

/** The reason of a schema (zod) issue: its code, and the limits or expectations it names. */
export function issueReason(issue: { code: string } & Record<string, unknown>): RefusalReason {
  // A value not given at all is "required", not "must be of type string" (zod words it as received undefined).
  if (issue.code === 'invalid_type' && (('input' in issue && issue.input === undefined) || /received undefined$/.test(String(issue.message)))) return { reason: 'required' };
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
  return { reason: issue.code as RefusalReasonCode, ...(Object.keys(params).length ? { params } : {}) };
}
