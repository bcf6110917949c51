import { describe, expect, it } from 'vitest';
import { inputGeometry, loadManifest } from '@cityops/models/manifest';
import { createCandidates } from './decoder.ts';
import { createYoloxDecoder } from './yolox.ts';
import { classAwareNms, suppressSameObjectDuplicates } from './nms.ts';

const manifest = loadManifest('yolox-nano');
const ANCHORS = 52 * 52 + 26 * 26 + 13 * 13;
const ROW = 85;
const CAR = manifest.labels.names.indexOf('car');
const TRAIN = manifest.labels.names.indexOf('train');

function output(): Float32Array {
  return new Float32Array(ANCHORS * ROW);
}
function setAnchor(out: Float32Array, anchor: number, values: { dx: number; dy: number; logW: number; logH: number; objectness: number; scores: Record<number, number> }) {
  const row = anchor * ROW;
  out[row] = values.dx;
  out[row + 1] = values.dy;
  out[row + 2] = values.logW;
  out[row + 3] = values.logH;
  out[row + 4] = values.objectness;
  for (const [label, score] of Object.entries(values.scores)) out[row + 5 + Number(label)] = score;
}
const wanted = () => {
  const mask = new Uint8Array(80);
  for (const label of Object.keys(manifest.cityClasses)) mask[manifest.labels.names.indexOf(label)] = 1;
  return mask;
};

describe('YOLOX decoder', () => {
  it('decodes grid offset and exp size on the stride-16 grid', () => {
    const out = output();
    // stride 16 grid starts after the 52x52 stride-8 grid; cell (x=3, y=5)
    const anchor = 52 * 52 + 5 * 26 + 3;
    setAnchor(out, anchor, { dx: 0.5, dy: 0.25, logW: Math.log(4), logH: Math.log(2), objectness: 0.9, scores: { [CAR]: 0.8 } });
    const candidates = createCandidates(100);
    createYoloxDecoder(manifest, inputGeometry(manifest)).decode(out, [1, ANCHORS, ROW], wanted(), 0.3, candidates);
    expect(candidates.count).toBe(1);
    const cx = (0.5 + 3) * 16;
    const cy = (0.25 + 5) * 16;
    expect(candidates.labelIndex[0]).toBe(CAR);
    expect(candidates.score[0]).toBeCloseTo(0.72, 5);
    expect([candidates.x1[0], candidates.y1[0], candidates.x2[0], candidates.y2[0]].map((v) => Math.round(v * 100) / 100)).toEqual([
      cx - 32, cy - 16, cx + 32, cy + 16,
    ]);
  });

  it('scores boxes as objectness × class score and ignores classes the city does not track', () => {
    const out = output();
    setAnchor(out, 10, { dx: 0, dy: 0, logW: 0, logH: 0, objectness: 0.5, scores: { [CAR]: 0.5, [TRAIN]: 0.99 } });
    setAnchor(out, 20, { dx: 0, dy: 0, logW: 0, logH: 0, objectness: 0.2, scores: { [CAR]: 0.99 } });
    const candidates = createCandidates(100);
    createYoloxDecoder(manifest, inputGeometry(manifest)).decode(out, [1, ANCHORS, ROW], wanted(), 0.1, candidates);
    expect(candidates.count).toBe(2);
    expect([...candidates.labelIndex.subarray(0, 2)]).toEqual([CAR, CAR]);
    expect(candidates.score[0]).toBeCloseTo(0.25, 5);
    expect(candidates.score[1]).toBeCloseTo(0.198, 5);
  });

  it('lays the grids out for the size the model runs at: 40², 20², 10² = 2100 points at 320x320', () => {
    const anchors = 40 * 40 + 20 * 20 + 10 * 10;
    const out = new Float32Array(anchors * ROW);
    // cell (x=3, y=5) of the stride-16 grid, which starts after the 40x40 stride-8 grid at 320
    setAnchor(out, 40 * 40 + 5 * 20 + 3, { dx: 0.5, dy: 0.25, logW: Math.log(4), logH: Math.log(2), objectness: 0.9, scores: { [CAR]: 0.8 } });
    const candidates = createCandidates(100);
    createYoloxDecoder(manifest, inputGeometry(manifest, 320)).decode(out, [1, anchors, ROW], wanted(), 0.3, candidates);
    expect(candidates.count).toBe(1);
    expect([candidates.x1[0], candidates.y1[0]].map((v) => Math.round(v * 100) / 100)).toEqual([(0.5 + 3) * 16 - 32, (0.25 + 5) * 16 - 16]);
    // the 416 layout is refused at 320 (the output says which size the model really ran at)
    expect(() => createYoloxDecoder(manifest, inputGeometry(manifest, 320)).decode(output(), [1, ANCHORS, ROW], wanted(), 0.3, candidates)).toThrow(
      /expected \[1, 2100, 85\] for yolox-nano at 320x320/,
    );
  });

  it('refuses an output of the wrong shape with a clear message', () => {
    expect(() => createYoloxDecoder(manifest, inputGeometry(manifest)).decode(new Float32Array(10), [1, 10, 1], wanted(), 0.1, createCandidates(1))).toThrow(
      /YOLOX output has shape \[1, 10, 1\], expected \[1, 3549, 85\]/,
    );
  });
});

describe('NMS', () => {
  it('suppresses overlapping boxes of one class but keeps overlapping boxes of different classes', () => {
    const c = createCandidates(3);
    const boxes = [
      [0, 0, 10, 10, 0.9],
      [1, 1, 11, 11, 0.8],
      [0, 0, 10, 10, 0.7],
    ];
    boxes.forEach(([x1, y1, x2, y2, score], i) => {
      c.x1[i] = x1;
      c.y1[i] = y1;
      c.x2[i] = x2;
      c.y2[i] = y2;
      c.score[i] = score;
    });
    c.count = 3;
    const classOf = Int32Array.from([0, 0, 1]);
    expect(classAwareNms(c, classOf, 0.45)).toEqual([0, 2]);
  });

  it('merges a car and a truck reported on the same box into the stronger one', () => {
    const box = { x1: 0.1, y1: 0.1, x2: 0.3, y2: 0.2 };
    const kept = suppressSameObjectDuplicates(
      [
        { ...box, class: 'car', score: 0.8 },
        { ...box, class: 'truck', score: 0.5 },
        { ...box, class: 'person', score: 0.4 },
      ],
      0.7,
    );
    expect(kept.map((d) => d.class)).toEqual(['car', 'person']);
  });
});
