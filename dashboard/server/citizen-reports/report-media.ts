// What a resident's photos and clip become before anything stores them: checked by their content (not
// their name or declared type) and cleaned of what could identify the resident or their phone. A photo
// keeps no EXIF (GPS, device serial, owner name), XMP or comment; a clip is re-encoded from its decoded
// frames without sound or metadata, so only pictures survive.
//
// Most photos come from the report page already shrunk by the phone's canvas, which writes a plain JPEG
// without EXIF: for those the metadata segments are dropped byte for byte (microseconds, no quality lost),
// which is what lets one api process take hundreds of reports a second. Anything else (a camera original,
// PNG, WebP, a rotated picture) is decoded and encoded again as JPEG by sharp, which writes no metadata.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { AppError, badRequest } from '@cityops/core/errors';
import { counter } from '@cityops/core/metrics';
import { REPORT_LIMITS } from '@cityops/contract/citizen-reports';
import type { MediaStore } from '@cityops/core/media-store';
import { jpegHeaderSegments } from '../jpeg-header.ts';
import { checkedPhoto } from '../photo-upload.ts';

const run = promisify(execFile);
const cleaned = counter('cityops_report_media_total', 'residents\' photos and clips stored, by kind and how they were cleaned', ['kind', 'how']);

/** Longest side a stored photo keeps: enough to read a plate or a street sign, small enough for 2G. */
const MAX_PHOTO_SIDE = 1600;

/** A photo or clip once cleaned: what may be stored. */
export interface CleanedMedia {
  kind: 'photo' | 'clip';
  contentType: string;
  width: number;
  height: number;
  durationSeconds: number | null;
  bytes: Buffer;
}

/** A cleaned photo or clip written to the media store: what its row keeps. */
export type StoredMedia = Omit<CleanedMedia, 'bytes'> & { fileName: string };

const EXTENSION: Record<string, string> = { 'image/jpeg': 'jpg', 'video/mp4': 'mp4' };

/**
 * Writes the report's cleaned media to the store, before the report's transaction (which names the
 * files). All or none: when one write fails, those already written are deleted again.
 */
export async function saveMedia(store: MediaStore, media: CleanedMedia[]): Promise<StoredMedia[]> {
  const written = await Promise.allSettled(media.map((item) => store.put(item.bytes, EXTENSION[item.contentType] ?? 'bin')));
  const failed = written.find((result) => result.status === 'rejected');
  if (failed) {
    await store.remove(written.flatMap((result) => (result.status === 'fulfilled' ? [result.value.name] : [])));
    throw failed.reason;
  }
  return media.map(({ bytes: _bytes, ...item }, index) => ({ ...item, fileName: (written[index] as PromiseFulfilledResult<{ name: string }>).value.name }));
}

/** A photo as stored: JPEG, at most 1600 px, upright, with no metadata. A 400 for anything not an image. */
export async function cleanPhoto(bytes: Buffer): Promise<CleanedMedia> {
  const photo = await checkedPhoto(bytes, 'report');
  if (photo.contentType === 'image/jpeg' && photo.orientation === 1 && Math.max(photo.width, photo.height) <= MAX_PHOTO_SIDE) {
    const stripped = stripJpegMetadata(bytes);
    if (stripped) {
      cleaned.inc({ kind: 'photo', how: 'stripped' });
      return { kind: 'photo', contentType: 'image/jpeg', width: photo.width, height: photo.height, durationSeconds: null, bytes: stripped };
    }
  }
  let encoded;
  try {
    encoded = await sharp(bytes, { failOn: 'error' })
      .rotate() // applies the EXIF orientation, since the tag that carried it is not kept
      .resize({ width: MAX_PHOTO_SIDE, height: MAX_PHOTO_SIDE, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 82, mozjpeg: false })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new AppError('not_an_image', `the photo could not be decoded (${(error as Error).message.split('\n')[0]})`, 'photo');
  }
  cleaned.inc({ kind: 'photo', how: 'reencoded' });
  return { kind: 'photo', contentType: 'image/jpeg', width: encoded.info.width, height: encoded.info.height, durationSeconds: null, bytes: encoded.data };
}

/**
 * The JPEG without its APPn segments other than JFIF (APP0) and without comments: EXIF and XMP live in
 * APP1, ICC and maker notes in others. Undefined when the file's structure is not what a JPEG should be
 * (the caller re-encodes it instead). After the start of scan the bytes are image data, copied as they are.
 */
export function stripJpegMetadata(bytes: Buffer): Buffer | undefined {
  const segments = jpegHeaderSegments(bytes);
  if (!segments) return undefined;
  // The last segment is the start of scan: it and the picture data after it are kept as they are.
  const header = segments.slice(0, -1);
  const kept = header.filter(({ marker, bytes: segment }) => {
    const isApp = marker >= 0xe0 && marker <= 0xef;
    const isJfif = marker === 0xe0 && segment.subarray(4, 9).toString('latin1') === 'JFIF\0';
    return (!isApp || isJfif) && marker !== 0xfe;
  });
  // Nothing to drop (the report page's own JPEG): no copy.
  if (kept.length === header.length) return bytes;
  return Buffer.concat([bytes.subarray(0, 2), ...kept.map((segment) => segment.bytes), bytes.subarray(segments.at(-1)!.at)]);
}

/** Clips are re-encoded one at a time per process: a burst of clips must not starve every other request. */
let clipQueue: Promise<unknown> = Promise.resolve();

/**
 * A clip as stored: H.264 MP4 of at most 1280 px wide, no sound, no metadata, made from the decoded
 * frames. A 400 when it does not decode as video or runs longer than the limit.
 */
export async function cleanClip(bytes: Buffer, ffmpegPath: string): Promise<CleanedMedia> {
  const job = clipQueue.then(() => reencodeClip(bytes, ffmpegPath));
  clipQueue = job.catch(() => undefined);
  return job;
}

async function reencodeClip(bytes: Buffer, ffmpegPath: string): Promise<CleanedMedia> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cityops-clip-'));
  try {
    const input = path.join(dir, 'input');
    const output = path.join(dir, 'clip.mp4');
    await writeFile(input, bytes);
    // A browser's recording (WebM from MediaRecorder) often does not say how long it is: then the
    // re-encoded copy, cut one second past the limit, tells.
    const probed = await probeVideo(ffmpegProbePath(ffmpegPath), input);
    if (probed.durationSeconds !== null) refuseLongerThanLimit(probed.durationSeconds);
    try {
      await run(
        ffmpegPath,
        ['-hide_banner', '-nostdin', '-v', 'error', '-xerror', '-i', input, '-map', '0:v:0', '-an', '-sn', '-dn', '-map_metadata', '-1', '-map_chapters', '-1',
          '-t', String(REPORT_LIMITS.maxClipSeconds + 1), '-vf', "scale='min(1280,iw)':-2,format=yuv420p", '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '28',
          '-threads', '1', '-movflags', '+faststart', '-f', 'mp4', output],
        { timeout: 120_000, maxBuffer: 1024 * 1024 },
      );
    } catch (error) {
      throw new AppError('not_a_video', `the clip could not be decoded as video (${String((error as { stderr?: string }).stderr ?? '').trim().split('\n').at(-1)?.slice(0, 200) || 'ffmpeg failed'})`, 'clip');
    }
    const stored = await readFile(output);
    const result = await probeVideo(ffmpegProbePath(ffmpegPath), output).catch(() => undefined);
    if (!result || result.durationSeconds === null || !stored.length) throw new AppError('not_a_video', 'the clip held no picture that could be decoded', 'clip');
    refuseLongerThanLimit(result.durationSeconds);
    cleaned.inc({ kind: 'clip', how: 'reencoded' });
    return { kind: 'clip', contentType: 'video/mp4', width: result.width, height: result.height, durationSeconds: result.durationSeconds, bytes: stored };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function refuseLongerThanLimit(durationSeconds: number) {
  if (durationSeconds > REPORT_LIMITS.maxClipSeconds + 0.5) {
    throw badRequest(`the clip lasts ${durationSeconds >= REPORT_LIMITS.maxClipSeconds + 1 ? 'more than ' + REPORT_LIMITS.maxClipSeconds : durationSeconds.toFixed(1)} s; send at most ${REPORT_LIMITS.maxClipSeconds} s`, 'clip', { reason: 'clip_too_long', params: { maximum: REPORT_LIMITS.maxClipSeconds } });
  }
}

/** ffprobe lives beside ffmpeg in every distribution of it. */
const ffmpegProbePath = (ffmpegPath: string) => ffmpegPath.replace(/ffmpeg(\.exe)?$/, 'ffprobe$1');

async function probeVideo(ffprobePath: string, file: string): Promise<{ durationSeconds: number | null; width: number; height: number }> {
  let stdout: string;
  try {
    ({ stdout } = await run(
      ffprobePath,
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,duration:format=duration', '-of', 'json', file],
      { timeout: 20_000, maxBuffer: 1024 * 1024 },
    ));
  } catch {
    throw new AppError('not_a_video', 'the clip is not a video this server can read (expected MP4, WebM, MOV or 3GP)', 'clip');
  }
  const parsed = JSON.parse(stdout) as { streams?: Array<{ width?: number; height?: number; duration?: string }>; format?: { duration?: string } };
  const stream = parsed.streams?.[0];
  if (!stream?.width || !stream.height) throw new AppError('not_a_video', 'the clip holds no video picture', 'clip');
  const durationSeconds = Number(stream.duration ?? parsed.format?.duration ?? NaN);
  return { durationSeconds: Number.isFinite(durationSeconds) ? durationSeconds : null, width: stream.width, height: stream.height };
}
