// The topics are the wire format devices, brokers' ACLs and other city systems were set up with:
// these strings must not change.
import { describe, expect, it } from 'vitest';
import { ALL_TOPICS, alertCopyTopic, cameraIdOfTopic, FRAME_TOPIC_PREFIX, frameTopic, SENSOR_TOPIC_FILTER, sensorIdFromTopic, sensorReadingTopic, sharedSubscription } from './mqtt-topics.ts';

describe('MQTT topics', () => {
  it('spells every topic as deployed devices and systems expect it', () => {
    expect(ALL_TOPICS).toBe('cityops/#');
    expect(sensorReadingTopic('tide-001')).toBe('cityops/sensors/tide-001/reading');
    expect(SENSOR_TOPIC_FILTER).toBe('cityops/sensors/+/reading');
    expect(sharedSubscription('cityops-sensor-ingest', SENSOR_TOPIC_FILTER)).toBe('$share/cityops-sensor-ingest/cityops/sensors/+/reading');
    expect(FRAME_TOPIC_PREFIX).toBe('cityops/frames');
    expect(frameTopic('cam-001')).toBe('cityops/frames/cam-001');
    expect(alertCopyTopic({ districtId: 'q1', kind: 'crowd' })).toBe('cityops/alerts/q1/crowd');
    expect(alertCopyTopic({ districtId: null, kind: 'manual' })).toBe('cityops/alerts/none/manual');
  });

  it('reads device ids back only from topics of the right shape', () => {
    expect(sensorIdFromTopic('cityops/sensors/a.b-c_1/reading')).toBe('a.b-c_1');
    expect(sensorIdFromTopic('cityops/sensors/bad id!/reading')).toBeUndefined();
    expect(sensorIdFromTopic('cityops/sensors/a/b/reading')).toBeUndefined();
    expect(cameraIdOfTopic('cityops/frames/cam-001')).toBe('cam-001');
    expect(cameraIdOfTopic('cityops/frames/a/b')).toBeUndefined();
    expect(cameraIdOfTopic('cityops/alerts/q1/crowd')).toBeUndefined();
  });
});
