import { describe, expect, it } from 'vitest';
import { cameraIdOfTopic, frameTopic } from '@cityops/contract/mqtt-topics';
import { decodeFrameMessage, encodeFrameMessage, FrameMessageError } from './frame-message.ts';

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);

describe('frame messages (camera-ingest → analytics over MQTT)', () => {
  it('round-trips the header and the JPEG bytes', () => {
    const header = { ts: 1_795_000_000_123, width: 416, height: 416, sourceWidth: 640, sourceHeight: 360 };
    const decoded = decodeFrameMessage(encodeFrameMessage(header, jpeg));
    expect(decoded.header).toEqual(header);
    expect(decoded.jpeg.equals(jpeg)).toBe(true);
  });

  it('names the camera in the topic, and refuses topics that are not frame topics', () => {
    expect(frameTopic('cam-001')).toBe('cityops/frames/cam-001');
    expect(cameraIdOfTopic('cityops/frames/cam-001')).toBe('cam-001');
    expect(cameraIdOfTopic('x/frames/cam-001', 'x/frames')).toBe('cam-001');
    expect(cameraIdOfTopic('cityops/frames/a/b')).toBeUndefined();
    expect(cameraIdOfTopic('cityops/alerts/q1/crowd')).toBeUndefined();
  });

  it.each([
    ['garbage', Buffer.from('hello world'), 'bad_magic'],
    ['a header longer than the message', Buffer.concat([Buffer.from('CFR1'), Buffer.from([0x03, 0xe8]), Buffer.from('{}')]), 'bad_header'],
    ['a header that is not JSON', Buffer.concat([Buffer.from('CFR1'), Buffer.from([0, 3]), Buffer.from('{{{'), jpeg]), 'bad_header'],
    ['a header with a negative width', encodeFrameMessage({ ts: 1, width: -4, height: 416 } as never, jpeg), 'bad_header'],
    ['a PNG instead of a JPEG', encodeFrameMessage({ ts: 1, width: 416, height: 416 }, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0])), 'not_jpeg'],
  ])('refuses %s with a clear code', (_name, payload, code) => {
    let error: unknown;
    try {
      decodeFrameMessage(payload);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FrameMessageError);
    expect((error as FrameMessageError).code).toBe(code);
  });
});
