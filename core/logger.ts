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

/** Strips user:password@ from URLs before they are logged or shown. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^/@:]+)(:[^/@]*)?@/, '//$1:***@');
}
