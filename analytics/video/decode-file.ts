// Decodes a video file with ffmpeg into letterboxed bgr24 frames at a fixed rate, for the offline
// analyser, tests and the bench. Live cameras are ingest/camera's job; this only reads files.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { AppError } from '@cityops/core/errors';
import type { RawFrame } from '@cityops/ingest/frame/bgr24-frame';
import { letterboxFilter } from '@cityops/models/letterbox';

export class VideoDecodeError extends AppError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('video_undecodable', message);
    this.name = 'VideoDecodeError';
  }
}

export interface VideoInfo {
  width: number;
  height: number;
  durationSeconds: number;
}

export interface DecodeFileOptions {
  /** Frames per second to sample (ffmpeg's fps filter: frame i is at i / fps seconds). */
  fps: number;
  /** Model input size the frames are letterboxed to. */
  width: number;
  height: number;
  padValue?: number;
  ffmpegPath?: string;
  ffprobePath?: string;
  /** The camera's privacy masks as a filter chain (ingest/camera/privacy-mask.ts), painted as live frames are. */
  privacyMaskFilter?: string;
}

export interface DecodedFrame extends RawFrame {
  index: number;
  timestampMs: number;
  letterboxedFrom: { width: number; height: number };
}

/** Reads size and duration of the first video stream; fails clearly when there is none. */
export async function probeVideo(file: string, ffprobePath = 'ffprobe'): Promise<VideoInfo> {
  const child = spawn(
    ffprobePath,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height:format=duration', '-of', 'json', file],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const [code] = (await Promise.race([once(child, 'close'), once(child, 'error').then(([error]) => Promise.reject(error))])) as [number];
  if (code !== 0) throw new VideoDecodeError(file, `Cannot read video ${file}: ${stderr.trim().split('\n').pop() || `ffprobe exit ${code}`}`);
  const info = JSON.parse(stdout) as { streams?: { width?: number; height?: number }[]; format?: { duration?: string } };
  const stream = info.streams?.[0];
  if (!stream?.width || !stream.height) throw new VideoDecodeError(file, `Cannot read video ${file}: it has no video stream`);
  return { width: stream.width, height: stream.height, durationSeconds: Number(info.format?.duration ?? NaN) };
}

/**
 * Yields frames one by one. The frame's `data` buffer is reused for the next frame: copy it if you
 * keep it past the next iteration. Breaking out of the loop stops ffmpeg.
 */
export async function* decodeVideoFile(file: string, options: DecodeFileOptions): AsyncGenerator<DecodedFrame> {
  if (!(options.fps > 0 && options.fps <= 60)) throw new RangeError(`fps must be in (0, 60], got ${options.fps}`);
  const info = await probeVideo(file, options.ffprobePath);
  const frameBytes = options.width * options.height * 3;
  const child = spawn(
    options.ffmpegPath ?? 'ffmpeg',
    [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-i', file,
      '-an', '-sn', '-dn',
      '-vf', `${options.privacyMaskFilter ? `${options.privacyMaskFilter},` : ''}fps=${options.fps},${letterboxFilter(options.width, options.height, options.padValue)}`,
      '-pix_fmt', 'bgr24', '-f', 'rawvideo', 'pipe:1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  const closed = new Promise<number | null>((resolve, reject) => {
    child.once('close', (code) => resolve(code));
    child.once('error', reject);
  });
  const frame: DecodedFrame = {
    data: Buffer.allocUnsafe(frameBytes),
    width: options.width,
    height: options.height,
    index: 0,
    timestampMs: 0,
    letterboxedFrom: { width: info.width, height: info.height },
  };
  const buffer = frame.data as Buffer;
  let filled = 0;
  let index = 0;
  let finished = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        chunk.copy(buffer, filled, offset, offset + take);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          frame.index = index;
          frame.timestampMs = (index * 1000) / options.fps;
          yield frame;
          index++;
          filled = 0;
        }
      }
    }
    const code = await closed;
    finished = true;
    if (code !== 0) {
      throw new VideoDecodeError(file, `ffmpeg could not decode ${file} (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    if (index === 0) throw new VideoDecodeError(file, `ffmpeg decoded no frames from ${file}`);
  } finally {
    if (!finished) {
      child.kill('SIGKILL');
      await closed.catch(() => undefined);
    }
  }
}
