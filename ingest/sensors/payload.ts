// The public MQTT contract for sensor readings (documented in ingest/sensors/README.md):
//   topic   cityops/sensors/{sensorId}/reading
//   payload { "ts": ISO-8601 with zone | epoch ms (optional), "value": number, "seq": integer (optional),
//             "battery": number (optional) }  — or an array of such objects (gateways, buffered devices).
// Every message ends either as readings to store or as dead letters with a reason; this module never
// throws on input, whatever bytes arrive.
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sensorIdFromTopic } from '@cityops/contract/mqtt-topics';
import type { SensorProfile } from '@cityops/devices/sensor-profile';
import { findJsonShapeProblem } from './json-shape.ts';
import { validRange } from './plausible-ranges.ts';

export const DEAD_LETTER_REASONS = [
  'bad_topic',
  'unknown_sensor',
  'sensor_disabled',
  'malformed_json',
  'invalid_utf8',
  'too_deep',
  'duplicate_key',
  'unsafe_key',
  'wrong_type',
  'non_finite',
  'out_of_range',
  'bad_timestamp',
  'future_timestamp',
  'too_large',
  // A bug in this module, not the device's fault; kept so the message is acknowledged and looked at.
  'decoder_error',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];


/** One reading as a device sends it. Unknown extra keys (rssi, firmware …) are allowed and ignored. */
export const sensorReadingSchema = z.object({
  ts: z.union([z.string(), z.number()]).optional(),
  value: z.number(),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  battery: z.number().optional(),
});
export type SensorReadingPayload = z.infer<typeof sensorReadingSchema>;

/** The batch form: the same objects in a JSON array, all for the topic's sensor. */
export const sensorReadingBatchSchema = z.array(z.unknown()).min(1);

export interface AcceptedReading {
  sensorId: string;
  tsMs: number;
  value: number;
  seq: number | null;
  battery: number | null;
  /**
   * True when the device sent no ts (the worker's clock was used) and the broker marked the message as a
   * redelivery: the store then recognises the copy by its seq instead of by (sensor, ts).
   */
  dedupeBySeq: boolean;
}

export interface DeadLetter {
  id: string;
  receivedAtMs: number;
  topic: string;
  sensorId: string | null;
  reason: DeadLetterReason;
  detail: string;
  /** The first `deadLetterExcerptBytes` of what was received (a copy: the message itself is not kept). */
  payload: Buffer;
  /** The size of the whole payload as received. */
  payloadBytes: number;
}

export interface DecodeLimits {
  /** Readings stamped further ahead of the worker's clock than this are refused (`future_timestamp`). */
  maxFutureSkewMs: number;
  /** Readings before this instant are refused (`bad_timestamp`): usually epoch seconds sent as ms. */
  earliestTsMs: number;
  maxPayloadBytes: number;
  maxBatchReadings: number;
  /** Arrays and objects nested deeper are refused before parsing (`too_deep`); a reading needs 2. */
  maxNestingDepth: number;
  /** How much of a refused payload is kept in its dead letter. */
  deadLetterExcerptBytes: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxFutureSkewMs: 5 * 60_000,
  earliestTsMs: Date.UTC(2000, 0, 1),
  maxPayloadBytes: 256 * 1024,
  maxBatchReadings: 5000,
  maxNestingDepth: 32,
  deadLetterExcerptBytes: 2048,
};

export interface DecodedMessage {
  readings: AcceptedReading[];
  deadLetters: DeadLetter[];
}

// Firmware printf("%f") of a NaN produces these bare words, which JSON cannot carry: report them as what
// they are rather than as a JSON syntax error.
const BARE_NON_FINITE = /(?<![A-Za-z"])(?:NaN|-?Infinity|-?inf|-?nan)(?![A-Za-z"])/;

/**
 * Total: whatever the topic and bytes, the result is readings and/or dead letters, never an exception —
 * a message that cannot be decoded must still be acknowledged, or the broker redelivers it forever.
 */
export function decodeReadingMessage(
  topic: string,
  payload: Buffer,
  receivedAtMs: number,
  lookup: (sensorId: string) => SensorProfile | undefined,
  options: { redelivered?: boolean; limits?: DecodeLimits } = {},
): DecodedMessage {
  const limits = options.limits ?? DEFAULT_DECODE_LIMITS;
  try {
    return decode(topic, payload, receivedAtMs, lookup, Boolean(options.redelivered), limits);
  } catch (error) {
    const letter = deadLetter(limits, receivedAtMs, topic, sensorIdFromTopic(topic) ?? null, 'decoder_error', `decoder failed: ${(error as Error)?.message}`, payload);
    return { readings: [], deadLetters: [letter] };
  }
}

const MAX_TOPIC_CHARS = 256;
const MAX_DETAIL_CHARS = 500;

function deadLetter(
  limits: DecodeLimits,
  receivedAtMs: number,
  topic: string,
  sensorId: string | null,
  reason: DeadLetterReason,
  detail: string,
  raw: Buffer,
): DeadLetter {
  return {
    id: randomUUID(),
    receivedAtMs,
    topic: printable(topic.slice(0, MAX_TOPIC_CHARS)),
    sensorId,
    reason,
    detail: printable(String(detail).slice(0, MAX_DETAIL_CHARS)),
    // A copy, so a dead letter never keeps a megabyte message alive while its batch waits.
    payload: Buffer.from(raw.subarray(0, limits.deadLetterExcerptBytes)),
    payloadBytes: raw.length,
  };
}

function decode(
  topic: string,
  payload: Buffer,
  receivedAtMs: number,
  lookup: (sensorId: string) => SensorProfile | undefined,
  redelivered: boolean,
  limits: DecodeLimits,
): DecodedMessage {
  const readings: AcceptedReading[] = [];
  const deadLetters: DeadLetter[] = [];
  const reject = (sensorId: string | null, reason: DeadLetterReason, detail: string, raw: Buffer = payload) =>
    deadLetters.push(deadLetter(limits, receivedAtMs, topic, sensorId, reason, detail, raw));

  const sensorId = sensorIdFromTopic(topic);
  if (!sensorId) {
    reject(null, 'bad_topic', 'topic must be cityops/sensors/{sensorId}/reading with an id of letters, digits, . _ -');
    return { readings, deadLetters };
  }
  const sensor = lookup(sensorId);
  if (!sensor) {
    reject(sensorId, 'unknown_sensor', `no sensor ${sensorId} is registered`);
    return { readings, deadLetters };
  }
  if (!sensor.enabled) {
    reject(sensorId, 'sensor_disabled', `sensor ${sensorId} is disabled in the registry`);
    return { readings, deadLetters };
  }
  if (payload.length > limits.maxPayloadBytes) {
    reject(sensorId, 'too_large', `payload of ${payload.length} bytes exceeds ${limits.maxPayloadBytes}`);
    return { readings, deadLetters };
  }
  if (payload.length === 0) {
    reject(sensorId, 'malformed_json', 'empty payload');
    return { readings, deadLetters };
  }
  // RFC 8259 JSON is UTF-8; decoding anything else would silently turn bytes into U+FFFD.
  if (!isUtf8(payload)) {
    reject(sensorId, 'invalid_utf8', 'payload is not valid UTF-8');
    return { readings, deadLetters };
  }
  const text = payload.toString('utf8');
  const shapeProblem = findJsonShapeProblem(text, limits.maxNestingDepth);
  if (shapeProblem) {
    reject(sensorId, shapeProblem.reason, shapeProblem.detail);
    return { readings, deadLetters };
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    if (BARE_NON_FINITE.test(text)) reject(sensorId, 'non_finite', 'value is NaN or Infinity, which JSON cannot carry');
    else reject(sensorId, 'malformed_json', `not JSON: ${(error as Error).message}`);
    return { readings, deadLetters };
  }

  if (Array.isArray(parsed)) {
    const batch = sensorReadingBatchSchema.safeParse(parsed);
    if (!batch.success) {
      reject(sensorId, 'wrong_type', 'a batch must be a non-empty array of readings');
      return { readings, deadLetters };
    }
    if (parsed.length > limits.maxBatchReadings) {
      reject(sensorId, 'too_large', `batch of ${parsed.length} readings exceeds ${limits.maxBatchReadings}`);
      return { readings, deadLetters };
    }
    // Each element stands alone: good readings of a batch are stored even when a neighbour is bad.
    for (let i = 0; i < parsed.length; i++) {
      const outcome = checkReading(parsed[i], sensor, receivedAtMs, limits);
      if ('reason' in outcome) reject(sensorId, outcome.reason, `[${i}] ${outcome.detail}`, elementBytes(parsed[i]));
      else readings.push({ ...outcome, dedupeBySeq: outcome.dedupeBySeq && redelivered });
    }
    return { readings, deadLetters };
  }

  const outcome = checkReading(parsed, sensor, receivedAtMs, limits);
  if ('reason' in outcome) reject(sensorId, outcome.reason, outcome.detail);
  else readings.push({ ...outcome, dedupeBySeq: outcome.dedupeBySeq && redelivered });
  return { readings, deadLetters };
}

/** The refused element of a batch, as JSON (its depth is bounded by the shape check, so this cannot overflow). */
function elementBytes(element: unknown): Buffer {
  return Buffer.from(JSON.stringify(element) ?? 'null');
}

type CheckOutcome = AcceptedReading | { reason: DeadLetterReason; detail: string };

function checkReading(candidate: unknown, sensor: SensorProfile, receivedAtMs: number, limits: DecodeLimits): CheckOutcome {
  // JSON numbers beyond ±1.8e308 parse to ±Infinity; zod would call that a wrong type, but it is a number
  // the device meant to send, so it gets its own reason.
  if (candidate && typeof candidate === 'object') {
    const value = (candidate as { value?: unknown }).value;
    if (typeof value === 'number' && !Number.isFinite(value)) return { reason: 'non_finite', detail: `value ${value} is not finite` };
  }
  const result = sensorReadingSchema.safeParse(candidate);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join('.') || 'reading';
    return { reason: 'wrong_type', detail: `${field}: ${issue.message}` };
  }
  const reading = result.data;
  // Volts or percent: either way far below this; the column is a 4-byte real, which overflows near 3.4e38.
  if (reading.battery !== undefined && Math.abs(reading.battery) > 100_000) {
    return { reason: 'out_of_range', detail: `battery ${reading.battery} is not a battery level (volts or percent)` };
  }

  let tsMs = receivedAtMs;
  const deviceSentTs = reading.ts !== undefined;
  if (deviceSentTs) {
    const parsedTs = parseTimestamp(reading.ts!);
    if (typeof parsedTs === 'string') return { reason: 'bad_timestamp', detail: parsedTs };
    tsMs = parsedTs;
    if (tsMs < limits.earliestTsMs) {
      return { reason: 'bad_timestamp', detail: `ts ${describeInstant(tsMs)} is before ${describeInstant(limits.earliestTsMs)} (epoch seconds sent as milliseconds?)` };
    }
    if (tsMs > receivedAtMs + limits.maxFutureSkewMs) {
      return {
        reason: 'future_timestamp',
        detail: `ts ${describeInstant(tsMs)} is ${Math.round((tsMs - receivedAtMs) / 1000)} s ahead of the worker clock (limit ${limits.maxFutureSkewMs / 1000} s)`,
      };
    }
  }

  const range = validRange(sensor.kind, sensor.settings);
  if (reading.value < range.min || reading.value > range.max) {
    return { reason: 'out_of_range', detail: `value ${reading.value} outside the possible range ${range.min} … ${range.max} ${sensor.unit}` };
  }
  return {
    sensorId: sensor.id,
    tsMs,
    value: reading.value,
    seq: reading.seq ?? null,
    battery: reading.battery ?? null,
    dedupeBySeq: !deviceSentTs && reading.seq !== undefined,
  };
}

/** PostgreSQL text cannot hold NUL; error messages may quote the device's bytes. */
function printable(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\\u0000') : text;
}

/** ECMAScript dates end at ±8.64e15 ms; `new Date(beyond).toISOString()` throws. */
const MAX_DATE_MS = 8.64e15;

function describeInstant(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : `${ms} ms`;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** ISO-8601 with a zone (Z or ±hh:mm) or epoch milliseconds; a message string explains any refusal. */
export function parseTimestamp(ts: string | number): number | string {
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts)) return `ts ${ts} is not finite`;
    if (Math.abs(ts) > MAX_DATE_MS) return `ts ${ts} is outside the range of dates`;
    return Math.round(ts);
  }
  if (!ISO_WITH_ZONE.test(ts)) return `ts "${ts.slice(0, 40)}" is not ISO-8601 with a zone (e.g. 2025-10-01T07:30:00+07:00) nor epoch ms`;
  // Date.parse rolls 2025-02-30 over to March; a device sending it has a broken clock, not a date.
  const [year, month, day] = ts.slice(0, 10).split('-').map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const ms = Date.parse(ts);
  if (Number.isNaN(ms) || month < 1 || month > 12 || day < 1 || day > daysInMonth) return `ts "${ts.slice(0, 40)}" is not a real date`;
  return ms;
}
