import { describe, expect, it } from 'vitest';
import type { SensorProfile } from '@cityops/devices/sensor-profile';
import { sensorIdFromTopic } from '@cityops/contract/mqtt-topics';
import { decodeReadingMessage, parseTimestamp } from './payload.ts';

const now = Date.UTC(2025, 9, 1, 0, 30);
const gauge: SensorProfile = {
  id: 'tide-001',
  name: 'Phú An',
  kind: 'tide_level',
  unit: 'm',
  enabled: true,
  lat: null,
  lon: null,
  districtId: null,
  level1: 1.5,
  level2: 1.6,
  level3: 1.7,
  hysteresis: 0.03,
  expectedIntervalSeconds: 60,
  settings: { validMin: -3, validMax: 5 },
};
const sensors = new Map([[gauge.id, gauge], ['off-1', { ...gauge, id: 'off-1', enabled: false }]]);
const lookup = (id: string) => sensors.get(id);
const topic = 'cityops/sensors/tide-001/reading';
const decode = (payload: string | Buffer, onTopic = topic, redelivered = false) =>
  decodeReadingMessage(onTopic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload), now, lookup, { redelivered });
const reasonOf = (payload: string | Buffer, onTopic = topic) => decode(payload, onTopic).deadLetters.map((letter) => letter.reason);

describe('sensor reading payload', () => {
  it('accepts a reading with an ISO timestamp, seq and battery', () => {
    const { readings, deadLetters } = decode('{"ts":"2025-10-01T07:29:00+07:00","value":1.52,"seq":7,"battery":3.7}');
    expect(deadLetters).toEqual([]);
    expect(readings).toEqual([{ sensorId: 'tide-001', tsMs: Date.UTC(2025, 9, 1, 0, 29), value: 1.52, seq: 7, battery: 3.7, dedupeBySeq: false }]);
  });

  it('accepts epoch milliseconds and uses the worker clock when ts is absent', () => {
    expect(decode(`{"ts":${now - 1000},"value":1}`).readings[0].tsMs).toBe(now - 1000);
    expect(decode('{"value":1}').readings[0].tsMs).toBe(now);
  });

  it('marks a redelivered reading without ts for dedupe by seq', () => {
    expect(decode('{"value":1,"seq":3}', topic, true).readings[0].dedupeBySeq).toBe(true);
    expect(decode('{"value":1,"seq":3}', topic, false).readings[0].dedupeBySeq).toBe(false);
    expect(decode(`{"ts":${now},"value":1,"seq":3}`, topic, true).readings[0].dedupeBySeq).toBe(false);
  });

  it('stores the good readings of a batch and dead-letters the bad ones by index', () => {
    const { readings, deadLetters } = decode(JSON.stringify([{ ts: now - 2000, value: 1 }, { ts: now - 1000, value: 'high' }, { ts: now, value: 1.1 }]));
    expect(readings.map((reading) => reading.value)).toEqual([1, 1.1]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ reason: 'wrong_type', sensorId: 'tide-001' });
    expect(deadLetters[0].detail).toMatch(/^\[1\] value/);
    expect(JSON.parse(deadLetters[0].payload.toString())).toEqual({ ts: now - 1000, value: 'high' });
  });

  it('gives every kind of bad input its own reason', () => {
    expect(reasonOf('{"value":1}', 'cityops/sensors/bad id!/reading')).toEqual(['bad_topic']);
    expect(reasonOf('{"value":1}', 'cityops/sensors/nobody/reading')).toEqual(['unknown_sensor']);
    expect(reasonOf('{"value":1}', 'cityops/sensors/off-1/reading')).toEqual(['sensor_disabled']);
    expect(reasonOf('{"value":1')).toEqual(['malformed_json']);
    expect(reasonOf('{"value":1}{"value":2}')).toEqual(['malformed_json']);
    expect(reasonOf('')).toEqual(['malformed_json']);
    expect(reasonOf('{"value":"1.5"}')).toEqual(['wrong_type']);
    expect(reasonOf('{"level":1.5}')).toEqual(['wrong_type']);
    expect(reasonOf('42')).toEqual(['wrong_type']);
    expect(reasonOf('[]')).toEqual(['wrong_type']);
    expect(reasonOf('{"value":1,"seq":-1}')).toEqual(['wrong_type']);
    expect(reasonOf('{"value":NaN}')).toEqual(['non_finite']);
    expect(reasonOf('{"value":1e999}')).toEqual(['non_finite']);
    expect(reasonOf('{"value":9.5}')).toEqual(['out_of_range']);
    expect(reasonOf('{"value":-3.5}')).toEqual(['out_of_range']);
    expect(reasonOf('{"value":1,"battery":1e300}')).toEqual(['out_of_range']);
    expect(reasonOf(`{"ts":${now + 10 * 60_000},"value":1}`)).toEqual(['future_timestamp']);
    expect(reasonOf('{"ts":"2025-10-01 07:00","value":1}')).toEqual(['bad_timestamp']);
    expect(reasonOf(`{"ts":${Math.floor(now / 1000)},"value":1}`)).toEqual(['bad_timestamp']);
  });

  it('never throws on arbitrary bytes', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(Array.from({ length: i % 40 }, () => Math.floor(Math.random() * 256)));
      const { readings, deadLetters } = decode(bytes);
      expect(readings.length + deadLetters.length).toBeGreaterThan(0);
    }
  });

  describe('hostile input: one message becomes readings or dead letters, never an exception', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

    it('refuses deep nesting before anything walks it (a 240 KB [[[[…]]]] used to overflow JSON.stringify)', () => {
      expect(reasonOf(nested(120_000))).toEqual(['too_deep']);
      expect(reasonOf(`[{"value":1,"x":${nested(100)}}]`)).toEqual(['too_deep']);
      expect(reasonOf(`{"value":1,"meta":{"a":{"b":[1,2]}}}`)).toEqual([]); // a little nesting in extra keys is fine
      // just under the limit: parsed, refused as a wrong shape, and the element is quoted back
      const { deadLetters } = decode(`[${nested(30)}]`);
      expect(deadLetters.map((letter) => letter.reason)).toEqual(['wrong_type']);
    });

    it('refuses invalid UTF-8 instead of turning it into U+FFFD', () => {
      expect(reasonOf(Buffer.from([0x7b, 0x22, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x22, 0x3a, 0x31, 0x2c, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]))).toEqual(['invalid_utf8']);
      expect(reasonOf(Buffer.from([0xff, 0xfe, 0x00, 0x01]))).toEqual(['invalid_utf8']);
      expect(decode('{"value":1,"note":"Phú An ✓"}').readings).toHaveLength(1);
    });

    it('refuses duplicate keys, which parsers disagree on', () => {
      expect(reasonOf('{"value":1,"value":99}')).toEqual(['duplicate_key']);
      expect(reasonOf('{"value":1,"\u0076alue":1.2}')).toEqual(['duplicate_key']);
      expect(reasonOf('[{"value":1},{"value":1,"ts":1,"ts":2}]')).toEqual(['duplicate_key']);
      expect(decode('[{"value":1,"ts":"2025-10-01T00:29:00Z"},{"value":1.1,"ts":"2025-10-01T00:30:00Z"}]').readings).toHaveLength(2);
    });

    it('refuses prototype keys, and nothing reaches Object.prototype', () => {
      expect(reasonOf('{"__proto__":{"value":1},"value":1}')).toEqual(['unsafe_key']);
      expect(reasonOf('{"value":1,"\u005f_proto__":{"polluted":true}}')).toEqual(['unsafe_key']);
      expect(reasonOf('[{"value":1,"constructor":{"prototype":{"polluted":true}}}]')).toEqual(['unsafe_key']);
      expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    });

    it('refuses NaN, Infinity and strings for value', () => {
      expect(reasonOf('{"value":NaN}')).toEqual(['non_finite']);
      expect(reasonOf('{"value":-Infinity}')).toEqual(['non_finite']);
      expect(reasonOf('{"value":-1e400}')).toEqual(['non_finite']);
      expect(reasonOf('{"value":"NaN"}')).toEqual(['wrong_type']);
      expect(reasonOf('{"value":"Infinity"}')).toEqual(['wrong_type']);
      expect(reasonOf('{"value":null}')).toEqual(['wrong_type']);
    });

    it('refuses timestamps far in the past and far in the future without throwing on unrepresentable dates', () => {
      for (const ts of [-1e300, -8.64e15 - 1, 1e300, 8.64e15 + 1, '"-271821-04-20T00:00:00Z"', '"+275760-09-13T00:00:01Z"']) {
        expect(reasonOf(`{"ts":${ts},"value":1}`), String(ts)).toEqual(['bad_timestamp']);
      }
      expect(reasonOf('{"ts":0,"value":1}')).toEqual(['bad_timestamp']);
      expect(reasonOf('{"ts":"1970-01-01T00:00:00Z","value":1}')).toEqual(['bad_timestamp']);
      expect(reasonOf('{"ts":8.64e15,"value":1}')).toEqual(['future_timestamp']);
      expect(reasonOf('{"ts":"9999-12-31T23:59:59Z","value":1}')).toEqual(['future_timestamp']);
    });

    it('keeps only an excerpt of a large payload, with its size', () => {
      const megabyte = Buffer.alloc(1024 * 1024, 0x20);
      const [letter] = decode(megabyte).deadLetters;
      expect(letter).toMatchObject({ reason: 'too_large', payloadBytes: megabyte.length });
      expect(letter.payload.length).toBe(2048);
      expect(letter.payload.buffer).not.toBe(megabyte.buffer); // a copy: the megabyte is not kept alive
      const [bad] = decode(`{"value":"${'x'.repeat(100_000)}"}`).deadLetters;
      expect(bad).toMatchObject({ reason: 'wrong_type', payloadBytes: 100_012 });
      expect(bad.payload.length).toBe(2048);
      expect(bad.detail.length).toBeLessThanOrEqual(500);
    });

    it('refuses an empty payload and huge arrays as one dead letter each', () => {
      expect(decode('').deadLetters).toMatchObject([{ reason: 'malformed_json', detail: 'empty payload' }]);
      const huge = `[${Array.from({ length: 60_000 }, () => '1').join(',')}]`;
      expect(decode(huge).deadLetters).toMatchObject([{ reason: 'too_large' }]);
    });

    it('bounds what it keeps of a long topic', () => {
      const [letter] = decode('{"value":1}', `cityops/sensors/${'x'.repeat(70_000)}/reading`).deadLetters;
      expect(letter.reason).toBe('bad_topic');
      expect(letter.topic.length).toBeLessThanOrEqual(256);
    });
  });

  it('uses the kind default range when the registry sets none', () => {
    sensors.set('soil-1', { ...gauge, id: 'soil-1', kind: 'soil_moisture', unit: '%', settings: {} });
    expect(reasonOf('{"value":101}', 'cityops/sensors/soil-1/reading')).toEqual(['out_of_range']);
    expect(decode('{"value":55}', 'cityops/sensors/soil-1/reading').readings).toHaveLength(1);
  });

  it('parses topics and timestamps strictly', () => {
    expect(sensorIdFromTopic('cityops/sensors/a.b-c_1/reading')).toBe('a.b-c_1');
    expect(sensorIdFromTopic('cityops/sensors/a/b/reading')).toBeUndefined();
    expect(parseTimestamp('2025-10-01T00:00:00Z')).toBe(Date.UTC(2025, 9, 1));
    expect(typeof parseTimestamp('2025-10-01T00:00:00')).toBe('string');
    expect(typeof parseTimestamp('2025-02-30T00:00:00Z')).toBe('string');
    expect(parseTimestamp('2024-02-29T23:00:00-01:00')).toBe(Date.UTC(2024, 2, 1));
  });
});
