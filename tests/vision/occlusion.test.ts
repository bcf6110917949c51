// Tracking through passing traffic, with the real model on the test set made from the sample street
// (analytics/bench/occlusion-clips.ts): in every clip each stopped car keeps one id while cars pass
// close to and in front of it (or stop in front of it for 5 s), no passing car carries a stopped car's
// id away, and the stalled-vehicle rule fires once per stopped car; for the moving queue it never fires.
// Before the tracker knew parked vehicles, the same clips gave 39 switches and 7 of 12 alerts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseOcclusionClip, makeOcclusionClips, type OcclusionClip } from '../../analytics/bench/occlusion-clips.ts';
import { createDetector, type Detector } from '../../analytics/detect/detector.ts';
import { assetMirrorDir } from '../support/urls.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cityops-occlusion-'));
let detector: Detector;
let clips: OcclusionClip[];

beforeAll(async () => {
  detector = await createDetector({ assetMirrorDir: assetMirrorDir(), dataDir: path.join(work, 'data'), allowDownload: false });
  clips = await makeOcclusionClips(assetMirrorDir(), path.join(work, 'clips'));
}, 120_000);

afterAll(async () => {
  await detector?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('tracking through passing traffic', () => {
  it('makes the seven clips of the test set', () => {
    expect(clips.map((clip) => clip.name)).toEqual(['passing', 'passing-mirrored', 'passing-fast', 'passing-cropped', 'stopping-in-front', 'both-lanes', 'moving-queue']);
  });

  it.each(['passing', 'passing-mirrored', 'passing-fast', 'passing-cropped', 'stopping-in-front', 'both-lanes', 'moving-queue'])('%s: one id per stopped car, one alert per stopped car', async (name) => {
    const clip = clips.find((candidate) => candidate.name === name)!;
    const outcome = await analyseOcclusionClip(detector, clip);
    expect(outcome.frames).toBe(80);
    expect(outcome.stoppedVehicles).toBe(clip.expectedStalled);
    expect(outcome.idSwitches).toBe(0);
    expect(outcome.stalledAlerts).toBe(clip.expectedStalled);
  }, 60_000);
});
