// Turns ffmpeg's raw bgr24 byte stream into frames for a consumer that may be slower than the camera.
// The pipe is always drained (a blocked pipe would stall ffmpeg, and with it the live relay and the
// evidence buffer); when the consumer is still busy, the waiting frame is replaced by the newer one and
// counted as dropped. Exactly three frame buffers exist per camera, whatever happens: memory is flat.

/** What analytics plugs into camera ingest. */
export interface FrameConsumer {
  /**
   * One frame: bgr24, `width`×`height` (the model input, letterboxed), rows top to bottom, no padding.
   * The buffer is reused once the returned promise settles (or at once for a void return): copy what
   * you keep. While it runs, newer frames of this camera replace each other and count as dropped.
   * `letterboxedFrom` is the camera picture size, to undo the letterbox.
   */
  onFrame(
    cameraId: string,
    frame: Buffer,
    width: number,
    height: number,
    timestampMs: number,
    letterboxedFrom?: { width: number; height: number },
  ): void | Promise<void>;
  /**
   * Whether this camera's frames are analysed (it holds an analysis slot). A consumer that answers
   * this lets the other cameras decode keyframes only (CAMERA_CHEAP_TIER_DECODE); without it every
   * camera decodes every frame at its detect rate.
   */
  isAnalysed?(cameraId: string): boolean;
}

export interface FrameReaderStats {
  framesReceived: number;
  framesDelivered: number;
  framesDropped: number;
  consumerErrors: number;
}

export interface CompleteFrame {
  data: Buffer;
  timestampMs: number;
}

export class FrameReader {
  readonly frameBytes: number;
  readonly stats: FrameReaderStats = { framesReceived: 0, framesDelivered: 0, framesDropped: 0, consumerErrors: 0 };
  private filling: Buffer;
  private filled = 0;
  private pending: Buffer | undefined;
  private pendingTimestampMs = 0;
  private inFlight: Buffer | undefined;
  private spare: Buffer[] = [];

  constructor(
    private readonly cameraId: string,
    readonly width: number,
    readonly height: number,
    private readonly consumer: FrameConsumer | undefined,
    /** Sees every complete frame synchronously, before delivery (health checks, snapshots). */
    private readonly inspect: (frame: CompleteFrame) => void,
    private readonly sourceSize: () => { width: number; height: number } | undefined,
  ) {
    this.frameBytes = width * height * 3;
    this.filling = Buffer.allocUnsafe(this.frameBytes);
    this.spare = [Buffer.allocUnsafe(this.frameBytes), Buffer.allocUnsafe(this.frameBytes)];
  }

  /** Bytes from ffmpeg's stdout. */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      chunk.copy(this.filling, this.filled, offset, offset + take);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameBytes) this.complete();
    }
  }

  /** A new ffmpeg process starts: a partly filled frame from the old one is garbage. */
  reset(): void {
    this.filled = 0;
  }

  private complete(): void {
    const frame = this.filling;
    const timestampMs = Date.now();
    this.filled = 0;
    this.stats.framesReceived++;
    this.inspect({ data: frame, timestampMs });
    if (!this.consumer) {
      return; // frame stays in `filling` and is overwritten by the next one
    }
    if (this.pending) {
      // The consumer is still on an older frame: the one waiting is stale now.
      this.stats.framesDropped++;
      this.spare.push(this.pending);
    }
    this.pending = frame;
    this.pendingTimestampMs = timestampMs;
    this.filling = this.spare.pop()!;
    this.deliver();
  }

  private deliver(): void {
    if (this.inFlight || !this.pending || !this.consumer) return;
    const frame = this.pending;
    const timestampMs = this.pendingTimestampMs;
    this.pending = undefined;
    this.inFlight = frame;
    this.stats.framesDelivered++;
    const done = () => {
      this.inFlight = undefined;
      this.spare.push(frame);
      this.deliver();
    };
    let result: void | Promise<void>;
    try {
      result = this.consumer.onFrame(this.cameraId, frame, this.width, this.height, timestampMs, this.sourceSize());
    } catch {
      this.stats.consumerErrors++;
      done();
      return;
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(done, () => {
        this.stats.consumerErrors++;
        done();
      });
    } else {
      done();
    }
  }
}
