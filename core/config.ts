// One typed configuration for every role. Sources, later wins: built-in defaults, an optional JSON
// file (CITYOPS_CONFIG_FILE), environment variables. Keys are the environment variable names so the
// README table, the compose file and error messages all use the same words.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from './errors.ts';

export const ROLES = ['api', 'camera-ingest', 'sensor-ingest', 'analytics'] as const;
export type Role = (typeof ROLES)[number];

const booleanFromString = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => value === true || value === 'true' || value === '1' || value === 'yes');

const port = z.coerce.number().int().min(0).max(65535);
const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};
const positiveInt = z.coerce.number().int().positive();

/** Fastify's trustProxy forms, as one string: true, a hop count, or addresses / CIDRs / proxy-addr's names. */
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
function isTrustProxy(value: string): boolean {
  if (value === 'true' || value === 'false' || /^\d+$/.test(value)) return true;
  return value.split(',').every((entry) => {
    const [address, bits, extra] = entry.trim().split('/');
    if (extra !== undefined) return false;
    if (TRUST_PROXY_NAMES.has(address) && bits === undefined) return true;
    const family = isIP(address);
    if (!family) return false;
    return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  });
}

/** TRUST_PROXY as Fastify's trustProxy option: nobody when unset. */
export function trustProxyOption(value: string | undefined): boolean | number | string[] {
  if (!value || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((entry) => entry.trim());
}

/** Every key, its default and the form it expects. Documented in README "Configuration". */
export const configSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1').describe('address the API and dashboard listen on'),
  PORT: port.default(8080).describe('HTTP port of the API and dashboard'),
  PUBLIC_URL: z.url().optional().describe('URL operators open; printed at start'),
  DATA_DIR: z.string().min(1).default('./data').describe('embedded database, broker state, clips, spool'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional()
    .describe('PostgreSQL/TimescaleDB; unset = embedded PostgreSQL under DATA_DIR'),
  DATABASE_OWNER_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional()
    .describe(
      'the owner role: migrations and partition maintenance run as it, and DATABASE_URL\'s role gets the grants it needs; unset = migrations run on DATABASE_URL (a warning is logged when that is a superuser)',
    ),
  DATABASE_ADMIN_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional()
    .describe(
      'a superuser, read only by `npm run db:setup` (compose runs it once): creates the roles of DATABASE_OWNER_URL and DATABASE_URL with their passwords, then migrates',
    ),
  PG_BIN_DIR: z
    .string()
    .optional()
    .describe(
      'directory holding pg_dump and pg_restore for `npm run backup` / `restore` with an external DATABASE_URL (at least the server\'s major version); unset = /usr/lib/postgresql/<N>/bin, then PATH',
    ),
  EMBEDDED_DATABASE_PORT: port.default(54329).describe('port of the embedded PostgreSQL'),
  MQTT_URL: z
    .string()
    .regex(/^mqtts?:\/\/|^wss?:\/\//, 'an mqtt://, mqtts://, ws:// or wss:// URL')
    .optional()
    .describe('MQTT broker; unset = embedded broker'),
  MQTT_USERNAME: z.string().optional().describe('service account for the CityOps roles on the broker'),
  MQTT_PASSWORD: z.string().optional().describe('password of MQTT_USERNAME'),
  EMBEDDED_MQTT_PORT: port.default(1884).describe('port of the embedded MQTT broker'),
  SECRET_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$|^[0-9a-fA-F]{64}$/, '32 bytes as 64 hex characters or 44 base64 characters')
    .optional()
    .describe('AES-256-GCM key for camera passwords; unset = generated once into DATA_DIR/secret.key'),
  ASSET_MIRROR_DIR: z.string().optional().describe('directory holding models/, video/, geo/ before downloading'),
  DETECT_MODEL: z.string().regex(/^[a-z0-9._-]+$/).default('yolox-nano').describe('detection model id (a manifest in models/, or one made by npm run models:quantize in DATA_DIR/models, e.g. yolox-nano-int8, loaded only if it passed its quality gate)'),
  DETECT_SESSIONS: z.coerce.number().int().min(1).max(64).default(1).describe('ONNX sessions run in parallel, shared by all cameras'),
  DETECT_INTRA_OP_THREADS: z.coerce.number().int().min(1).max(64).default(1).describe('threads inside one ONNX inference'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('JSON log level on stdout'),
  SESSION_IDLE_MINUTES: positiveInt.default(30).describe('a session ends after this long without a request'),
  SESSION_MAX_HOURS: z.coerce.number().positive().max(24 * 30).default(12).describe(
    'a session ends this long after login, however active (log in again each shift)',
  ),
  SESSION_RECHECK_SECONDS: z.coerce.number().positive().max(3600).default(15).describe(
    'how often open live sockets re-check their session; a socket of an expired session is closed within this time',
  ),
  LOGIN_MAX_ATTEMPTS_PER_MINUTE: positiveInt.default(10).describe(
    'failed logins (or second-factor codes) per user name before 429; an address gets 5 times as many across all user names',
  ),
  REQUIRE_2FA: booleanFromString.default(false).describe(
    'admins and engineers must use a TOTP second factor (RFC 6238 authenticator app); those without one enrol at their next login before anything else',
  ),
  TRUST_PROXY: z
    .string()
    .refine(isTrustProxy, 'comma-separated addresses or CIDRs (e.g. 127.0.0.1,10.0.0.0/8), loopback, linklocal, uniquelocal, a hop count, or true')
    .optional()
    .describe(
      'reverse proxies whose X-Forwarded-For/-Proto are believed; unset = none: the client is the TCP peer (a server facing browsers directly must trust nobody)',
    ),
  TLS_CERT_FILE: z.string().min(1).optional().describe('PEM certificate (chain) file: with TLS_KEY_FILE the API and dashboard serve HTTPS directly'),
  TLS_KEY_FILE: z.string().min(1).optional().describe('PEM private key file of TLS_CERT_FILE'),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000).describe(
    'a query waiting this long for a free pooled connection (or a new one) fails instead of queueing forever',
  ),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(120_000).describe(
    'PostgreSQL statement_timeout of the roles\' connections (a CSV download counts as one statement); 0 = none',
  ),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000).describe(
    'PostgreSQL idle_in_transaction_session_timeout: a transaction left open and idle this long is ended; 0 = none',
  ),
  SIMULATE: booleanFromString.optional().describe('run simulated cameras and sensors; default on when embedded'),
  SIMULATED_CAMERAS: z.coerce.number().int().min(0).default(4).describe('simulated cameras in the embedded start'),
  SIMULATED_SENSORS: z.coerce.number().int().min(0).default(12).describe('simulated sensors in the embedded start'),
  ADMIN_USERNAME: z.string().min(3).default('admin').describe('first admin, created with a one-time password'),
  SIM_RTSP_PORT: port.default(8554).describe('RTSP port of the camera simulator (embedded start)'),
  METRICS_TOKEN: z.string().min(16).optional().describe('bearer token a Prometheus scraper sends to /metrics'),
  MAP_STYLE_URL: z
    .string()
    .optional()
    .describe('MapLibre style URL for the dashboard basemap; unset = offline style (districts on a plain background)'),
  MAP_PMTILES_FILE: z
    .string()
    .optional()
    .describe('local .pmtiles basemap file served by CityOps at /api/web/basemap.pmtiles (air-gapped command rooms); make one from GeoJSON with `npm run basemap:build`'),
  LIVE_RECOVERY_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(120).describe(
    'a live client back within this many seconds gets missed events from socket.io itself; later, it resyncs by cursor',
  ),
  ALERT_NOTE_MAX_CHARS: z.coerce.number().int().min(100).max(100_000).default(4000).describe('longest note on an alert'),
  ALERT_PHOTO_MAX_BYTES: z.coerce.number().int().min(10_000).max(20 * 1024 * 1024).default(10 * 1024 * 1024).describe('largest field photo'),
  ALERT_OUTBOX_MAX_MB: z.coerce
    .number()
    .positive()
    .max(100_000)
    .default(200)
    .describe('disk each producer (camera-ingest, analytics) may use for alerts waiting out a database outage (DATA_DIR/alert-outbox); beyond it new alerts are dropped and counted'),
  CAP_SENDER: z.string().min(3).max(200).regex(/^[^\s,<&]+$/, 'no spaces, commas, < or &').default('cityops@localhost').describe(
    'CAP 1.2 <sender> of exported alerts and incidents (e.g. ops@hcmc.gov.vn)',
  ),
  OPEN_DATA_LICENCE: z.string().min(2).max(100).regex(/^[^\r\n]+$/, 'one line').default('CC-BY-4.0').describe(
    'licence of the public open data (/ngsi-ld/v1/entities, /api/open/*): named in every entity, file and answer (an SPDX id such as CC-BY-4.0 or ODbL-1.0)',
  ),
  OPEN_DATA_LICENCE_URL: z.url().default('https://creativecommons.org/licenses/by/4.0/').describe(
    'where the open data licence is written out (Link rel="license" header and the licenceUrl field)',
  ),
  OPEN_DATA_REQUESTS_PER_MINUTE: positiveInt.max(100_000).default(60).describe(
    'open data requests per network address per minute before 429 (counted in PostgreSQL, so across API processes)',
  ),
  CAMERA_OWNER_REQUESTS_PER_MINUTE: positiveInt.max(10_000).default(30).describe(
    'requests to the public camera-owner page (/camera-owner/{link}) per network address per minute before 429',
  ),
  OPEN_DATA_MAX_DAYS: positiveInt.max(366).default(31).describe(
    'longest time range one open data request may cover (hourly traffic counts and water levels)',
  ),
  REPORTS_PER_MINUTE_PER_ADDRESS: positiveInt.max(100_000).default(30).describe(
    'residents\' reports accepted per network address per minute before 429 (a mobile carrier puts many phones behind one address; the first ones always pass)',
  ),
  REPORTS_PER_MINUTE_PER_DEVICE: positiveInt.max(100_000).default(5).describe(
    'residents\' reports accepted per reporting device (the id the report page keeps) per minute before 429',
  ),
  REPORT_READS_PER_MINUTE: positiveInt.max(100_000).default(120).describe(
    'tracking-page requests (report state, photos, rating) per network address per minute before 429',
  ),
  REPORT_CONTACT_DAYS: positiveInt.max(3650).default(30).describe(
    'days a resident\'s phone number or e-mail is kept after their report\'s incident is resolved (or the report rejected); then it is deleted',
  ),
  OPEN_DATA_DAILY_FILES: booleanFromString.default(true).describe(
    'the api role writes each UTC day\'s open data files (CSV and JSON per dataset) after the day ends, served at /api/open/daily',
  ),
  LEADER_REPORTS_SCHEDULE: booleanFromString.default(true).describe(
    'the api role makes the daily (and, on Mondays, the weekly) operations report for leaders after midnight city time, in Vietnamese and English',
  ),
  REPORT_MEDIA_DIR: z.string().optional().describe('residents\' report photos and clips (files named by the database rows); default DATA_DIR/report-media; shared storage when several api processes take reports; in backups'),
  OPEN_DATA_DAILY_DIR: z.string().optional().describe('where the daily open data files are kept; default DATA_DIR/open-data/daily (shared storage when several api processes serve them)'),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg').describe('ffmpeg executable for camera ingest, clips and the camera simulator'),
  CAMERA_STALL_SECONDS: z.coerce.number().min(1).max(300).default(5).describe(
    'camera watchdog: no frame for this long → ffmpeg is killed and restarted (backoff 1 s … 60 s)',
  ),
  CAMERA_TAMPER_SECONDS: z.coerce.number().min(1).max(3600).default(10).describe(
    'a frozen or black picture, or a changed scene, must last this long before a camera_tamper alert',
  ),
  CAMERA_LEASE_SECONDS: z.coerce.number().min(2).max(600).default(15).describe(
    'camera-ingest workers hold cameras by leases of this length; a dead worker\'s cameras move within it',
  ),
  CAMERA_LIVE_HOST: z.string().min(1).default('127.0.0.1').describe('address the camera-ingest live-view server (signed HTTP-FLV, snapshots) listens on'),
  CAMERA_LIVE_PORT: port.default(0).describe('port of that server; 0 = any free port (the api role finds it in the database); fix it when a firewall sits in between'),
  CAMERA_LIVE_URL: z.url().optional().describe('URL browsers and the api role use to reach this worker\'s live-view server; default http://CAMERA_LIVE_HOST:port'),
  CAMERA_LIVE_URL_TTL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60).describe('a signed live-view URL must be opened within this many seconds'),
  CAMERA_SEGMENT_SECONDS: z.coerce.number().min(1).max(10).default(2).describe('length of the stream-copied segments of the rolling evidence buffer'),
  CAMERA_BUFFER_SECONDS: z.coerce.number().int().min(30).max(600).default(60).describe('rolling evidence buffer kept per camera'),
  CAMERA_BUFFER_MAX_MB: z.coerce.number().min(4).max(10_000).default(64).describe('disk cap of one camera\'s rolling buffer; oldest segments go first'),
  CAMERA_CLIPS_DIR: z.string().optional().describe('evidence clips (MP4 per alert); default DATA_DIR/clips; shared storage when workers run on several machines'),
  CAMERA_CLIP_RETENTION_DAYS: z.coerce.number().min(0.0001).max(3650).default(30).describe('evidence clips are deleted after this many days'),
  SENSOR_INGEST_SHARED_SUBSCRIPTION: booleanFromString.optional().describe(
    'sensor ingest joins an MQTT 5 shared subscription ($share/…); default on with an external MQTT_URL, off on the embedded broker (MQTT 3.1.1)',
  ),
  SENSOR_INGEST_SHARE_GROUP: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('cityops-sensor-ingest').describe('shared subscription group of the sensor-ingest workers'),
  SENSOR_INGEST_CLIENT_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional().describe(
    'MQTT client id of this sensor-ingest worker (its persistent session and spool); default cityops-sensor-ingest-<host>-<random>, made once and kept in DATA_DIR/sensor-ingest; unique per worker, never equal to a device username',
  ),
  SENSOR_INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(2000).describe('readings per database commit, at most'),
  SENSOR_INGEST_BATCH_MS: z.coerce.number().int().min(1).max(60_000).default(100).describe('longest a reading waits for its batch to fill'),
  SENSOR_INGEST_RECEIVE_MAXIMUM: z.coerce.number().int().min(1).max(65_535).default(65_535).describe(
    'MQTT 5: un-acknowledged readings the broker may send before the next commit; bounds worker memory',
  ),
  SENSOR_INGEST_SESSION_EXPIRY_SECONDS: positiveInt.default(86_400).describe('MQTT 5: how long the broker queues readings for a stopped worker'),
  SENSOR_MAX_FUTURE_SKEW_SECONDS: positiveInt.default(300).describe('readings stamped further ahead of the worker clock are dead-lettered'),
  SENSOR_DEAD_LETTER_QUOTA_PER_HOUR: z.coerce.number().int().min(0).max(1_000_000).default(20).describe(
    'refused messages stored as dead letters per device and clock hour (per worker); beyond, only counted',
  ),
  SENSOR_DEAD_LETTER_EXCERPT_BYTES: z.coerce.number().int().min(0).max(262_144).default(2048).describe(
    'bytes of a refused payload kept in its dead letter (its full size is recorded)',
  ),
  SENSOR_OFFLINE_CHECK_SECONDS: positiveInt.default(5).describe('how often silent sensors are looked for'),
  PUMP_CHECK_SECONDS: positiveInt.default(30).describe('how often pumps are checked against the level they drain (pump_failure)'),
  JOINT_RULES_CHECK_SECONDS: positiveInt.default(15).describe(
    'how often the joint rules are evaluated besides on every camera or sensor alert change (a camera situation leaving the window)',
  ),
  TIDE_FORECAST_EVERY_MINUTES: z.coerce.number().min(0.1).max(1440).default(10).describe('how often each tide gauge\'s forecast is fitted again (divided by SENSOR_SIM_TIME_FACTOR when simulating)'),
  TIDE_FORECAST_FIT_DAYS: z.coerce.number().min(2).max(90).default(30).describe('days of readings a tide forecast is fitted on, at most (2 at least are needed; 15 separate S2 from M2)'),
  TIDE_FORECAST_WARN_HOURS: z.coerce.number().min(0).max(48).default(6).describe('a tide alarm level expected within this many hours raises a sensor_forecast alert (0 = never)'),
  CITY_TIME_ZONE: z
    .string()
    .refine(isTimeZone, 'an IANA time zone such as Asia/Ho_Chi_Minh')
    .default('Asia/Ho_Chi_Minh')
    .describe('time zone of clock times the server writes into texts ("level III expected at 18:40")'),
  SENSOR_SIM_TIME_FACTOR: z.coerce.number().positive().max(100_000).default(60).describe(
    'sensor simulator: simulated seconds per real second (60 = a tide cycle in about 12 minutes)',
  ),
  SLOT_COUNT: z.coerce.number().int().min(0).max(100_000).optional().describe(
    'analysis slots (cameras analysed at once); unset = the measured capacity of the live analytics workers; 0 = none',
  ),
  SLOT_MIN_HOLD_SECONDS: z.coerce.number().int().min(1).max(3600).default(60).describe('a camera keeps an analysis slot at least this long (unless its stream dies)'),
  SLOT_ROUND_ROBIN_MINUTES: z.coerce.number().min(1).max(1440).default(30).describe('every watched camera is analysed at least once in this many minutes'),
  SLOT_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(200).max(60_000).default(2000).describe('how often the slot scheduler re-plans'),
  SLOT_SENSOR_RADIUS_METERS: z.coerce.number().min(0).max(100_000).default(1000).describe('cameras within this distance of a sensor in alarm get a slot'),
  SLOT_SENSOR_MIN_LEVEL: z.coerce.number().int().min(1).max(3).default(2).describe('lowest sensor alarm level (1-3) that gives nearby cameras a slot'),
  SLOT_RECENT_EVENT_MINUTES: z.coerce.number().min(0).max(1440).default(10).describe('an alert on a camera keeps it analysed this long after it was last seen'),
  SLOT_MOTION_THRESHOLD: z.coerce.number().min(0).max(255).default(3).describe('motion score (mean luma change, 0-255) from which a camera counts as moving'),
  SLOT_STREAM_STALE_SECONDS: z.coerce.number().min(1).max(3600).default(20).describe('a camera without a frame for this long counts as down for analysis slots'),
  SLOT_LEASE_SECONDS: z.coerce.number().min(2).max(600).default(15).describe('a dead analytics worker gives its slots back within this time'),
  SLOT_TIME_ZONE: z
    .string()
    .refine(isTimeZone, 'an IANA time zone such as Asia/Ho_Chi_Minh')
    .default('Asia/Ho_Chi_Minh')
    .describe('time zone of the cameras\' time-of-day priority windows'),
  CHEAP_TIER_REPORT_SECONDS: z.coerce.number().min(1).max(300).default(5).describe('how often camera-ingest writes motion and liveness per camera'),
  CAMERA_CHEAP_TIER_DECODE: z.enum(['keyframes', 'all']).default('keyframes').describe(
    'what cameras without an analysis slot decode: keyframes only (about a third of the CPU) or every frame at their detect rate',
  ),
  CAMERA_SLOT_DECODE: z.enum(['all', 'keyframes']).default('all').describe(
    'what cameras holding an analysis slot decode: every frame, sampled to their detect rate, or keyframes only when their detect rate is at most 1 fps (one analysed frame per GOP: exact on a 1 s GOP, fewer on a longer one; about a third of the decode CPU)',
  ),
  FRAME_TRANSPORT: z.enum(['auto', 'mqtt']).default('auto').describe(
    'how frames of cameras holding an analysis slot reach analytics: auto = the raw frame in memory when the analytics worker analysing the camera runs in the same process as camera-ingest (`npm start`, or `--role camera-ingest,analytics`: no JPEG encode, broker hop or decode), JPEG over MQTT to a worker elsewhere; mqtt = always JPEG over MQTT (every frame visible on cityops/frames/#)',
  ),
  ANALYTICS_FRAME_JPEG_QUALITY: z.coerce.number().int().min(30).max(100).default(80).describe('JPEG quality of frames sent from camera-ingest to analytics'),
  ANALYTICS_CAPACITY: z.coerce.number().int().min(0).max(10_000).optional().describe(
    'cameras this analytics worker offers to analyse; unset = measured from its inference speed at start',
  ),
  ANALYTICS_WORKER_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional().describe('id of this analytics worker; default analytics-<hostname>-<pid>'),
});

export type Config = z.infer<typeof configSchema> & {
  roles: Role[];
  embeddedDatabase: boolean;
  embeddedBroker: boolean;
  simulate: boolean;
  dataDir: string;
};

/** A setting (or several, comma-separated in `key`) is missing or wrong; `expected` says what it must be. */
export class ConfigError extends AppError {
  constructor(
    readonly key: string,
    readonly expected: string,
  ) {
    super('config_invalid', `Invalid configuration ${key}: expected ${expected}`, key);
    this.name = 'ConfigError';
  }
}

/** Parses `--role a,b` (or `--role a --role b`); no flag means every role in one process. */
export function parseRoles(argv: string[]): Role[] {
  const roles: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--role') roles.push(...(argv[++i] ?? '').split(','));
    else if (arg.startsWith('--role=')) roles.push(...arg.slice(7).split(','));
  }
  if (roles.length === 0) return [...ROLES];
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) throw new ConfigError('--role', `one of ${ROLES.join(', ')}`);
  }
  return [...new Set(roles)] as Role[];
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  argv: string[] = process.argv.slice(2),
): Config {
  let fileValues: Record<string, unknown> = {};
  const file = env.CITYOPS_CONFIG_FILE;
  if (file) {
    try {
      fileValues = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError('CITYOPS_CONFIG_FILE', `a readable JSON file (${(error as Error).message})`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const parsed = configSchema.safeParse({ ...fileValues, ...fromEnv });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.join('.') || '(root)';
    throw new ConfigError(key, issue.message);
  }
  const values = parsed.data;
  if (Boolean(values.TLS_CERT_FILE) !== Boolean(values.TLS_KEY_FILE)) {
    throw new ConfigError(values.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE', 'set together with the other TLS file, or neither');
  }
  const embeddedDatabase = !values.DATABASE_URL;
  const embeddedBroker = !values.MQTT_URL;
  return {
    ...values,
    roles: parseRoles(argv),
    embeddedDatabase,
    embeddedBroker,
    simulate: values.SIMULATE ?? (embeddedDatabase && embeddedBroker),
    dataDir: path.resolve(values.DATA_DIR),
  };
}
