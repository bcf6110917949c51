// What camera-ingest may do with the private cameras it pulls (devices/private-cameras/): live view,
// analysis frames, evidence clips. The consent records of the held cameras are kept in memory, read
// again at once when a consent changes (the `camera_consent` device notice, delivered at commit) and
// when the held set changes; every second the shares are worked out again (consent hours begin and
// end without any notice), and a camera that stops sharing live view has its viewers cut off.
// City cameras (no consent record) share everything, as before.
import type { Database } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { clipAllowed, sharingAt, type Consent, type Share, type Sharing } from '@cityops/devices/private-cameras/consent';
import { consentsOf } from '@cityops/devices/private-cameras/owner-repository';
import type { FrameConsumer } from './frame-reader.ts';

export interface CameraSharingOptions {
  db: Database;
  logger: Logger;
  /** A camera's shares just changed (paused, ended, hours over, or back): cut off what is no longer shared. */
  onChange: (cameraId: string, sharing: Sharing) => void;
  tickMs?: number;
}

export class CameraSharing implements Component {
  readonly name = 'camera-sharing';
  private readonly consents = new Map<string, Consent>();
  private readonly last = new Map<string, Sharing>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: CameraSharingOptions) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => this.evaluate(), this.options.tickMs ?? 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  /** Reads these cameras' consents again (a camera whose consent is gone becomes a city camera). */
  async reload(cameraIds: string[]): Promise<void> {
    if (!cameraIds.length) return;
    const fresh = await consentsOf(this.options.db, cameraIds);
    for (const cameraId of cameraIds) {
      const consent = fresh.get(cameraId);
      if (consent) this.consents.set(cameraId, consent);
      else this.consents.delete(cameraId);
    }
    this.evaluate();
  }

  /** Forgets cameras this worker no longer pulls. */
  retain(cameraIds: string[]): void {
    const keep = new Set(cameraIds);
    for (const cameraId of [...this.consents.keys()]) if (!keep.has(cameraId)) this.consents.delete(cameraId);
    for (const cameraId of [...this.last.keys()]) if (!keep.has(cameraId)) this.last.delete(cameraId);
  }

  sharing(cameraId: string, atMs = Date.now()): Sharing {
    return sharingAt(this.consents.get(cameraId), atMs);
  }

  allows(cameraId: string, share: Share): boolean {
    return this.sharing(cameraId)[share];
  }

  /** Whether a clip of this camera from `fromMs` to `toMs` may be kept, and for how long at most. */
  clip(cameraId: string, fromMs: number, toMs: number): { allowed: boolean; retentionDays?: number } {
    const consent = this.consents.get(cameraId);
    return { allowed: clipAllowed(consent, fromMs, toMs), ...(consent ? { retentionDays: consent.clipRetentionDays } : {}) };
  }

  /** Frames go to analytics only for cameras whose analysis is shared now; the others look unanalysed. */
  guardConsumer(consumer: FrameConsumer): FrameConsumer {
    const guarded: FrameConsumer = {
      onFrame: (cameraId, frame, width, height, timestampMs, letterboxedFrom) =>
        this.allows(cameraId, 'analysis') ? consumer.onFrame(cameraId, frame, width, height, timestampMs, letterboxedFrom) : undefined,
    };
    if (consumer.isAnalysed) {
      const isAnalysed = consumer.isAnalysed.bind(consumer);
      guarded.isAnalysed = (cameraId) => this.allows(cameraId, 'analysis') && isAnalysed(cameraId);
    }
    return guarded;
  }

  private evaluate(): void {
    const now = Date.now();
    for (const cameraId of new Set([...this.consents.keys(), ...this.last.keys()])) {
      const sharing = this.sharing(cameraId, now);
      const previous = this.last.get(cameraId);
      this.last.set(cameraId, sharing);
      if (previous && (previous.live !== sharing.live || previous.analysis !== sharing.analysis || previous.clips !== sharing.clips)) {
        this.options.logger.info({ camera: cameraId, state: sharing.state, live: sharing.live, analysis: sharing.analysis, clips: sharing.clips }, 'private camera sharing changed');
        this.options.onChange(cameraId, sharing);
      } else if (!previous && !sharing.live) {
        this.options.onChange(cameraId, sharing);
      }
    }
  }
}
