import { describe, expect, it } from 'vitest';
import { FrameReader } from './frame-reader.ts';

const WIDTH = 4;
const HEIGHT = 2;
const FRAME = WIDTH * HEIGHT * 3;
const frameBytes = (value: number) => Buffer.alloc(FRAME, value);

describe('frame reader', () => {
  it('assembles frames from chunks of any size', () => {
    const seen: number[] = [];
    const reader = new FrameReader('cam', WIDTH, HEIGHT, { onFrame: (_id, frame) => void seen.push(frame[0]) }, () => {}, () => undefined);
    const stream = Buffer.concat([frameBytes(1), frameBytes(2), frameBytes(3)]);
    for (let i = 0; i < stream.length; i += 7) reader.push(stream.subarray(i, i + 7));
    expect(seen).toEqual([1, 2, 3]);
    expect(reader.stats).toMatchObject({ framesReceived: 3, framesDelivered: 3, framesDropped: 0 });
  });

  it('keeps only the newest frame while the consumer is busy, counting the others as dropped', async () => {
    const seen: number[] = [];
    const buffers = new Set<Buffer>();
    let release: () => void = () => {};
    const reader = new FrameReader(
      'cam',
      WIDTH,
      HEIGHT,
      {
        onFrame: (_id, frame) => {
          seen.push(frame[0]);
          buffers.add(frame);
          return new Promise<void>((resolve) => (release = resolve));
        },
      },
      () => {},
      () => undefined,
    );
    for (let value = 1; value <= 50; value++) reader.push(frameBytes(value));
    expect(seen).toEqual([1]);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([1, 50]);
    expect(reader.stats).toMatchObject({ framesReceived: 50, framesDelivered: 2, framesDropped: 48 });
    for (let value = 51; value <= 60; value++) reader.push(frameBytes(value));
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([1, 50, 60]);
    expect(buffers.size).toBeLessThanOrEqual(3);
  });

  it('counts a consumer that throws and goes on', () => {
    const reader = new FrameReader('cam', WIDTH, HEIGHT, { onFrame: () => { throw new Error('boom'); } }, () => {}, () => undefined);
    reader.push(Buffer.concat([frameBytes(1), frameBytes(2)]));
    expect(reader.stats).toMatchObject({ framesDelivered: 2, consumerErrors: 2 });
  });
});
