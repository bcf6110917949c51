// RTP details the camera simulator needs to relay one source to many viewers and to switch a camera
// from one source to another (a fault) without breaking the viewer's session: where a keyframe starts
// (so a viewer never gets a picture it cannot decode) and header rewriting (so sequence numbers and
// timestamps stay continuous across switches, as they would from one real camera).

export type RtpVideoCodec = 'h264' | 'h265' | 'other';

/** Codec of an SDP media section from its `a=rtpmap` line (RFC 6184 H264, RFC 7798 H265). */
export function codecFromSdp(sdp: string): RtpVideoCodec {
  const encoding = /a=rtpmap:\d+ ([A-Za-z0-9-]+)\//.exec(sdp)?.[1]?.toUpperCase();
  if (encoding === 'H264') return 'h264';
  if (encoding === 'H265' || encoding === 'HEVC') return 'h265';
  return 'other';
}

/** Offset of the payload inside an RTP packet (RFC 3550 §5.1), or -1 when the packet is malformed. */
export function rtpPayloadOffset(packet: Buffer): number {
  if (packet.length < 12 || packet[0] >> 6 !== 2) return -1;
  let offset = 12 + (packet[0] & 0x0f) * 4;
  if (packet[0] & 0x10) {
    if (packet.length < offset + 4) return -1;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  return offset < packet.length ? offset : -1;
}

/**
 * True when this packet begins a point a decoder can start from: the parameter sets sent in front of a
 * keyframe. Every simulator source sends them in band, and gating on them (not on the IDR slice alone)
 * means a viewer switched to another source always gets that source's SPS/PPS before its pictures.
 * Other codecs are never gated (true for every packet).
 */
export function startsKeyframe(packet: Buffer, codec: RtpVideoCodec): boolean {
  if (codec === 'other') return true;
  const offset = rtpPayloadOffset(packet);
  if (offset < 0) return false;
  if (codec === 'h264') {
    const type = packet[offset] & 0x1f;
    // STAP-A (RFC 6184 §5.7.1): the SPS often follows an access unit delimiter inside it.
    if (type === 24) return aggregatedNalTypes(packet, offset + 1, (header) => header & 0x1f).includes(7);
    return type === 7; // SPS
  }
  const type = (packet[offset] >> 1) & 0x3f;
  if (type === 48) return aggregatedNalTypes(packet, offset + 2, (header) => (header >> 1) & 0x3f).some((nal) => nal === 32 || nal === 33);
  return type === 32 || type === 33; // VPS or SPS
}

/** NAL unit types inside an aggregation packet: 16-bit size, then the NAL unit, repeated. */
function aggregatedNalTypes(packet: Buffer, start: number, typeOf: (header: number) => number): number[] {
  const types: number[] = [];
  for (let position = start; position + 2 < packet.length; ) {
    const size = packet.readUInt16BE(position);
    if (size === 0 || position + 2 + size > packet.length) break;
    types.push(typeOf(packet[position + 2]));
    position += 2 + size;
  }
  return types;
}

/**
 * Rewrites sequence number, timestamp and SSRC so the output looks like one continuous stream even
 * when the input switches to another source (a new `epoch`). After a switch, packets are held back
 * until the new source reaches a keyframe.
 */
export class RtpContinuity {
  private epoch: number | undefined;
  private waitingForKeyframe = true;
  private seqOffset = 0;
  private timestampOffset = 0;
  private lastSeq = 0;
  private lastTimestamp = 0;
  private started = false;

  constructor(
    private readonly ssrc: number,
    /** Timestamp step inserted at a switch: one frame at 25 fps on the 90 kHz video clock. */
    private readonly switchStepTicks = 3600,
  ) {}

  /**
   * Moves every following timestamp by `ticks` (90 kHz, may be negative), modulo 2^32: what a camera
   * whose clock resets, wraps or leaps sends (the timestamp-jump faults). Sequence numbers go on.
   */
  shiftTimestamps(ticks: number): void {
    this.timestampOffset += ticks;
  }

  /** The last timestamp sent (to aim a shift, e.g. just before the 32-bit wrap). */
  get lastSentTimestamp(): number {
    return this.lastTimestamp;
  }

  /** A rewritten copy of the packet, or undefined while waiting for the new source's keyframe. */
  rewrite(packet: Buffer, epoch: number, codec: RtpVideoCodec): Buffer | undefined {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.waitingForKeyframe = true;
    }
    const inSeq = packet.readUInt16BE(2);
    const inTimestamp = packet.readUInt32BE(4);
    if (this.waitingForKeyframe) {
      if (!startsKeyframe(packet, codec)) return undefined;
      this.waitingForKeyframe = false;
      const nextSeq = this.started ? this.lastSeq + 1 : inSeq;
      const nextTimestamp = this.started ? this.lastTimestamp + this.switchStepTicks : inTimestamp;
      this.seqOffset = nextSeq - inSeq;
      this.timestampOffset = nextTimestamp - inTimestamp;
      this.started = true;
    }
    const out = Buffer.from(packet);
    this.lastSeq = (inSeq + this.seqOffset) & 0xffff;
    this.lastTimestamp = (inTimestamp + this.timestampOffset) >>> 0;
    out.writeUInt16BE(this.lastSeq, 2);
    out.writeUInt32BE(this.lastTimestamp, 4);
    out.writeUInt32BE(this.ssrc >>> 0, 8);
    return out;
  }
}
