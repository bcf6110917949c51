// YOLOX output decoding (Megvii YOLOX, `demo_postprocess` in its ONNX demo). The exported graph gives,
// per anchor point on the stride 8, 16 and 32 grids (52², 26², 13² = 3549 points for 416x416):
// (2100 for 320x320: the grids follow the input size the model runs at)
// [dx, dy, log w, log h, objectness, 80 class scores]; objectness and class scores are already
// sigmoid-activated. Centre = (d + grid cell) × stride, size = exp(log size) × stride.
import type { InputGeometry, ModelManifest } from '@cityops/models/manifest';
import type { Candidates, Decoder } from './decoder.ts';
import { AppError } from '@cityops/core/errors';

export function createYoloxDecoder(manifest: ModelManifest, input: InputGeometry): Decoder {
  const { width, height } = input;
  const strides = manifest.output.strides ?? [8, 16, 32];
  const numLabels = manifest.labels.names.length;
  let anchors = 0;
  for (const stride of strides) anchors += (width / stride) * (height / stride);
  const gridX = new Float32Array(anchors);
  const gridY = new Float32Array(anchors);
  const gridStride = new Float32Array(anchors);
  let index = 0;
  for (const stride of strides) {
    const columns = width / stride;
    const rows = height / stride;
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++, index++) {
        gridX[index] = x;
        gridY[index] = y;
        gridStride[index] = stride;
      }
    }
  }
  const rowLength = 5 + numLabels;

  return {
    decode(output: Float32Array, dims: readonly number[], wantedLabels: Uint8Array, minScore: number, into: Candidates): void {
      if (dims.length !== 3 || dims[1] !== anchors || dims[2] !== rowLength) {
        throw new AppError('model_output_mismatch', `YOLOX output has shape [${dims.join(', ')}], expected [1, ${anchors}, ${rowLength}] for ${manifest.id} at ${width}x${height}`);
      }
      const capacity = into.score.length;
      let count = 0;
      for (let a = 0; a < anchors; a++) {
        const row = a * rowLength;
        const objectness = output[row + 4];
        // class scores are ≤ 1, so a weak objectness can never give a strong enough box
        if (objectness < minScore) continue;
        let decoded = false;
        let x1 = 0;
        let y1 = 0;
        let x2 = 0;
        let y2 = 0;
        for (let label = 0; label < numLabels; label++) {
          if (wantedLabels[label] === 0) continue;
          const score = objectness * output[row + 5 + label];
          if (score < minScore) continue;
          if (!decoded) {
            const stride = gridStride[a];
            const cx = (output[row] + gridX[a]) * stride;
            const cy = (output[row + 1] + gridY[a]) * stride;
            const halfW = (Math.exp(output[row + 2]) * stride) / 2;
            const halfH = (Math.exp(output[row + 3]) * stride) / 2;
            x1 = cx - halfW;
            y1 = cy - halfH;
            x2 = cx + halfW;
            y2 = cy + halfH;
            decoded = true;
          }
          if (count === capacity) {
            into.count = count;
            return;
          }
          into.labelIndex[count] = label;
          into.score[count] = score;
          into.x1[count] = x1;
          into.y1[count] = y1;
          into.x2[count] = x2;
          into.y2[count] = y2;
          count++;
        }
      }
      into.count = count;
    },
  };
}
