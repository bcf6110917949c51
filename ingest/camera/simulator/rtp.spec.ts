import { describe, expect, it } from 'vitest';
import { codecFromSdp, RtpContinuity, startsKeyframe } from './rtp.ts';
import { RtspReader } from './rtsp-messages.ts';

function rtp(seq: number, timestamp: number, payload: number[]): Buffer {
  const packet = Buffer.alloc(12 + payload.length);
  packet[0] = 0x80;
  packet[1] = 96;
  packet.writeUInt16BE(seq, 2);
  packet.writeUInt32BE(timestamp, 4);
  packet.writeUInt32BE(0x1234, 8);
  Buffer.from(payload).copy(packet, 12);
  return packet;
}

const sps = [0x67, 0x42];
const stapWithSps = [0x78, 0x00, 0x02, 0x67, 0x42];
const stapWithDelimiterThenSps = [0x78, 0x00, 0x02, 0x09, 0xf0, 0x00, 0x02, 0x67, 0x42];
const idrFragmentStart = [0x7c, 0x85];
const pSlice = [0x41, 0x9a];

describe('RTP keyframe gating', () => {
  it('opens on H.264 parameter sets, alone or first in a STAP-A, and not on slices', () => {
    expect(startsKeyframe(rtp(1, 0, sps), 'h264')).toBe(true);
    expect(startsKeyframe(rtp(1, 0, stapWithSps), 'h264')).toBe(true);
    expect(startsKeyframe(rtp(1, 0, stapWithDelimiterThenSps), 'h264')).toBe(true);
    expect(startsKeyframe(rtp(1, 0, idrFragmentStart), 'h264')).toBe(false);
    expect(startsKeyframe(rtp(1, 0, pSlice), 'h264')).toBe(false);
  });

  it('opens on H.265 VPS and never gates codecs it does not parse', () => {
    expect(startsKeyframe(rtp(1, 0, [0x40, 0x01]), 'h265')).toBe(true);
    // AP: access unit delimiter (35), then VPS (32)
    expect(startsKeyframe(rtp(1, 0, [0x60, 0x01, 0x00, 0x03, 0x46, 0x01, 0x50, 0x00, 0x02, 0x40, 0x01]), 'h265')).toBe(true);
    expect(startsKeyframe(rtp(1, 0, [0x02, 0x01]), 'h265')).toBe(false);
    expect(startsKeyframe(rtp(1, 0, [0x00]), 'other')).toBe(true);
  });

  it('reads the codec from the SDP rtpmap', () => {
    expect(codecFromSdp('m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n')).toBe('h264');
    expect(codecFromSdp('a=rtpmap:96 H265/90000')).toBe('h265');
    expect(codecFromSdp('a=rtpmap:96 MP4V-ES/90000')).toBe('other');
  });
});

describe('RTP continuity across source switches', () => {
  it('keeps sequence numbers and timestamps continuous and holds packets until the new source has a keyframe', () => {
    const continuity = new RtpContinuity(0xabcdef01, 3600);
    const first = continuity.rewrite(rtp(100, 9000, sps), 1, 'h264')!;
    expect(first.readUInt16BE(2)).toBe(100);
    expect(first.readUInt32BE(8)).toBe(0xabcdef01);
    continuity.rewrite(rtp(101, 9000, pSlice), 1, 'h264');
    const last = continuity.rewrite(rtp(102, 12600, pSlice), 1, 'h264')!;
    expect(last.readUInt32BE(4)).toBe(12600);

    // Source switch (epoch 2): seq 65535 and a timestamp near wrap-around, slices first.
    expect(continuity.rewrite(rtp(65534, 4294967000, pSlice), 2, 'h264')).toBeUndefined();
    const resumed = continuity.rewrite(rtp(65535, 4294967000, stapWithSps), 2, 'h264')!;
    expect(resumed.readUInt16BE(2)).toBe(103);
    expect(resumed.readUInt32BE(4)).toBe(12600 + 3600);
    const wrapped = continuity.rewrite(rtp(0, 4294967000 + 3600 - 4294967296, pSlice), 2, 'h264')!;
    expect(wrapped.readUInt16BE(2)).toBe(104);
    expect(wrapped.readUInt32BE(4)).toBe(12600 + 7200);
  });

  it('moves timestamps back, across the 32-bit wrap and forward for the clock faults, sequence numbers going on', () => {
    const continuity = new RtpContinuity(1, 3600);
    continuity.rewrite(rtp(10, 900_000, sps), 1, 'h264');
    continuity.shiftTimestamps(-270_000); // time-loop: 3 s back
    const back = continuity.rewrite(rtp(11, 903_600, pSlice), 1, 'h264')!;
    expect([back.readUInt16BE(2), back.readUInt32BE(4)]).toEqual([11, 633_600]);
    continuity.shiftTimestamps(2 ** 32 - 45_000 - continuity.lastSentTimestamp); // time-wrap: 0.5 s before 2^32
    expect(continuity.rewrite(rtp(12, 907_200, pSlice), 1, 'h264')!.readUInt32BE(4)).toBe(2 ** 32 - 45_000 + 3600);
    expect(continuity.rewrite(rtp(13, 907_200 + 45_000, pSlice), 1, 'h264')!.readUInt32BE(4)).toBe(3600);
  });
});

describe('RTSP framing', () => {
  it('splits requests with bodies and interleaved packets arriving in arbitrary pieces', () => {
    const reader = new RtspReader();
    const stream = Buffer.concat([
      Buffer.from('ANNOUNCE rtsp://h/p RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 4\r\n\r\nv=0\n'),
      Buffer.from([0x24, 0x00, 0x00, 0x03, 1, 2, 3]),
      Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq: 3\r\n\r\n'),
    ]);
    const chunks = [];
    for (let i = 0; i < stream.length; i += 5) chunks.push(...reader.push(stream.subarray(i, i + 5)));
    expect(chunks.map((chunk) => chunk.kind)).toEqual(['request', 'interleaved', 'request']);
    expect(chunks[0].kind === 'request' && chunks[0].request.body.toString()).toBe('v=0\n');
    expect(chunks[1].kind === 'interleaved' && [...chunks[1].packet]).toEqual([1, 2, 3]);
    expect(chunks[2].kind === 'request' && chunks[2].request.headers.cseq).toBe('3');
  });

  it('refuses bytes that are not RTSP', () => {
    expect(() => new RtspReader().push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toThrow(/not an RTSP request line/);
  });
});
