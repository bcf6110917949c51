// Evidence clips: when an alert names a camera (a database trigger queues the request, whichever
// process raised the alert), the worker holding that camera waits until 20 s after the trigger, then
// joins the buffered segments from 10 s before to 20 s after into one MP4 (stream copy; cut points
// snap to keyframes, about 1 s on typical cameras). Clips are deleted after the retention period.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { textChannel, NotificationBus } from '@cityops/core/database/notification-bus';
import type { Database } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { counter } from '@cityops/core/metrics';
import { claimDueClip, expireSavedClips, markClipFailed, markClipSaved, savedClipBytes, type PendingClip } from './clip-repository.ts';
import { FailureStreak, listenFailureHooks } from './failures.ts';
import { clipArgs, runFfmpeg } from './ffmpeg.ts';
import type { EvidenceBuffer, Segment } from './evidence-buffer.ts';
import { AppError } from '@cityops/core/errors';

/** A clip was queued (the alert_clips trigger); the payload is not read: the table is. */
export const clipRequests = textChannel('cityops_clip_requests');
export const CLIP_BEFORE_SECONDS = 10;
export const CLIP_AFTER_SECONDS = 20;

const clipsSaved = counter('cityops_camera_clips_total', 'evidence clips, by outcome', ['outcome']);

export interface ClipServiceOptions {
  db: Database;
  buffer: EvidenceBuffer;
  clipsDir: string;
  retentionDays: number;
  ffmpegPath: string;
  workerId: string;
  /** Cameras this worker pulls now: it saves clips for these only. */
  heldCameras: () => string[];
  /** Private cameras (camera-sharing.ts): whether the owner lets this clip be kept, and for how many days at most. */
  clipPolicy?: (cameraId: string, fromMs: number, toMs: number) => { allowed: boolean; retentionDays?: number };
  logger: Logger;
}

export class ClipService implements Component {
  readonly name = 'camera-clips';
  private readonly listener: NotificationBus;
  private readonly saveFailures: FailureStreak;
  private readonly retentionFailures: FailureStreak;
  private timer?: NodeJS.Timeout;
  private retentionTimer?: NodeJS.Timeout;
  private working = false;
  private stopped = true;
  private readonly clipBytesByCamera = new Map<string, number>();

  constructor(private readonly options: ClipServiceOptions) {
    this.listener = new NotificationBus({
      db: options.db,
      logger: options.logger,
      name: `listen:${clipRequests.name}`,
      ...listenFailureHooks([clipRequests.name], options.logger),
      // Requests queued meanwhile are rows in alert_clips: the next look at the table finds them.
      onReconnected: () => void this.saveDue(),
    }).on(clipRequests, () => void this.saveDue());
    this.saveFailures = new FailureStreak('clip_save', 'saving evidence clips', options.logger);
    this.retentionFailures = new FailureStreak('clip_retention', 'deleting expired evidence clips', options.logger);
  }

  async start(): Promise<void> {
    this.stopped = false;
    mkdirSync(this.options.clipsDir, { recursive: true });
    await this.listener.start();
    // Due requests are also picked up on a timer: a notification only says "something was queued",
    // the clip becomes due 20 s later.
    this.timer = setInterval(() => void this.saveDue(), 2000);
    this.retentionTimer = setInterval(() => void this.applyRetention(), 60_000);
    await this.applyRetention();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.retentionTimer);
    while (this.working) await new Promise((resolve) => setTimeout(resolve, 50));
    await this.listener.stop();
  }

  /** Bytes of saved clips per camera (reported with the camera's status). */
  clipBytes(cameraId: string): number {
    return this.clipBytesByCamera.get(cameraId) ?? 0;
  }

  /** Saves every clip whose 20 s after the trigger have passed, for cameras held here. */
  async saveDue(): Promise<void> {
    if (this.working || this.stopped) return;
    const cameras = this.options.heldCameras();
    if (!cameras.length) return;
    this.working = true;
    try {
      for (;;) {
        const clip = await this.claimDue(cameras);
        if (!clip) break;
        await this.save(clip);
      }
      await this.refreshClipBytes(cameras);
      this.saveFailures.succeeded();
    } catch (error) {
      this.saveFailures.failed(error);
    } finally {
      this.working = false;
    }
  }

  private async claimDue(cameras: string[]): Promise<PendingClip | undefined> {
    // The segment holding trigger+20 s must be closed first: one segment length later, plus a second.
    const waitSeconds = CLIP_AFTER_SECONDS + this.options.buffer.options.segmentSeconds + 1;
    return claimDueClip(this.options.db, this.options.workerId, cameras, waitSeconds);
  }

  private async save(clip: PendingClip): Promise<void> {
    const { db, buffer, logger } = this.options;
    const fromMs = clip.triggerAt.getTime() - CLIP_BEFORE_SECONDS * 1000;
    const toMs = clip.triggerAt.getTime() + CLIP_AFTER_SECONDS * 1000;
    const policy = this.options.clipPolicy?.(clip.cameraId, fromMs, toMs) ?? { allowed: true };
    if (!policy.allowed) {
      await this.fail(clip, "not recorded: a private camera whose owner did not share evidence clips for the alert's time (not shared, paused, ended or outside its hours)");
      return;
    }
    const segments = buffer.segments(clip.cameraId).filter((segment) => segment.endMs > fromMs && segment.startMs < toMs && segment.bytes > 0);
    if (!segments.length) {
      await this.fail(clip, 'no buffered video covers the alert time (camera offline, or the alert is older than the buffer)');
      return;
    }
    const dir = path.join(this.options.clipsDir, `camera-${clip.cameraId}`);
    mkdirSync(dir, { recursive: true });
    const outputFile = path.join(dir, `alert-${clip.alertId}.mp4`);
    const listFile = `${outputFile}.segments.txt`;
    writeFileSync(listFile, segments.map((segment) => `file '${segment.file.replace(/'/g, "'\\''")}'`).join('\n') + '\n');
    const clipStartMs = Math.max(fromMs, segments[0].startMs);
    try {
      await runFfmpeg(
        this.options.ffmpegPath,
        clipArgs({
          segmentListFile: listFile,
          startOffsetSeconds: Math.max(0, (fromMs - segments[0].startMs) / 1000),
          durationSeconds: (toMs - clipStartMs) / 1000,
          outputFile,
        }),
        60_000,
      );
    } catch (error) {
      rmSync(outputFile, { force: true });
      await this.fail(clip, `ffmpeg could not join the segments: ${(error as Error).message.slice(0, 300)}`);
      return;
    } finally {
      rmSync(listFile, { force: true });
    }
    const bytes = statSync(outputFile).size;
    const durationSeconds = await probeDuration(this.options.ffmpegPath, outputFile).catch(() => coveredSeconds(segments, fromMs, toMs));
    await markClipSaved(db, clip.alertId, {
      filePath: outputFile,
      bytes,
      clipStart: new Date(clipStartMs),
      durationSeconds,
      // The owner's retention, when shorter than the city's.
      retentionSeconds: Math.round(Math.min(this.options.retentionDays, policy.retentionDays ?? Infinity) * 86_400),
    });
    clipsSaved.inc({ outcome: 'saved' });
    logger.info({ alertId: clip.alertId, camera: clip.cameraId, bytes, durationSeconds }, 'evidence clip saved');
  }

  private async fail(clip: PendingClip, error: string): Promise<void> {
    await markClipFailed(this.options.db, clip.alertId, error);
    clipsSaved.inc({ outcome: 'failed' });
    this.options.logger.warn({ alertId: clip.alertId, camera: clip.cameraId, error }, 'evidence clip not saved');
  }

  /** The periodic retention run: a failure (database away) is counted and retried next minute. */
  private async applyRetention(): Promise<void> {
    try {
      await this.deleteExpired();
      this.retentionFailures.succeeded();
    } catch (error) {
      this.retentionFailures.failed(error);
    }
  }

  /** Deletes clips past their retention, whichever worker saved them (clips live on shared storage). */
  async deleteExpired(): Promise<number> {
    if (this.stopped) return 0;
    const files = await expireSavedClips(this.options.db);
    for (const file of files) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
    if (files.length) clipsSaved.inc({ outcome: 'deleted' }, files.length);
    return files.length;
  }

  private async refreshClipBytes(cameras: string[]): Promise<void> {
    const bytesByCamera = await savedClipBytes(this.options.db, cameras);
    this.clipBytesByCamera.clear();
    for (const [cameraId, bytes] of bytesByCamera) this.clipBytesByCamera.set(cameraId, bytes);
  }
}

function coveredSeconds(segments: Segment[], fromMs: number, toMs: number): number {
  return (Math.min(toMs, segments[segments.length - 1].endMs) - Math.max(fromMs, segments[0].startMs)) / 1000;
}

/** Duration of a media file by ffprobe (next to ffmpeg). */
export async function probeDuration(ffmpegPath: string, file: string): Promise<number> {
  const ffprobe = ffmpegPath.replace(/ffmpeg(\.exe)?$/, 'ffprobe$1');
  const { stdout } = await promisify(execFile)(ffprobe, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  const seconds = Number(stdout.trim());
  if (!Number.isFinite(seconds)) throw new AppError('video_undecodable', `ffprobe found no duration in ${file}`);
  return seconds;
}
