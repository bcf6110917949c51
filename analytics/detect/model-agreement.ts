// The quality gate of a quantized model: does it see what the float model sees? Both detectors run on
// the same clips (those of the vision tests), and the detections strong enough to start a track are
// counted per city class. A class passes when the two counts are within 5 % of the float count; a
// class seen fewer than 40 times gets 2 detections of slack instead, since there 5 % is under two
// detections and one flickering box would decide the gate.
import { CITY_CLASSES, type CityClass } from '@cityops/models/manifest';
import { DEFAULT_TRACKER_OPTIONS } from '../track/tracker.ts';
import { decodeVideoFile } from '../video/decode-file.ts';
import type { Detector } from './detector.ts';

export interface CountClip {
  file: string;
  fps: number;
}

export interface ClassAgreement {
  float: number;
  quantized: number;
  passed: boolean;
}

export interface ModelAgreement {
  passed: boolean;
  rule: string;
  minScore: number;
  counts: Record<CityClass, ClassAgreement>;
}

export const AGREEMENT_TOLERANCE = 0.05;
const SMALL_COUNT_SLACK = 2;
export const AGREEMENT_RULE = `per city class, |quantized - float| <= max(${AGREEMENT_TOLERANCE * 100} % of float, ${SMALL_COUNT_SLACK}) detections with score >= ${DEFAULT_TRACKER_OPTIONS.highScore}`;

export type ClassCounts = Record<CityClass, number>;

/** Detections per city class scoring at least the tracker's "high" score, over every frame of the clips. */
export async function countDetections(detector: Detector, clips: CountClip[], minScore = DEFAULT_TRACKER_OPTIONS.highScore): Promise<ClassCounts> {
  const counts = Object.fromEntries(CITY_CLASSES.map((cityClass) => [cityClass, 0])) as ClassCounts;
  for (const clip of clips) {
    for await (const frame of decodeVideoFile(clip.file, { fps: clip.fps, width: detector.inputWidth, height: detector.inputHeight })) {
      for (const detection of await detector.detect(frame)) if (detection.score >= minScore) counts[detection.class]++;
    }
  }
  return counts;
}

export function compareCounts(float: ClassCounts, quantized: ClassCounts): ModelAgreement {
  const counts = {} as Record<CityClass, ClassAgreement>;
  for (const cityClass of CITY_CLASSES) {
    const allowed = Math.max(AGREEMENT_TOLERANCE * float[cityClass], SMALL_COUNT_SLACK);
    counts[cityClass] = { float: float[cityClass], quantized: quantized[cityClass], passed: Math.abs(quantized[cityClass] - float[cityClass]) <= allowed };
  }
  return {
    passed: Object.values(counts).every((agreement) => agreement.passed),
    rule: AGREEMENT_RULE,
    minScore: DEFAULT_TRACKER_OPTIONS.highScore,
    counts,
  };
}
