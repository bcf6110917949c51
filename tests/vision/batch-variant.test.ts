// The batch-N copy of the model (models/onnx/batch-variant.ts) that the detect bench measures: with the real
// model and real frames, each image of a batch must give exactly the output it gives alone.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Preprocessor } from '../../analytics/detect/preprocess.ts';
import { decodeVideoFile } from '../../analytics/video/decode-file.ts';
import { BatchVariantError, batchVariant } from '../../models/onnx/batch-variant.ts';
import { inputGeometry, loadManifest } from '../../models/manifest.ts';
import { assetMirrorDir } from '../support/urls.ts';

const manifest = loadManifest('yolox-nano');
const model = readFileSync(path.join(assetMirrorDir(), 'models', manifest.file));
const { width, height } = inputGeometry(manifest);
const imageLength = 3 * width * height;
const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
const BATCH = 4;

describe('batch-N variant of a batch-1 model', () => {
  const images: Float32Array[] = [];
  const sessions: ort.InferenceSession[] = [];
  afterAll(() => Promise.all(sessions.map((session) => session.release())));

  beforeAll(async () => {
    // Four different traffic frames, a second apart, prepared as the detector prepares them.
    const preprocessor = new Preprocessor(manifest.input);
    for await (const frame of decodeVideoFile(path.join(assetMirrorDir(), 'video', 'traffic.mp4'), { fps: 1, width, height })) {
      preprocessor.prepare(frame);
      images.push(Float32Array.from(preprocessor.input));
      if (images.length === BATCH) break;
    }
  });

  it('gives each image of a batch of 4 exactly its batch-1 output', async () => {
    const single = await ort.InferenceSession.create(model, options);
    const batched = await ort.InferenceSession.create(batchVariant(model, BATCH), options);
    sessions.push(single, batched);
    expect(batched.inputMetadata[0]).toMatchObject({ shape: [BATCH, 3, height, width] });

    const alone: Float32Array[] = [];
    for (const image of images) {
      const output = await single.run({ [manifest.input.name]: new ort.Tensor('float32', image, [1, 3, height, width]) });
      alone.push(output[manifest.output.name].data as Float32Array);
    }
    const input = new Float32Array(imageLength * BATCH);
    images.forEach((image, index) => input.set(image, index * imageLength));
    const output = (await batched.run({ [manifest.input.name]: new ort.Tensor('float32', input, [BATCH, 3, height, width]) }))[manifest.output.name];
    expect(output.dims).toEqual([BATCH, ...output.dims.slice(1)]);
    const rowsPerImage = alone[0].length;
    const data = output.data as Float32Array;
    expect(data.length).toBe(rowsPerImage * BATCH);
    // The frames differ, so a batch that mixed or repeated images could not pass.
    expect(alone[1]).not.toEqual(alone[0]);
    for (let index = 0; index < BATCH; index++) {
      const own = data.subarray(index * rowsPerImage, (index + 1) * rowsPerImage);
      let differing = 0;
      for (let i = 0; i < rowsPerImage; i++) if (own[i] !== alone[index][i]) differing++;
      expect({ image: index, differing }).toEqual({ image: index, differing: 0 });
    }
  });

  it('refuses a model whose batch is not 1, naming the input', () => {
    expect(() => batchVariant(batchVariant(model, 2), 4)).toThrow(BatchVariantError);
    expect(() => batchVariant(batchVariant(model, 2), 4)).toThrow(/graph input images has no leading batch dim of 1/);
  });
});
