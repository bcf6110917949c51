// Every ffmpeg command line CityOps runs for cameras is built here, and every ffmpeg process is started
// here: the per-camera ingest pipeline, evidence clip export and the camera simulator's publishers.
//
// Process hygiene: each ffmpeg runs in its own process group (detached), so stop() signals the whole
// group; and under `setpriv --pdeathsig KILL`, so the kernel kills it if the worker dies without
// stopping it (kill -9, crash); where setpriv is missing (macOS), the child watchdog stops its group.
// Its stdout pipe closing is a last line of defence.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { childWatchdog } from '@cityops/core/child-watchdog';
import { redactUrl } from '@cityops/core/logger';
import { AppError } from '@cityops/core/errors';
import { letterboxFilter } from '@cityops/models/letterbox';
import type { InputGeometry } from '@cityops/models/manifest';

let setprivAvailable: boolean | undefined;
function hasSetpriv(): boolean {
  setprivAvailable ??= spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;
  return setprivAvailable;
}

export interface FfmpegProcessOptions {
  ffmpegPath: string;
  args: string[];
  /** stdout as a pipe (frames) or ignored. */
  stdout?: 'pipe' | 'ignore';
  /** Called with each complete stderr line. */
  onStderrLine?: (line: string) => void;
  /**
   * Text written to the child's file descriptor 3, then closed: ffmpeg reads it as `pipe:3`. What must
   * not be in the command line (a camera's credentials) goes here: /proc/<pid>/cmdline is readable by
   * every local user, the descriptor only by the process's owner.
   */
  pipe3Text?: string;
  /** The same on file descriptor 4 (`pipe:4`), after pipe3Text: a second camera URL (the detect stream). */
  pipe4Text?: string;
}

/** One ffmpeg process in its own process group. */
export class FfmpegProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitedFlag = false;

  constructor(options: FfmpegProcessOptions) {
    const command = hasSetpriv() ? 'setpriv' : options.ffmpegPath;
    const args = hasSetpriv() ? ['--pdeathsig', 'KILL', '--', options.ffmpegPath, ...options.args] : options.args;
    const pipeTexts = [options.pipe3Text, options.pipe4Text].filter((text): text is string => text !== undefined);
    const stdio = ['ignore', options.stdout ?? 'ignore', 'pipe', ...pipeTexts.map(() => 'pipe' as const)] as const;
    this.child = spawn(command, args, { detached: true, stdio: [...stdio] });
    pipeTexts.forEach((text, index) => {
      const pipe = this.child.stdio[3 + index] as Writable;
      // ffmpeg may exit before reading it (bad binary, killed): that is its exit to report, not ours.
      pipe.on('error', () => {});
      pipe.end(text);
    });
    const group = this.child.pid ? -this.child.pid : undefined;
    if (group) childWatchdog.watch(group, 'SIGTERM');
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        if (group) childWatchdog.unwatch(group);
        this.exitedFlag = true;
        resolve({ code, signal });
      });
      this.child.once('error', () => {
        this.exitedFlag = true;
        resolve({ code: -1, signal: null });
      });
    });
    let partial = '';
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => {
      const lines = (partial + text).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      if (partial.length > 4096) partial = partial.slice(-4096);
      for (const line of lines) if (line) options.onStderrLine?.(line);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exitedFlag;
  }

  /** SIGTERM to the process group (ffmpeg finishes its files), SIGKILL if it lingers. */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.running || this.child.pid === undefined) return;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Anything ffmpeg itself started (it does not, but a wrapper could) goes with the group.
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      // group already gone
    }
  }
}

/** Runs ffmpeg to completion (clip export, preparing simulator sources). Rejects with its last error lines. */
export async function runFfmpeg(ffmpegPath: string, args: string[], timeoutMs = 120_000): Promise<void> {
  const tail: string[] = [];
  const ffmpeg = new FfmpegProcess({
    ffmpegPath,
    args,
    onStderrLine: (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
    },
  });
  const timer = setTimeout(() => void ffmpeg.stop(0), timeoutMs);
  const { code, signal } = await ffmpeg.exited;
  clearTimeout(timer);
  if (code !== 0) throw new AppError('ffmpeg_failed', `ffmpeg failed (${signal ?? `exit ${code}`}): ${tail.slice(-4).join(' | ')}`);
}

// ---------------------------------------------------------------------------------------------------
// Camera ingest: one process, one RTSP session, three outputs.

/**
 * What the analytics output decodes: every frame, sampled at the detect rate (cameras holding an
 * analysis slot), or keyframes only (the cheap tier: health, snapshot, motion score). Skipping the
 * P-frames skips most of the decoding work (slots bench: 170.8 % vs 53.1 % CPU per 100 cameras).
 */
export type DecodeMode = 'all' | 'keyframes';

export interface IngestArgsOptions {
  /** With credentials; never in a command line or a log (see ingestCommand and redactUrl). */
  rtspUrl: string;
  /**
   * The camera's detect stream (a low-resolution substream), with credentials like rtspUrl. When set,
   * the analytics frames are decoded from it and rtspUrl is only copied (live relay, evidence buffer):
   * decoding 640×360 instead of the main stream's full size is what this saves.
   */
  detectStreamUrl?: string;
  detectFps: number;
  /**
   * The model input the analytics frames are letterboxed to, from the model manifest (same size and
   * padding grey as the model's, so the detector needs no re-scaling or re-padding).
   */
  frame: InputGeometry;
  /** Default 'all'. */
  decode?: DecodeMode;
  /** Seconds without any data before ffmpeg gives up on the socket (the watchdog is the backstop). */
  socketTimeoutSeconds: number;
  /** rtmp:// URL of the local node-media-server, or undefined when live view is off for this camera. */
  relayUrl?: string;
  /** Segment file pattern (strftime) for the rolling evidence buffer, or undefined. */
  segmentPattern?: string;
  segmentSeconds: number;
  /**
   * The camera's privacy masks as a filter chain (privacyMaskFilter in privacy-mask.ts), painted on
   * every decoded picture. The live relay and the evidence buffer then carry the masked picture,
   * re-encoded, instead of a copy of the camera's stream: a copy would show what the mask hides.
   */
  privacyMaskFilter?: string;
}

export interface IngestCommand {
  /** ffmpeg's arguments: no camera URL in them. */
  args: string[];
  /** The input, for FfmpegProcess's pipe3Text: an ffconcat script naming the camera URL. */
  pipe3Text: string;
  /** The detect stream's script (input #1, `pipe:4`), when the camera has one. */
  pipe4Text?: string;
}

/**
 * The camera URL carries its credentials (user:password@, or ?password= for some cameras) and a
 * command line is world-readable (`ps`, /proc/<pid>/cmdline). So ffmpeg reads its input through the
 * concat demuxer from an ffconcat script on file descriptor 3 (`-i pipe:3`): the URL and the RTSP
 * options travel in the script (its `option` directive; Debian 12's ffmpeg 5.1 has it). A pipe rather
 * than a 0600 file: nothing on disk to protect or to leave behind after a crash. Rather than a
 * loopback RTSP relay adding the credentials: no second RTSP stack (Digest, RTSPS) to maintain.
 * The concat context only wraps the RTSP one: packets, decoder options (-skip_frame) and errors
 * (401 and the rest, on stderr) are the RTSP demuxer's as before.
 */
export function ingestCommand(options: IngestArgsOptions): IngestCommand {
  return {
    args: ingestArgs(options),
    pipe3Text: rtspInputScript(options),
    ...(options.detectStreamUrl === undefined ? {} : { pipe4Text: rtspInputScript({ ...options, rtspUrl: options.detectStreamUrl }) }),
  };
}

const RTSP_PROBE_AND_TIMING: Array<[string, string]> = [
  // Probe for at most 1 s: the SDP and the first keyframe tell everything needed; each second here
  // is a second longer to recover after every restart.
  ['analyzeduration', '1000000'],
  ['probesize', '2000000'],
  // Stamp packets with the arrival time: many cameras send broken or missing RTP timestamps (and
  // none before their first RTCP report). Generate what is missing, drop what is corrupt. These are
  // Frigate's RTSP input defaults, proven on thousands of cameras.
  ['use_wallclock_as_timestamps', '1'],
  ['fflags', '+genpts+discardcorrupt'],
];

export /** Options of the RTSP input, set on the RTSP demuxer inside the concat script. */
function rtspInputScript(options: Pick<IngestArgsOptions, 'rtspUrl' | 'socketTimeoutSeconds'>): string {
  // A line break would end the `file` line and let the rest of the URL add directives.
  if (/[\r\n\0]/.test(options.rtspUrl)) throw new AppError('invalid_camera_url', 'the camera URL contains a line break', 'rtspUrl');
  return [
    'ffconcat version 1.0',
    `file ${concatQuote(options.rtspUrl)}`,
    'option rtsp_transport tcp',
    // RTSP socket I/O timeout in microseconds (ffmpeg ≥ 5: timeout; stimeout is gone).
    `option timeout ${Math.round(options.socketTimeoutSeconds * 1_000_000)}`,
    // See ingestArgs: probing, timestamps and corrupt packets, on the RTSP demuxer itself as before.
    ...RTSP_PROBE_AND_TIMING.map(([name, value]) => `option ${name} ${value}`),
    '',
  ].join('\n');
}

/** ffconcat quoting: inside single quotes nothing is special but the quote itself. */
function concatQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

function ingestArgs(options: IngestArgsOptions): string[] {
  const keyframesOnly = options.decode === 'keyframes';
  // Input #0 is always the main stream (copied to the relay and the buffer, and decoded when there is
  // no detect stream); input #1, when set, the detect stream, only decoded. Input options apply to the
  // next -i, so each input gets its own.
  const separateDetectStream = options.detectStreamUrl !== undefined;
  const decoded = separateDetectStream ? 1 : 0;
  const inputArgs = (script: string, isDecoded: boolean) => [
    // One decoder thread per camera: hundreds of processes share the cores; frame threads only add
    // latency and memory here.
    '-threads', '1',
    // The same probing and timing on the concat context as on the RTSP one inside it: the outer one
    // probes again and stamps what it passes on.
    ...RTSP_PROBE_AND_TIMING.flatMap(([name, value]) => [`-${name}`, value]),
    // Keyframes only: the decoder drops every other frame before decoding it. Decoder option, so the
    // stream copies below (which never decode) still carry every frame.
    ...(keyframesOnly && isDecoded ? ['-skip_frame', 'nokey'] : []),
    // The camera URL comes from the script on fd 3 or 4 (see ingestCommand). Nested inputs inherit this
    // whitelist: the script's pipe, and TCP or TLS for RTSP(S); nothing else (no file, no http).
    '-protocol_whitelist', 'pipe,tcp,tls',
    '-f', 'concat', '-safe', '0',
    '-i', script,
  ];
  const frameSteps = keyframesOnly
    ? letterboxFilter(options.frame.width, options.frame.height, options.frame.padValue)
    : `fps=${options.detectFps},${letterboxFilter(options.frame.width, options.frame.height, options.frame.padValue)}`;
  const mask = options.privacyMaskFilter;
  const copies = copyOutputs(options);
  // A masked camera without a detect stream decodes its main stream for both the frames and the
  // re-encoded copies: every frame must then be decoded, and the frames keep one per GOP by filtering.
  const sharedMaskedDecode = mask !== undefined && !separateDetectStream && copies.length > 0;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    // verbose: the scale filter reports the source size at start and after every mid-stream
    // resolution change; the health monitor parses it (see parseIngestLine).
    '-loglevel', 'verbose',
    ...inputArgs('pipe:3', !separateDetectStream && !sharedMaskedDecode),
    ...(separateDetectStream ? inputArgs('pipe:4', true) : []),
  ];
  if (mask === undefined) args.push('-map', `${decoded}:v:0`, '-vf', frameSteps);
  else if (!sharedMaskedDecode) args.push('-filter_complex', `[${decoded}:v:0]${mask},${frameSteps}[frames]`, '-map', '[frames]');
  else {
    const keyframeSelect = keyframesOnly ? String.raw`select=eq(pict_type\,I),` : '';
    args.push('-filter_complex', `[0:v:0]${mask},split=2[masked][view];[masked]${keyframeSelect}${frameSteps}[frames]`, '-map', '[frames]');
  }
  args.push(
    // (a) sampled, letterboxed bgr24 frames for analytics on stdout.
    '-an',
    // Keyframes: no fps filter, and passthrough timing; rawvideo would otherwise be written at the
    // camera's constant frame rate, repeating each keyframe until the next one (decoding saved,
    // scaling and piping not).
    ...(keyframesOnly ? ['-fps_mode', 'passthrough'] : []),
    '-f', 'rawvideo',
    '-flush_packets', '1',
    // Which camera this process pulls, for whoever reads `ps` (and the tests): the URL without its
    // credentials. Metadata of the rawvideo output, which writes none: it changes nothing else.
    '-metadata', `cityops_camera=${urlWithoutCredentials(options.rtspUrl)}`,
    ...(separateDetectStream ? ['-metadata', `cityops_detect_stream=${urlWithoutCredentials(options.detectStreamUrl!)}`] : []),
    'pipe:1',
  );
  if (!copies.length) return args;
  if (mask === undefined) {
    // -copytb 1: the copy keeps the demuxer's (wall-clock, µs) time base; ffmpeg's default derives a
    // coarse one from the frame rate, and arrival jitter then makes timestamps go backwards.
    args.push('-map', '0:v:0', '-an', '-c:v', 'copy', '-copytb', '1', '-f', 'tee', copies.join('|'));
    return args;
  }
  if (!sharedMaskedDecode) {
    // The main stream is decoded for the copies alone (the frames come from the detect stream).
    const last = args.indexOf('-filter_complex') + 1;
    args[last] += `;[0:v:0]${mask}[view]`;
  }
  // The masked picture re-encoded at the camera's size and timing: ultrafast and zerolatency keep the
  // CPU and the delay low (measured by `npm run bench -- masks`); a keyframe every 2 s lets a viewer
  // join and a clip start within 2 s of where it is asked to.
  args.push(
    '-map', '[view]', '-an',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-crf', '26', '-pix_fmt', 'yuv420p',
    '-force_key_frames', 'expr:gte(t,n_forced*2)', '-fps_mode', 'passthrough', '-threads', '1',
    '-f', 'tee', copies.join('|'),
  );
  return args;
}

/**
 * (b) the live relay and the rolling segment buffer. The tee muxer with onfail=ignore keeps frames
 * flowing when one of them fails (relay restarting, disk full, a codec FLV cannot carry).
 */
function copyOutputs(options: IngestArgsOptions): string[] {
  const copies: string[] = [];
  if (options.relayUrl) copies.push(`[f=flv:onfail=ignore:flvflags=no_duration_filesize]${teeEscape(options.relayUrl)}`);
  if (options.segmentPattern) {
    copies.push(
      `[f=segment:onfail=ignore:segment_time=${options.segmentSeconds}:segment_format=mpegts:strftime=1:reset_timestamps=0]` +
        teeEscape(options.segmentPattern),
    );
  }
  // A null slave that cannot fail: when every real slave has failed, the tee would end ffmpeg.
  if (copies.length) copies.push('[f=null]null');
  return copies;
}

function urlWithoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return redactUrl(parsed.toString());
  } catch {
    return 'unparsable-url';
  }
}

/** Escapes the characters the tee muxer treats specially in a slave's filename. */
function teeEscape(value: string): string {
  return value.replace(/[\\|[\]]/g, (char) => `\\${char}`);
}

export interface IngestLineEvent {
  /** Codec name of the camera's (main) video stream, input #0, from the input description. */
  codec?: string;
  /** Codec name of the detect stream (input #1), when the camera has one. */
  detectCodec?: string;
  /** Picture size the camera sends, reported at start and after each resolution change. */
  sourceSize?: { width: number; height: number };
  /** A failure a person can act on. */
  failure?: { code: IngestFailureCode; message: string };
}

export type IngestFailureCode =
  | 'auth_failed'
  | 'not_found'
  | 'unavailable'
  | 'unreachable'
  | 'timeout'
  | 'not_rtsp'
  | 'invalid_data'
  | 'no_video';

/** Reads the stderr of one ingest process, line by line. */
export class IngestLogParser {
  /** ffmpeg describes its inputs, then its outputs, with the same "Stream #0:0: Video:" lines. */
  private section: 'input' | 'output' | undefined;

  parse(line: string): IngestLineEvent | undefined {
    if (/^Input #\d+/.test(line)) this.section = 'input';
    else if (/^Output #\d+/.test(line)) this.section = 'output';
    const stream = /^\s+Stream #([01]):\d+.*?: Video: ([a-z0-9_]+)/.exec(line);
    if (stream) return this.section !== 'input' ? undefined : stream[1] === '0' ? { codec: stream[2] } : { detectCodec: stream[2] };
    return parseIngestLine(line);
  }
}

/** Lines about the live relay or the segment buffer (the copy outputs), not about the camera. */
const COPY_OUTPUT_LINE = /^\[(tee|flv|rtmp|segment|mpegts|null) @|rtmp:\/\/|tcp_nodelay=/;

/** Failures and size changes in one ffmpeg stderr line of an ingest process. */
export function parseIngestLine(rawLine: string): IngestLineEvent | undefined {
  if (COPY_OUTPUT_LINE.test(rawLine)) return undefined;
  // ffmpeg names the input URL, password included, in its errors: messages go to the database and
  // to people, so the password never gets that far.
  const line = redactUrl(rawLine);
  // [Parsed_scale_1 @ 0x..] w:640 h:360 fmt:yuv420p sar:1/1 -> w:416 h:234 fmt:bgr24 ...
  const scale = /Parsed_scale_\d+ @ [^\]]+\] w:(\d+) h:(\d+) fmt:\S+ sar:\S+ -> /.exec(line);
  if (scale) return { sourceSize: { width: Number(scale[1]), height: Number(scale[2]) } };
  if (/\b401 Unauthorized\b/.test(line)) return { failure: { code: 'auth_failed', message: 'the camera refused the user name or password (401)' } };
  if (/\b403 Forbidden\b/.test(line)) return { failure: { code: 'auth_failed', message: 'the camera refused access (403)' } };
  if (/\b404 (Not Found|Stream Not Found)\b/.test(line)) return { failure: { code: 'not_found', message: 'the camera has no stream at this path (404)' } };
  if (/\b(503|500|454) /.test(line) && /method \w+ failed/.test(line)) {
    return { failure: { code: 'unavailable', message: `the camera answered: ${line.replace(/^.*failed: /, '').slice(0, 80)}` } };
  }
  if (/Connection refused|No route to host|Network is unreachable|Name or service not known|Temporary failure in name resolution/.test(line)) {
    return { failure: { code: 'unreachable', message: `camera unreachable: ${line.replace(/^\[[^\]]*\]\s*/, '').slice(0, 120)}` } };
  }
  if (/Connection timed out|timed out/i.test(line)) return { failure: { code: 'timeout', message: 'no answer from the camera (timeout)' } };
  if (/Protocol not found|Invalid data found when processing input|Invalid argument/.test(line)) {
    return { failure: { code: 'invalid_data', message: 'the camera sent something that is not a playable RTSP stream' } };
  }
  if (/Output file #0 does not contain any stream|Stream map '0:v:0' matches no streams|matches no streams/.test(line)) {
    return { failure: { code: 'no_video', message: 'the stream has no video track' } };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Evidence clips.

export interface ClipArgsOptions {
  /** A concat-demuxer list file naming the segments in order. */
  segmentListFile: string;
  /** Offset into the concatenated segments where the clip starts, seconds. */
  startOffsetSeconds: number;
  durationSeconds: number;
  outputFile: string;
}

/** Joins stream-copied segments into one MP4 (no re-encoding; cut points snap to keyframes). */
export function clipArgs(options: ClipArgsOptions): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'concat', '-safe', '0',
    '-ss', options.startOffsetSeconds.toFixed(3),
    '-i', options.segmentListFile,
    '-t', options.durationSeconds.toFixed(3),
    '-map', '0:v:0', '-c', 'copy',
    // moov first: the clip plays in a browser before it has fully downloaded.
    '-movflags', '+faststart',
    '-y', options.outputFile,
  ];
}

// ---------------------------------------------------------------------------------------------------
// Camera simulator: publishers that push a source to the simulator's RTSP server.

export interface PreparedSourceOptions {
  /** A video file, or one of ffmpeg's moving test patterns when no asset is available. */
  input: { file: string } | { pattern: 'testsrc2' | 'testsrc' };
  width: number;
  height: number;
  codec: 'h264' | 'h265' | 'mpeg4';
  maxSeconds: number;
  gopSeconds: number;
  outputFile: string;
}

/**
 * Re-encodes a video once into what a typical city camera sends: short GOP (so a viewer starts within
 * a second), no B-frames, fixed size, parameter sets in front of every keyframe (MPEG-TS output: the
 * encoders repeat them when there is no global header), so a viewer can join at any GOP. The
 * simulator then loops it with stream copy, which costs almost no CPU per simulated camera.
 */
export function prepareSourceArgs(options: PreparedSourceOptions): string[] {
  const input =
    'file' in options.input
      ? ['-i', options.input.file]
      : ['-f', 'lavfi', '-i', `${options.input.pattern}=size=${options.width}x${options.height}:rate=15`];
  const fps = 15;
  const gop = String(Math.max(1, Math.round(options.gopSeconds * fps)));
  const encoder =
    options.codec === 'h264'
      ? ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-bf', '0', '-crf', '26', '-maxrate', '1500k', '-bufsize', '3000k']
      : options.codec === 'h265'
        ? ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'bframes=0:log-level=error', '-crf', '30']
        : ['-c:v', 'mpeg4', '-q:v', '6', '-bf', '0'];
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...input,
    '-t', String(options.maxSeconds),
    '-an',
    '-vf', `fps=${fps},scale=${options.width}:${options.height}:force_original_aspect_ratio=decrease,pad=${options.width}:${options.height}:(ow-iw)/2:(oh-ih)/2,setsar=1`,
    ...encoder,
    '-g', gop, '-keyint_min', gop, '-sc_threshold', '0',
    '-pix_fmt', 'yuv420p',
    '-y', options.outputFile,
  ];
}

/** Loops a prepared file in real time, stream copied. */
export function publishFileArgs(file: string, publishUrl: string): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-re', '-stream_loop', '-1', '-i', file,
    '-map', '0:v:0', '-c:v', 'copy',
    '-f', 'rtsp', '-rtsp_transport', 'tcp', publishUrl,
  ];
}

/** One still picture, encoded continuously: a frozen camera (or, with `black`, a covered lens). */
export function publishStillArgs(picture: { imageFile: string } | { black: true }, size: { width: number; height: number }, publishUrl: string): string[] {
  const input =
    'imageFile' in picture
      ? ['-loop', '1', '-framerate', '15', '-i', picture.imageFile]
      : ['-f', 'lavfi', '-i', `color=c=black:size=${size.width}x${size.height}:rate=15`];
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-re', ...input,
    '-an', '-vf', `scale=${size.width}:${size.height},setsar=1`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'stillimage', '-bf', '0', '-g', '15', '-pix_fmt', 'yuv420p',
    '-bsf:v', 'dump_extra',
    '-f', 'rtsp', '-rtsp_transport', 'tcp', publishUrl,
  ];
}

/** Grabs the picture at `seconds` of a file (the frame a freeze fault then repeats). */
export function grabFrameArgs(file: string, seconds: number, outputFile: string): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-ss', seconds.toFixed(2), '-i', file, '-frames:v', '1', '-y', outputFile];
}
