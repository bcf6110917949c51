// The codes of everything the server can say to a screen, typed once for server and browser: the
// server sends a code (and parameters) beside its English message, the web words it in the reader's
// language (dashboard/web/src/server-messages.ts), and a test fails when a code here has no text there
// (tests/foundation/server-messages.test.ts).

/** "Not now": retrying the same request later may succeed. Every other request code refuses the action itself. */
export const TRANSIENT_REQUEST_CODES = [
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
export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];

/**
 * Codes answered outside the one error type: the API edge's own (an unexpected failure, a framework
 * refusal, the database busy), the open-data files' and the live relay's.
 */
export const EDGE_ERROR_CODES = ['internal', 'bad_request', 'database_unavailable', 'database_timeout', 'method_not_allowed', 'relay_unavailable'] as const;
export type EdgeErrorCode = (typeof EDGE_ERROR_CODES)[number];

/** Every error code a screen can receive from the server. */
export type ServerErrorCode = RequestErrorCode | EdgeErrorCode;

/**
 * Why a value was refused: the issue kinds of a schema (zod) refusal, sent as `reason` beside code
 * `invalid` with their limits as `params` (core/errors.ts issueReason).
 */
export const REFUSAL_REASONS = [
  'invalid_type',
  'too_big',
  'too_small',
  'invalid_format',
  'not_multiple_of',
  'unrecognized_keys',
  'invalid_union',
  'invalid_key',
  'invalid_element',
  'invalid_value',
  'custom',
] as const;
export type RefusalReasonCode = (typeof REFUSAL_REASONS)[number];

/** The reasons of bulk-import row errors other than schema issues (which carry a refusal reason). */
export const IMPORT_ROW_REASONS = ['not_feature_collection', 'too_many_rows', 'too_many_zone_points', 'unknown_type', 'duplicate_in_file', 'no_rows', 'already_exists'] as const;
export type ImportRowReason = (typeof IMPORT_ROW_REASONS)[number];

/** What the analysis-slot scheduler tells the engineer about its plan (analytics/slots/scheduler.ts). */
export const SLOT_NOTICE_CODES = ['no_slots', 'more_pinned_than_slots', 'round_robin_short'] as const;
export type SlotNoticeCode = (typeof SLOT_NOTICE_CODES)[number];

/**
 * Why a camera is not online: the stream's failures (ingest/camera/ffmpeg.ts), the pipeline's states,
 * the picture's conditions, and the two the status query gives a camera no worker holds.
 */
export const CAMERA_STATUS_REASONS = [
  'auth_failed',
  'not_found',
  'unavailable',
  'unreachable',
  'timeout',
  'not_rtsp',
  'invalid_data',
  'no_video',
  'connecting',
  'stalled',
  'exited',
  'unsupported_codec',
  'config_error',
  'low_fps',
  'frozen',
  'black',
  'scene_change',
  'unassigned',
  'disabled',
] as const;
export type CameraStatusReason = (typeof CAMERA_STATUS_REASONS)[number];

/**
 * Why a request with a generic code (invalid, conflict, not_found) was refused, sent as `reason` beside
 * the English message, each with the names of its `params`. Adding a reason is one line here plus its
 * texts in dashboard/web/src/server-messages.ts (a missing text does not compile). A param named `what`
 * or `unit` holds a code of THINGS or UNITS, so the web words it too.
 */
export const REQUEST_REASONS = {
  // what it names
  not_found: ['what', 'id'],
  does_not_exist: ['what', 'id'],
  not_part_of_incident: ['what', 'id', 'incident'],
  // the request itself
  required: [],
  from_after_to: [],
  from_after_horizon: [],
  range_too_long: ['maximum', 'unit'],
  too_many_buckets: ['maximum'],
  lat_lon_pair: [],
  place_required: [],
  outside_city: [],
  note_required: [],
  reopen_reason_required: [],
  team_required: [],
  photo_required: [],
  multipart_required: [],
  unexpected_file: ['field'],
  too_many_files: ['maximum', 'what'],
  clip_too_long: ['maximum'],
  merge_sources_required: [],
  merge_into_itself: ['id'],
  split_items_required: [],
  split_everything: ['id'],
  false_alarm_needs_resolve: [],
  onvif_device_url: [],
  position_in_future: [],
  period_not_started: [],
  not_tide_gauge: ['id'],
  sensor_not_placed: ['id'],
  sensor_level_unset: ['id', 'level'],
  agency_url_required: [],
  agency_disabled: ['name'],
  user_disabled: ['id'],
  // the framework's own refusals of a request's form (dashboard/server/app.ts)
  malformed_json: [],
  unsupported_media_type: ['type'],
  body_too_large: [],
  no_route: ['method', 'path'],
  // the state it meets
  already_assigned: ['team', 'by', 'at'],
  assigned_by_other: ['team', 'by', 'at'],
  assigned_same_moment: [],
  already_handed: ['incident', 'agency'],
  alert_in_other_incident: ['alert', 'incident'],
  default_policy_undeletable: [],
  off_duty: [],
  report_already_rejected: ['code', 'by'],
  report_already_rated: ['code'],
  // a rule of the database the request broke (dashboard/server/database-errors.ts)
  already_taken: [],
  dangling_reference: [],
  rule_broken: ['rule'],
  out_of_range: [],
} as const satisfies Record<string, readonly string[]>;
export type RequestReason = keyof typeof REQUEST_REASONS;

/** A request refusal's reason with exactly the parameters its line above names. */
export type RequestRefusal = {
  [R in RequestReason]: (typeof REQUEST_REASONS)[R] extends readonly [] ? { reason: R; params?: undefined } : { reason: R; params: Record<(typeof REQUEST_REASONS)[R][number], string | number> };
}[RequestReason];

/** What a `not_found` or `does_not_exist` refusal names (its `what`). */
export const THINGS = [
  'camera',
  'sensor',
  'district',
  'camera_owner',
  'owner_link',
  'consent',
  'simulated_camera',
  'alert',
  'alert_clip',
  'snapshot',
  'photo',
  'clip',
  'incident',
  'call',
  'team',
  'team_member',
  'user',
  'agency',
  'handoff',
  'assignment',
  'dispatch_policy',
  'link_rule',
  'joint_rule',
  'camera_rule',
  'report',
] as const;
export type Thing = (typeof THINGS)[number];

/** The units of a `range_too_long`. */
export const UNITS = ['days', 'hours'] as const;
export type Unit = (typeof UNITS)[number];
