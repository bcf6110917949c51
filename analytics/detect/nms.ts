// Class-aware non-maximum suppression over decoded candidates: within one class, a box overlapping a
// stronger box by more than the IoU threshold is the same object seen twice.
import type { Candidates } from './decoder.ts';
import { sameObjectGroup } from './class-groups.ts';
import type { Detection } from './types.ts';

export function iou(ax1: number, ay1: number, ax2: number, ay2: number, bx1: number, by1: number, bx2: number, by2: number): number {
  const w = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const h = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (w <= 0 || h <= 0) return 0;
  const intersection = w * h;
  return intersection / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - intersection);
}

/**
 * Returns the indices of kept candidates, strongest first. `classOf[i]` is the class a candidate
 * competes in (the city class, so two model labels mapped to one city class suppress each other).
 */
export function classAwareNms(candidates: Candidates, classOf: Int32Array, iouThreshold: number, maxKept = 300): number[] {
  const order: number[] = [];
  for (let i = 0; i < candidates.count; i++) order.push(i);
  order.sort((a, b) => candidates.score[b] - candidates.score[a]);
  const kept: number[] = [];
  const { x1, y1, x2, y2 } = candidates;
  for (const i of order) {
    let suppressed = false;
    for (const k of kept) {
      if (classOf[k] !== classOf[i]) continue;
      if (iou(x1[i], y1[i], x2[i], y2[i], x1[k], y1[k], x2[k], y2[k]) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) {
      kept.push(i);
      if (kept.length === maxKept) break;
    }
  }
  return kept;
}

/**
 * Drops a detection when a stronger one of a related class (see class-groups.ts) covers the same box:
 * the detector hesitating between labels, not two objects. `detections` must be strongest first.
 */
export function suppressSameObjectDuplicates(detections: Detection[], iouThreshold: number): Detection[] {
  const kept: Detection[] = [];
  for (const detection of detections) {
    const group = sameObjectGroup(detection.class);
    const duplicate = kept.some(
      (other) =>
        other.class !== detection.class &&
        sameObjectGroup(other.class) === group &&
        iou(other.x1, other.y1, other.x2, other.y2, detection.x1, detection.y1, detection.x2, detection.y2) > iouThreshold,
    );
    if (!duplicate) kept.push(detection);
  }
  return kept;
}
