// Structured JSON logs (pino). Secrets are redacted by key so a camera password or a session token
// can never reach a log line, whatever object a caller passes.
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACTED_KEYS = [
  'password',
  'passwordHash',
  'secret',
  'token',
  'cookie',
  'authorization',
  'rtspPassword',
  'mqttPassword',
  'SECRET_KEY',
  'DATABASE_URL',
  'DATABASE_OWNER_URL',
  'DATABASE_ADMIN_URL',
  'MQTT_PASSWORD',
];

export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  name = 'cityops',
  destination?: NodeJS.WritableStream,
): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: [...REDACTED_KEYS, ...REDACTED_KEYS.map((key) => `*.${key}`), 'req.headers.cookie', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Query parameters that carry credentials in the URLs of cameras and other devices (`?user=admin&pwd=…`,
 * `?token=…`): what Hikvision, Dahua, Xiongmai/XMEye, Foscam and cloud relays use. Matched whole and
 * case-insensitively; the camera registry stores them encrypted and redactUrl hides them.
 */
export const CREDENTIAL_QUERY_PARAM =
  /^(user|username|usr|login|loginuse|account|password|passwd|pass|pwd|psw|loginpas|token|access_token|auth|authkey|apikey|api_key|key|secret)$/i;

/** Strips user:password@ and credential query values from URLs before they are logged or shown. */
export function redactUrl(url: string): string {
  return url
    .replace(/\/\/([^/@:\s]+)(:[^/@\s]*)?@/g, '//$1:***@')
    // The value runs to the next separator or space: a closing quote around a URL in an ffmpeg
    // message is hidden with it rather than risking the rest of a password with a quote in it.
    .replace(/([?&;])([^=&;?#\s]+)=([^&;#\s]*)/g, (match, separator: string, name: string) =>
      CREDENTIAL_QUERY_PARAM.test(name) ? `${separator}${name}=***` : match,
    );
}
