import { describe, expect, it } from 'vitest';
import { CameraAnalysis } from './camera-analysis.ts';
import type { Detection } from './detect/types.ts';
import { parseAnalysisConfig } from './rules/config.ts';

const car = (x: number): Detection => ({ class: 'car', score: 0.9, x1: x - 0.05, y1: 0.4, x2: x + 0.05, y2: 0.5 });

describe('privacy masks in analysis', () => {
  it('drop what stands mostly behind a mask (its box centre inside) and keep the rest', () => {
    const config = parseAnalysisConfig({ privacyMasks: [{ id: 'homes', polygon: [[0, 0], [0.4, 0], [0.4, 1], [0, 1]] }] });
    const analysis = new CameraAnalysis({ config });
    const result = analysis.analyse([car(0.2), car(0.38), car(0.42), car(0.8)], 0);
    expect(result.detections.map((detection) => (detection.x1 + detection.x2) / 2)).toEqual([0.42, 0.8].map((x) => expect.closeTo(x, 6)));
  });

  it('never count a vehicle crossing a line inside a mask', () => {
    const config = parseAnalysisConfig({
      lines: [{ id: 'behind', from: [0.2, 0], to: [0.2, 1] }, { id: 'open', from: [0.7, 0], to: [0.7, 1] }],
      privacyMasks: [{ id: 'yard', polygon: [[0, 0], [0.4, 0], [0.4, 1], [0, 1]] }],
    });
    const analysis = new CameraAnalysis({ config });
    const crossings = [];
    // One car drives left to right across the whole picture, 0.05 per frame.
    for (let frame = 0; frame <= 18; frame++) crossings.push(...analysis.analyse([car(0.05 + frame * 0.05)], frame * 500).crossings);
    expect(crossings.map((crossing) => crossing.lineId)).toEqual(['open']);
  });
});
