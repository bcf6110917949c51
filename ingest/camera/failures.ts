// Failures camera-ingest catches and recovers from: each one is counted in /metrics by kind
// (cityops_camera_failures_total) and logged once with its context. A job that fails again and again
// (the database is away for a minute) logs the first failure and the recovery, not every retry; the
// counter still counts each one.
import type { Logger } from '@cityops/core/logger';
import { counter } from '@cityops/core/metrics';

export type CameraFailureKind =
  /** node-media-server threw on one camera's relay session (closed, the others go on). */
  | 'relay_session'
  /** A camera's ffmpeg could not be started at all (the camera retries with its backoff). */
  | 'ffmpeg_start'
  /** Starting or stopping pipelines to match the assigned cameras. */
  | 'camera_sync'
  /** A database LISTEN connection (device changes, clip requests) was lost or could not be opened. */
  | 'listen'
  /** Resynchronising after such a connection came back. */
  | 'resync'
  | 'lease_heartbeat'
  | 'status_flush'
  | 'clip_save'
  | 'clip_retention'
  /** Removing rolling-buffer folders of stopped or gone workers. */
  | 'buffer_cleanup';

export const cameraFailures = counter('cityops_camera_failures_total', 'failures camera-ingest caught and recovers from, by kind', ['kind']);

/** Counts one failure and logs it (for one-off events: each is its own story). */
export function reportCameraFailure(logger: Logger, kind: CameraFailureKind, error: unknown, context: Record<string, unknown>, message: string): void {
  cameraFailures.inc({ kind });
  logger.warn({ err: error, kind, ...context }, message);
}

/** One recurring job's failures: every one counted, the first of a streak and the recovery logged. */
export class FailureStreak {
  private failures = 0;

  constructor(
    private readonly kind: CameraFailureKind,
    private readonly what: string,
    private readonly logger: Logger,
  ) {}

  get failing(): boolean {
    return this.failures > 0;
  }

  failed(error: unknown, context: Record<string, unknown> = {}): void {
    cameraFailures.inc({ kind: this.kind });
    if (this.failures++ === 0) this.logger.warn({ err: error, kind: this.kind, ...context }, `${this.what} failed; retrying`);
  }

  succeeded(): void {
    if (!this.failures) return;
    this.logger.info({ kind: this.kind, failures: this.failures }, `${this.what} works again`);
    this.failures = 0;
  }
}

/** Notification-bus hooks that count its lost or unopenable connections as `listen` failures. */
export function listenFailureHooks(channels: string[], logger: Logger): { onFailure: (error: unknown) => void; onListening: () => void } {
  const streak = new FailureStreak('listen', `LISTEN ${channels.join(', ')}`, logger);
  return { onFailure: (error) => streak.failed(error, { channels }), onListening: () => streak.succeeded() };
}
