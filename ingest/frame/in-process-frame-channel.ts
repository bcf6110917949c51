// Frames from camera-ingest to analytics when both roles run in one process (FRAME_TRANSPORT=auto, as
// `npm start` runs them): the raw bgr24 frame is handed over in memory, with no JPEG encode, no broker
// hop and no JPEG decode. Per camera: the analytics side attaches a receiver while it analyses the
// camera, and camera-ingest delivers to it; a camera without a receiver here (its slot is leased by an
// analytics worker on another machine, or none) goes over MQTT as before. The apps layer makes one
// channel per process and gives it to both roles.
import type { RawFrame } from './bgr24-frame.ts';

export interface InProcessFrameReceiver {
  /**
   * One sampled frame, captured by camera-ingest at `timestampMs`. `frame.data` is camera-ingest's
   * buffer and valid only during this call: the receiver copies what it keeps. Synchronous and cheap,
   * never throws (it runs in camera-ingest's frame loop); a receiver that is busy keeps only the
   * newest frame and counts the one it drops.
   */
  offerRaw(frame: RawFrame, timestampMs: number): void;
}

export class InProcessFrameChannel {
  private readonly receivers = new Map<string, InProcessFrameReceiver>();

  /** The analytics side analyses this camera now: its frames come here instead of over MQTT. */
  attach(cameraId: string, receiver: InProcessFrameReceiver): void {
    this.receivers.set(cameraId, receiver);
  }

  /** Only the receiver that attached is removed (a newer one for the same camera stays). */
  detach(cameraId: string, receiver: InProcessFrameReceiver): void {
    if (this.receivers.get(cameraId) === receiver) this.receivers.delete(cameraId);
  }

  /** Whether a receiver in this process takes this camera's frames. */
  has(cameraId: string): boolean {
    return this.receivers.has(cameraId);
  }

  /** Hands the frame over; false when nobody in this process analyses the camera (send it over MQTT). */
  deliver(cameraId: string, frame: RawFrame, timestampMs: number): boolean {
    const receiver = this.receivers.get(cameraId);
    if (!receiver) return false;
    receiver.offerRaw(frame, timestampMs);
    return true;
  }
}
