import { describe, expect, it } from 'vitest';
import { inputGeometry, loadManifest } from '@cityops/models/manifest';
import { IngestLogParser, ingestCommand, parseIngestLine, type IngestArgsOptions } from './ffmpeg.ts';

/** The default model's input: 416x416, grey 114. */
const frame = inputGeometry(loadManifest('yolox-nano'));

const ingestArgs = (options: IngestArgsOptions) => ingestCommand(options).args;

describe('ingest ffmpeg arguments', () => {
  it('pulls RTSP over TCP once, with frames on stdout and the copies behind one tee', () => {
    const args = ingestArgs({
      rtspUrl: 'rtsp://u:p@10.0.0.5/ch1',
      detectFps: 2,
      frame,
      socketTimeoutSeconds: 5,
      relayUrl: 'rtmp://127.0.0.1:1935/live/abc?sign=1-x',
      segmentPattern: '/data/buf/run-%s.ts',
      segmentSeconds: 2,
    });
    expect(args.filter((arg) => arg === '-i')).toHaveLength(1);
    expect(args[args.indexOf('-i') + 1]).toBe('pipe:3');
    expect(args[args.indexOf('-vf') + 1]).toMatch(/^fps=2,scale=416:416:force_original_aspect_ratio=decrease,format=bgr24,pad=416:416:.*0x727272$/);
    expect(args).toContain('pipe:1');
    const tee = args[args.length - 1];
    expect(tee.split('|')).toEqual([
      '[f=flv:onfail=ignore:flvflags=no_duration_filesize]rtmp://127.0.0.1:1935/live/abc?sign=1-x',
      '[f=segment:onfail=ignore:segment_time=2:segment_format=mpegts:strftime=1:reset_timestamps=0]/data/buf/run-%s.ts',
      '[f=null]null',
    ]);
  });
});

describe('ingest input', () => {
  const options = { rtspUrl: "rtsp://u:p%27w@10.0.0.5/ch1?channel=1&password=q'x", detectFps: 2, frame, socketTimeoutSeconds: 5, segmentSeconds: 2 };

  it('keeps the camera URL out of the command line: ffmpeg reads it from a script on fd 3', () => {
    const { args, pipe3Text } = ingestCommand(options);
    expect(args.join(' ')).not.toMatch(/p%27w|q'x|u:/);
    // ps still tells which camera a process pulls.
    expect(args[args.indexOf('-metadata') + 1]).toBe('cityops_camera=rtsp://10.0.0.5/ch1?channel=1&password=***');
    expect(args.slice(args.indexOf('-f'), args.indexOf('-i') + 2)).toEqual(['-f', 'concat', '-safe', '0', '-i', 'pipe:3']);
    expect(pipe3Text.split('\n')).toEqual([
      'ffconcat version 1.0',
      "file 'rtsp://u:p%27w@10.0.0.5/ch1?channel=1&password=q'\\''x'",
      'option rtsp_transport tcp',
      'option timeout 5000000',
      'option analyzeduration 1000000',
      'option probesize 2000000',
      'option use_wallclock_as_timestamps 1',
      'option fflags +genpts+discardcorrupt',
      '',
    ]);
  });

  it('refuses a URL with a line break (it would add directives to the script)', () => {
    expect(() => ingestCommand({ ...options, rtspUrl: 'rtsp://10.0.0.5/a\noption x y' })).toThrow(/line break/);
  });
});

describe('a camera with a detect stream', () => {
  const options = {
    rtspUrl: 'rtsp://u:main-pass@10.0.0.5/main',
    detectStreamUrl: 'rtsp://u:main-pass@10.0.0.5/sub',
    detectFps: 1,
    frame,
    socketTimeoutSeconds: 5,
    relayUrl: 'rtmp://127.0.0.1:1935/live/abc',
    segmentPattern: '/data/buf/run-%s.ts',
    segmentSeconds: 2,
  };

  it('decodes the detect stream (input #1, fd 4) for analytics and only copies the main stream (input #0, fd 3)', () => {
    const { args, pipe3Text, pipe4Text } = ingestCommand({ ...options, decode: 'keyframes' });
    const inputs = args.flatMap((arg, index) => (arg === '-i' ? [args[index + 1]] : []));
    expect(inputs).toEqual(['pipe:3', 'pipe:4']);
    expect(pipe3Text).toContain("file 'rtsp://u:main-pass@10.0.0.5/main'");
    expect(pipe4Text).toContain("file 'rtsp://u:main-pass@10.0.0.5/sub'");
    expect(args.join(' ')).not.toContain('main-pass');
    // Skipping non-keyframes is a decoder option of the detect stream's input only.
    const secondInput = args.lastIndexOf('-i');
    expect(args.indexOf('-skip_frame')).toBeGreaterThan(args.indexOf('-i'));
    expect(args.indexOf('-skip_frame')).toBeLessThan(secondInput);
    const maps = args.flatMap((arg, index) => (arg === '-map' ? [args[index + 1]] : []));
    // Frames for analytics from the detect stream; the relay and buffer copy from the main stream.
    expect(maps).toEqual(['1:v:0', '0:v:0']);
    expect(args[args.length - 1]).toContain('rtmp://127.0.0.1:1935/live/abc');
  });

  it('without one, decodes and copies the one main stream as before', () => {
    const { args, pipe4Text } = ingestCommand({ ...options, detectStreamUrl: undefined });
    expect(pipe4Text).toBeUndefined();
    expect(args.flatMap((arg, index) => (arg === '-map' ? [args[index + 1]] : []))).toEqual(['0:v:0', '0:v:0']);
  });

  it('reads the codec of each input', () => {
    const parser = new IngestLogParser();
    parser.parse("Input #0, concat, from 'pipe:3':");
    expect(parser.parse('  Stream #0:0: Video: hevc (Main), yuv420p, 1920x1080')).toEqual({ codec: 'hevc' });
    parser.parse("Input #1, concat, from 'pipe:4':");
    expect(parser.parse('  Stream #1:0: Video: h264 (Main), yuv420p, 640x360')).toEqual({ detectCodec: 'h264' });
  });
});

describe('ingest decode modes', () => {
  const base = { rtspUrl: 'rtsp://10.0.0.5/ch1', detectFps: 4, frame, socketTimeoutSeconds: 5, relayUrl: 'rtmp://127.0.0.1:1935/live/abc', segmentSeconds: 2 };
  const beforeInput = (args: string[]) => args.slice(0, args.indexOf('-i'));

  it('decodes every frame, sampled at the detect rate, by default and in mode "all"', () => {
    for (const args of [ingestArgs(base), ingestArgs({ ...base, decode: 'all' })]) {
      expect(args).not.toContain('-skip_frame');
      expect(args).not.toContain('-fps_mode');
      expect(args[args.indexOf('-vf') + 1]).toMatch(/^fps=4,scale=416:416:/);
    }
  });

  it('decodes keyframes only, with no fps filter and no frame duplication, and still copies every frame', () => {
    const args = ingestArgs({ ...base, decode: 'keyframes' });
    const input = beforeInput(args);
    expect(input[input.indexOf('-skip_frame') + 1]).toBe('nokey');
    expect(args.filter((arg) => arg === '-skip_frame')).toHaveLength(1);
    expect(args[args.indexOf('-vf') + 1]).toMatch(/^scale=416:416:force_original_aspect_ratio=decrease,format=bgr24,pad=/);
    expect(args.join(' ')).not.toContain('fps=');
    // rawvideo's default would repeat each keyframe up to the camera's frame rate.
    expect(args[args.indexOf('-fps_mode') + 1]).toBe('passthrough');
    expect(args.indexOf('-fps_mode')).toBeLessThan(args.indexOf('pipe:1'));
    expect(args.slice(args.indexOf('pipe:1'))).toEqual(expect.arrayContaining(['-c:v', 'copy', '-f', 'tee']));
  });
});

describe('a camera with privacy masks', () => {
  const mask = 'drawbox=x=0:y=0:w=iw/2:h=ih:color=black:t=fill';
  const base = { rtspUrl: 'rtsp://10.0.0.5/ch1', detectFps: 2, frame, socketTimeoutSeconds: 5, segmentSeconds: 2, privacyMaskFilter: mask };
  const copies = { relayUrl: 'rtmp://127.0.0.1:1935/live/abc', segmentPattern: '/data/buf/run-%s.ts' };
  const graph = (args: string[]) => args[args.indexOf('-filter_complex') + 1];

  it('paints the mask before the letterbox, and re-encodes the masked picture for the relay and the buffer', () => {
    const args = ingestArgs({ ...base, ...copies });
    expect(graph(args)).toMatch(/^\[0:v:0\]drawbox=[^;]*,split=2\[masked\]\[view\];\[masked\]fps=2,scale=416:416:.*\[frames\]$/);
    expect(args).not.toContain('-vf');
    expect(args).not.toContain('copy');
    expect(args.slice(args.indexOf('[view]') - 1, args.indexOf('[view]') + 5)).toEqual(['-map', '[view]', '-an', '-c:v', 'libx264', '-preset']);
    expect(args[args.length - 1].split('|')).toHaveLength(3);
  });

  it('decodes the main stream whole in the keyframes tier (the copy needs every frame) and keeps one frame per GOP for analytics', () => {
    const args = ingestArgs({ ...base, ...copies, decode: 'keyframes' });
    expect(args).not.toContain('-skip_frame');
    expect(graph(args)).toContain(String.raw`[masked]select=eq(pict_type\,I),scale=416:416`);
  });

  it('with a detect stream, masks both: the substream for the frames, the main stream for the copies', () => {
    const args = ingestArgs({ ...base, ...copies, detectStreamUrl: 'rtsp://10.0.0.5/ch2', decode: 'keyframes' });
    expect(graph(args)).toMatch(/^\[1:v:0\]drawbox=[^;]*,scale=416:416:.*\[frames\];\[0:v:0\]drawbox=[^;]*\[view\]$/);
    // The substream alone feeds the frames: its decoder may skip to keyframes as without a mask.
    expect(args.filter((arg) => arg === '-skip_frame')).toHaveLength(1);
  });

  it('without copies (no live view, no buffer) only masks the frames', () => {
    const args = ingestArgs(base);
    expect(graph(args)).toMatch(/^\[0:v:0\]drawbox=[^;]*,fps=2,scale=416:416:.*\[frames\]$/);
    expect(args).not.toContain('libx264');
    expect(args).not.toContain('tee');
  });
});

describe('reading ingest ffmpeg output', () => {
  it('takes the codec from the input description, not from the outputs', () => {
    const parser = new IngestLogParser();
    expect(parser.parse("Input #0, rtsp, from 'rtsp://10.0.0.5/ch1':")).toBeUndefined();
    expect(parser.parse('  Stream #0:0: Video: h264 (Main), yuv420p(progressive), 640x360, 15 fps')).toEqual({ codec: 'h264' });
    parser.parse("Output #0, rawvideo, to 'pipe:1':");
    expect(parser.parse('  Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24, 416x416')).toBeUndefined();
  });

  it('reads the camera picture size from the scaler, at start and after a resolution change', () => {
    expect(parseIngestLine('[Parsed_scale_1 @ 0x55] w:1280 h:720 fmt:yuv420p sar:1/1 -> w:416 h:234 fmt:bgr24 sar:1/1 flags:0x0')).toEqual({
      sourceSize: { width: 1280, height: 720 },
    });
  });

  it('recognises a refused password and never repeats the password in its message', () => {
    const event = parseIngestLine('[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized');
    expect(event?.failure?.code).toBe('auth_failed');
    const refused = parseIngestLine('rtsp://admin:s3cret-pass@10.0.0.5:554/ch1: Connection refused');
    expect(refused?.failure?.code).toBe('unreachable');
    expect(refused?.failure?.message).not.toContain('s3cret-pass');
    const queryRefused = parseIngestLine("[concat @ 0x55] Impossible to open 'rtsp://10.0.0.5/ch1?user=admin&pwd=s3cret-pass&channel=1': Connection refused");
    expect(queryRefused?.failure?.message).toContain('channel=1');
    expect(queryRefused?.failure?.message).not.toMatch(/s3cret-pass|admin/);
  });

  it('does not blame the camera for the live relay or the segment buffer', () => {
    expect(parseIngestLine("[tee @ 0x55] Slave '[f=flv]rtmp://127.0.0.1:9/live/x': error opening: Connection refused")).toBeUndefined();
    expect(parseIngestLine('[tcp @ 0x55] Connection to tcp://127.0.0.1:9?tcp_nodelay=0 failed: Connection refused')).toBeUndefined();
  });
});
