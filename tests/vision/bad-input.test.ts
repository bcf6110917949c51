// Bad input to the vision pipeline: clear errors, and the pipeline keeps working afterwards.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDetector, type Detector } from '../../analytics/detect/detector.ts';
import { FrameError } from '../../analytics/detect/types.ts';
import { ModelFileError } from '../../models/fetch.ts';
import { loadManifest } from '../../models/manifest.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { analyze, videoPath, writeConfig } from './analyze-cli.ts';

const manifest = loadManifest('yolox-nano');
const work = mkdtempSync(path.join(tmpdir(), 'cityops-bad-input-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A data directory holding `bytes` as the model file, and no asset mirror. */
function dataDirWithModel(name: string, bytes: Buffer | string): string {
  const dataDir = path.join(work, name);
  mkdirSync(path.join(dataDir, 'models'), { recursive: true });
  writeFileSync(path.join(dataDir, 'models', manifest.file), bytes);
  return dataDir;
}

async function detectorError(dataDir: string): Promise<ModelFileError> {
  const error = await createDetector({ dataDir, assetMirrorDir: path.join(work, 'no-mirror'), allowDownload: false }).then(
    (detector) => detector.close().then(() => undefined),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ModelFileError);
  return error as ModelFileError;
}

describe('model file problems', () => {
  it('says which model file is missing and where it was looked for', async () => {
    const error = await detectorError(path.join(work, 'nothing-here'));
    expect(error.problem).toBe('missing');
    expect(error.message).toContain(path.join(work, 'nothing-here', 'models', manifest.file));
  });

  it('refuses a corrupt (empty) model file', async () => {
    const error = await detectorError(dataDirWithModel('empty', ''));
    expect(error.problem).toBe('corrupt');
    expect(error.message).toMatch(/empty \(0 bytes\)/);
  });

  it('refuses a model whose sha256 does not match, naming the file, expected and actual hash', async () => {
    const truncated = readFileSync(path.join(assetMirrorDir(), 'models', manifest.file)).subarray(0, 100_000);
    const dataDir = dataDirWithModel('truncated', truncated);
    const error = await detectorError(dataDir);
    expect(error.problem).toBe('checksum_mismatch');
    expect(error.message).toContain(path.join(dataDir, 'models', manifest.file));
    expect(error.message).toContain(manifest.sha256);
    expect(error.actualSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(error.message).toContain(error.actualSha256!);
  });
});

describe('frames of the wrong size', () => {
  let detector: Detector;
  beforeAll(async () => {
    const dataDir = path.join(work, 'good');
    mkdirSync(path.join(dataDir, 'models'), { recursive: true });
    copyFileSync(path.join(assetMirrorDir(), 'models', manifest.file), path.join(dataDir, 'models', manifest.file));
    detector = await createDetector({ dataDir, allowDownload: false });
  });
  afterAll(() => detector.close());

  it('rejects a frame whose bytes do not match its size, then keeps detecting good frames', async () => {
    const short = { data: new Uint8Array(416 * 234 * 3), width: 416, height: 416, letterboxedFrom: { width: 640, height: 360 } };
    await expect(detector.detect(short)).rejects.toThrow(FrameError);
    await expect(detector.detect(short)).rejects.toThrow(/wrong size: 416x416 bgr24 needs 519168 bytes, got 292032/);
    const grey = { data: new Uint8Array(416 * 416 * 3).fill(114), width: 416, height: 416 };
    await expect(detector.detect(grey)).resolves.toEqual([]);
  });
});

describe('offline analyser', () => {
  it('fails clearly on a file that is not a video', async () => {
    const notVideo = path.join(work, 'not-a-video.mp4');
    writeFileSync(notVideo, 'this is not an mp4 file\n'.repeat(100));
    const run = await analyze(['--video', notVideo, '--config', writeConfig({ zones: [], lines: [] })]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/analyze failed \(video_undecodable\): Cannot read video .*not-a-video\.mp4/);
    expect(run.summary).toBeUndefined();
  });

  it('fails clearly on a truncated video', async () => {
    const truncated = path.join(work, 'truncated.mp4');
    writeFileSync(truncated, readFileSync(videoPath('traffic.mp4')).subarray(0, 20_000));
    const run = await analyze(['--video', truncated, '--config', writeConfig({ zones: [], lines: [] })]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/video_undecodable/);
  });

  it('names the field of a self-intersecting zone polygon', async () => {
    const config = writeConfig({ zones: [{ id: 'bow', polygon: [[0, 0], [1, 1], [1, 0], [0, 1]], rules: [] }] });
    const run = await analyze(['--video', videoPath('traffic.mp4'), '--config', config]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/invalid_analysis_config.*zones\.0\.polygon: .*cross/);
  });

  it('names the field of a zero-length counting line', async () => {
    const config = writeConfig({ lines: [{ id: 'l1', from: [0.3, 0.3], to: [0.3, 0.3] }] });
    const run = await analyze(['--video', videoPath('traffic.mp4'), '--config', config]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/lines\.0\.to: line has zero length/);
  });

  it('explains its usage when arguments are missing', async () => {
    const run = await analyze(['--video', videoPath('traffic.mp4')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/usage: npm run analyze -- --video FILE --config CAMERA.json/);
  });
});
