// The int8 model lever with the real parts: npm run models:quantize (calibration on a few real frames,
// ONNX Runtime, ffmpeg), the float-vs-int8 count gate, and DETECT_MODEL refusing a model that failed
// it. A small calibration set and gate clips at 1 fps keep this test to about a minute.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDetector } from '../../analytics/detect/detector.ts';
import { compareCounts, countDetections, type ClassCounts } from '../../analytics/detect/model-agreement.ts';
import { sha256OfFile } from '../../models/fetch.ts';
import { derivedManifestPath, loadManifest, type ModelManifest } from '../../models/manifest.ts';
import { encodeOnnxModel, floatInitializer, parseOnnxModel, rawBytes, setInitializer, TensorType } from '../../models/onnx/onnx-model.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { videoPath } from './analyze-cli.ts';

const root = new URL('../../', import.meta.url).pathname;
const gateClips = [
  { file: videoPath('people.mp4'), fps: 1 },
  { file: videoPath('traffic.mp4'), fps: 1 },
];

function quantize(dataDir: string): Promise<{ code: number | null; output: string }> {
  const args = ['--calibration-fps', '0.2', '--calibration-video', 'people.mp4', '--calibration-video', 'traffic.mp4', '--gate-clip', 'people.mp4@1', '--gate-clip', 'traffic.mp4@1'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'models/cli/quantize.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ASSET_MIRROR_DIR: assetMirrorDir(), DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

async function countsOf(modelId: string, dataDir: string): Promise<ClassCounts> {
  const detector = await createDetector({ modelId, assetMirrorDir: assetMirrorDir(), dataDir, allowDownload: false, ignoreQualityGate: true });
  try {
    return await countDetections(detector, gateClips);
  } finally {
    await detector.close();
  }
}

describe('int8 model (npm run models:quantize)', () => {
  let dataDir: string;
  let run: { code: number | null; output: string };
  let manifest: ModelManifest;
  let floatCounts: ClassCounts;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cityops-int8-'));
    run = await quantize(dataDir);
    manifest = JSON.parse(readFileSync(derivedManifestPath(dataDir, 'yolox-nano-int8'), 'utf8')) as ModelManifest;
    floatCounts = await countsOf('yolox-nano', dataDir);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('makes an int8 model whose person and car counts stay within 5 % of the float model, and records its gate', async () => {
    expect(manifest.quantization).toMatchObject({ source: { id: 'yolox-nano', sha256: loadManifest('yolox-nano').sha256 } });
    expect(manifest.quantization!.calibration.frames).toBeGreaterThanOrEqual(6);
    expect(manifest.sha256).toBe(await sha256OfFile(path.join(dataDir, 'models', manifest.file)));

    // measured again here, not read from the manifest: the model the detector loads agrees with float
    const int8Counts = await countsOf('yolox-nano-int8', dataDir);
    expect(floatCounts.person + floatCounts.car).toBeGreaterThan(50); // the clips show people and cars
    for (const cityClass of ['person', 'car'] as const) {
      expect(Math.abs(int8Counts[cityClass] - floatCounts[cityClass])).toBeLessThanOrEqual(0.05 * floatCounts[cityClass]);
    }
    // the command's verdict is the rule applied to these counts, and its exit code says it
    const gate = manifest.quantization!.gate;
    expect(gate.passed).toBe(compareCounts(floatCounts, int8Counts).passed);
    expect(run.code).toBe(gate.passed ? 0 : 1);
    expect(run.output).toContain(gate.passed ? 'quality gate passed' : 'quality gate FAILED');
  });

  it('DETECT_MODEL loads the int8 model only when its manifest records a passed gate', async () => {
    const open = (modelId: string) => createDetector({ modelId, assetMirrorDir: assetMirrorDir(), dataDir, allowDownload: false });
    const passed = { ...manifest, id: 'yolox-nano-passed', quantization: { ...manifest.quantization!, gate: { ...manifest.quantization!.gate, passed: true } } };
    writeFileSync(derivedManifestPath(dataDir, passed.id), JSON.stringify(passed));
    const detector = await open(passed.id);
    expect(detector.model.modelPath).toBe(path.join(dataDir, 'models', 'yolox_nano.int8.onnx'));
    await detector.close();
    const failed = { ...passed, id: 'yolox-nano-failed', quantization: { ...passed.quantization, gate: { ...passed.quantization.gate, passed: false } } };
    writeFileSync(derivedManifestPath(dataDir, failed.id), JSON.stringify(failed));
    await expect(open(failed.id)).rejects.toMatchObject({ code: 'model_quality_gate_failed' });
  });

  it('fails the gate with corrupted activation scales, and DETECT_MODEL then refuses the model', async () => {
    // Every activation scale doubled: the integer values are read back at twice their size.
    const model = parseOnnxModel(readFileSync(path.join(dataDir, 'models', manifest.file)));
    for (const name of model.initializers.keys()) {
      const scale = name.endsWith('_scale') && !name.includes('_weight') && !name.includes('_bias') ? floatInitializer(model, name) : undefined;
      if (scale) setInitializer(model, name, TensorType.float, scale.dims, rawBytes(scale.data.map((value) => value * 2)));
    }
    const file = 'yolox_nano.corrupt.onnx';
    writeFileSync(path.join(dataDir, 'models', file), encodeOnnxModel(model));
    const corrupt: ModelManifest = { ...manifest, id: 'yolox-nano-corrupt', file, sha256: await sha256OfFile(path.join(dataDir, 'models', file)) };
    const save = () => writeFileSync(derivedManifestPath(dataDir, corrupt.id), JSON.stringify(corrupt));
    save();

    const agreement = compareCounts(floatCounts, await countsOf(corrupt.id, dataDir));
    expect(agreement.passed).toBe(false);
    corrupt.quantization = { ...corrupt.quantization!, gate: { ...corrupt.quantization!.gate, ...agreement } };
    save();
    await expect(createDetector({ modelId: corrupt.id, assetMirrorDir: assetMirrorDir(), dataDir, allowDownload: false })).rejects.toMatchObject({
      code: 'model_quality_gate_failed',
      message: expect.stringContaining('DETECT_MODEL=yolox-nano'),
    });
  });

  it('refuses an int8 model made from another version of the float model', () => {
    const gate = { ...manifest.quantization!.gate, passed: true };
    const stale = { ...manifest, id: 'yolox-nano-stale', quantization: { ...manifest.quantization!, gate, source: { id: 'yolox-nano', sha256: '0'.repeat(64) } } };
    writeFileSync(derivedManifestPath(dataDir, stale.id), JSON.stringify(stale));
    expect(() => loadManifest(stale.id, { dataDir })).toThrow(expect.objectContaining({ code: 'model_stale' }));
  });
});
