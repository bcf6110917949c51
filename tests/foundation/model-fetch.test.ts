import { createServer, type Server } from 'node:http';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetMirrorDir } from '../support/urls.ts';
import { ModelFileError, resolveModel } from '../../models/fetch.ts';
import { loadManifest, listModelIds, parseManifest } from '../../models/manifest.ts';

const manifest = loadManifest('yolox-nano');
const mirrorModel = path.join(assetMirrorDir(), 'models', manifest.file);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cityops-models-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function expectModelError(promise: Promise<unknown>, problem: string): Promise<ModelFileError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ModelFileError);
  expect((error as ModelFileError).problem).toBe(problem);
  return error as ModelFileError;
}

describe('model manifests', () => {
  it('ships yolox-nano with its input contract and the six city classes', () => {
    expect(listModelIds()).toContain('yolox-nano');
    expect(manifest.input).toMatchObject({ name: 'images', shape: [1, 3, 416, 416], layout: 'NCHW', colourOrder: 'BGR', normalisation: 'none' });
    expect(manifest.output.decoder).toBe('yolox');
    expect(manifest.labels.names).toHaveLength(80);
    expect(new Set(Object.values(manifest.cityClasses))).toEqual(new Set(['person', 'bicycle', 'motorbike', 'car', 'bus', 'truck']));
  });

  it('rejects a manifest mapping a label the model does not have', () => {
    const broken = { ...manifest, cityClasses: { ...manifest.cityClasses, tram: 'bus' } };
    expect(() => parseManifest(broken, 'broken.json')).toThrow(/cityClasses\.tram.*not in labels/);
  });
});

describe('resolveModel', () => {
  it('finds and verifies the model and labels in the asset mirror', async () => {
    const model = await resolveModel(manifest, { assetMirrorDir: assetMirrorDir(), dataDir: work, allowDownload: false });
    expect(model).toMatchObject({ source: 'mirror', modelPath: mirrorModel, sha256: manifest.sha256, labelsSource: 'file' });
    expect(model.labels[3]).toBe('motorbike');
  });

  it('falls back to DATA_DIR/models and to the manifest labels when no labels file exists', async () => {
    const dataDir = path.join(work, 'data-fallback');
    await mkdir(path.join(dataDir, 'models'), { recursive: true });
    await copyFile(mirrorModel, path.join(dataDir, 'models', manifest.file));
    const model = await resolveModel(manifest, { assetMirrorDir: path.join(work, 'no-mirror'), dataDir, allowDownload: false });
    expect(model.source).toBe('data');
    expect(model.labelsSource).toBe('manifest');
    expect(model.warnings.join()).toMatch(/labels file yolox_nano.labels.txt not found/);
  });

  it('says the model is missing, and where it looked, when downloading is off', async () => {
    const error = await expectModelError(resolveModel(manifest, { dataDir: path.join(work, 'empty'), allowDownload: false }), 'missing');
    expect(error.message).toContain(path.join(work, 'empty', 'models', manifest.file));
    expect(error.message).toContain(manifest.url);
  });

  it('reports an empty model file as corrupt', async () => {
    const dataDir = path.join(work, 'data-empty');
    await mkdir(path.join(dataDir, 'models'), { recursive: true });
    await writeFile(path.join(dataDir, 'models', manifest.file), '');
    const error = await expectModelError(resolveModel(manifest, { dataDir, allowDownload: false }), 'corrupt');
    expect(error.file).toBe(path.join(dataDir, 'models', manifest.file));
  });

  it('reports a sha256 mismatch with the file, the expected and the actual hash', async () => {
    const dataDir = path.join(work, 'data-mismatch');
    await mkdir(path.join(dataDir, 'models'), { recursive: true });
    const bytes = await readFile(mirrorModel);
    bytes[bytes.length - 1] ^= 0xff; // one flipped byte: a truncated or damaged copy
    await writeFile(path.join(dataDir, 'models', manifest.file), bytes);
    const error = await expectModelError(resolveModel(manifest, { dataDir, allowDownload: false }), 'checksum_mismatch');
    expect(error.expectedSha256).toBe(manifest.sha256);
    expect(error.actualSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(error.actualSha256).not.toBe(manifest.sha256);
    expect(error.message).toContain(manifest.file);
    expect(error.message).toContain(error.actualSha256!);
  });

  describe('download from the upstream URL', () => {
    let server: Server;
    let baseUrl: string;
    beforeAll(async () => {
      const good = await readFile(mirrorModel);
      server = createServer((request, response) => {
        if (request.url === '/good.onnx') response.end(good);
        else if (request.url === '/bad.onnx') response.end(good.subarray(0, 1000));
        else response.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('downloads into DATA_DIR/models and verifies the hash', async () => {
      const dataDir = path.join(work, 'data-download');
      const model = await resolveModel({ ...manifest, url: `${baseUrl}/good.onnx` }, { dataDir });
      expect(model.source).toBe('download');
      expect((await stat(model.modelPath)).size).toBe((await stat(mirrorModel)).size);
    });

    it('keeps nothing from a download whose hash does not match', async () => {
      const dataDir = path.join(work, 'data-bad-download');
      await expectModelError(resolveModel({ ...manifest, url: `${baseUrl}/bad.onnx` }, { dataDir }), 'checksum_mismatch');
      await expect(stat(path.join(dataDir, 'models', manifest.file))).rejects.toThrow();
      await expect(stat(path.join(dataDir, 'models', `${manifest.file}.part`))).rejects.toThrow();
    });

    it('explains a failed download and how to work offline', async () => {
      const error = await expectModelError(
        resolveModel({ ...manifest, url: `${baseUrl}/missing.onnx` }, { dataDir: path.join(work, 'data-404') }),
        'download_failed',
      );
      expect(error.message).toMatch(/HTTP 404.*ASSET_MIRROR_DIR/);
    });
  });
});
