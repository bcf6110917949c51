// What every model decoder produces: candidate boxes in model-input pixels, before NMS. A decoder reads
// one model family's output layout; the detector does the rest (NMS, class mapping, letterbox undo).
import type { InputGeometry, ModelManifest } from '@cityops/models/manifest';

export interface Candidates {
  /** Number of valid entries in the arrays below. */
  count: number;
  labelIndex: Int32Array;
  score: Float32Array;
  x1: Float32Array;
  y1: Float32Array;
  x2: Float32Array;
  y2: Float32Array;
}

export interface Decoder {
  /**
   * Writes every (box, wanted label) pair with score ≥ minScore into `into`, up to its capacity.
   * `wantedLabels[i]` is 1 for labels the city cares about, so other classes cost nothing.
   */
  decode(output: Float32Array, dims: readonly number[], wantedLabels: Uint8Array, minScore: number, into: Candidates): void;
}

/** A decoder for the model run at `input` (its grid follows the input size). */
export type DecoderFactory = (manifest: ModelManifest, input: InputGeometry) => Decoder;

export function createCandidates(capacity: number): Candidates {
  return {
    count: 0,
    labelIndex: new Int32Array(capacity),
    score: new Float32Array(capacity),
    x1: new Float32Array(capacity),
    y1: new Float32Array(capacity),
    x2: new Float32Array(capacity),
    y2: new Float32Array(capacity),
  };
}
