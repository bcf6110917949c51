// Nothing is detected inside a privacy mask, with the real model on the sample street. The offline
// analyser's decoder paints the mask on the frames as camera-ingest does: the model then finds no car
// whose box centre lies in the mask, where it finds many on the same frames without it. (Detections
// that would still fall there are dropped by CameraAnalysis: analytics/camera-analysis.spec.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDetector, type Detector } from '../../analytics/detect/detector.ts';
import { decodeVideoFile } from '../../analytics/video/decode-file.ts';
import { privacyMaskFilter } from '../../ingest/camera/privacy-mask.ts';
import { inputGeometry } from '../../models/manifest.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { analyze, videoPath, writeConfig } from './analyze-cli.ts';

/** The middle of the road, across the whole picture's height. */
const MASK: Array<[number, number]> = [[0.3, 0], [0.7, 0], [0.7, 1], [0.3, 1]];
const insideMask = (x: number) => x > 0.3 && x < 0.7;

let detector: Detector;
const dataDir = mkdtempSync(path.join(tmpdir(), 'cityops-mask-model-'));
beforeAll(async () => {
  detector = await createDetector({ assetMirrorDir: assetMirrorDir(), dataDir, allowDownload: false });
});
afterAll(async () => {
  await detector?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Box centres (x) of everything the model finds on traffic.mp4 at 1 frame a second. */
async function centres(mask?: string): Promise<number[]> {
  const input = inputGeometry(detector.model.manifest);
  const found: number[] = [];
  for await (const frame of decodeVideoFile(videoPath('traffic.mp4'), { fps: 1, width: input.width, height: input.height, padValue: input.padValue, privacyMaskFilter: mask })) {
    for (const detection of await detector.detect(frame)) found.push((detection.x1 + detection.x2) / 2);
  }
  return found;
}

describe('privacy masks with the real model', () => {
  it('leave nothing for the model to find behind the mask, and the rest of the street as it was', async () => {
    const open = await centres();
    const masked = await centres(privacyMaskFilter([MASK]));
    expect(open.filter(insideMask).length).toBeGreaterThanOrEqual(10);
    expect(masked.filter(insideMask)).toEqual([]);
    // Outside the mask the model finds what it found before, give or take a car cut by the mask's edge.
    const outside = (list: number[]) => list.filter((x) => x < 0.25 || x > 0.75).length;
    expect(outside(masked)).toBeGreaterThanOrEqual(outside(open) * 0.8);
  });

  it('refuse a mask whose edges cross, naming the field, in the offline analyser as in the registry', async () => {
    const config = writeConfig({ lines: [{ id: 'right', from: [0.85, 0], to: [0.85, 1] }], privacyMasks: [{ id: 'bad', polygon: [[0, 0], [1, 1], [1, 0], [0, 1]] }] });
    const refused = await analyze(['--video', videoPath('traffic.mp4'), '--config', config]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/privacyMasks\.0\.polygon: privacy mask bad: polygon edges cross each other/);
  });
});
