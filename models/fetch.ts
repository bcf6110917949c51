// Finds a model file, or downloads it, and proves it is the file the manifest names (sha256).
// Order: the asset mirror (ASSET_MIRROR_DIR/models/<file>, for offline sites and CI), then
// DATA_DIR/models/<file> (an earlier download), then the upstream URL into DATA_DIR/models.
// A file that is found but wrong is an error, never silently replaced: the operator must know.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DownloadFailure, downloadVerified, sha256OfFile } from '@cityops/core/download';
import { AppError } from '@cityops/core/errors';
import type { ModelManifest } from './manifest.ts';

export type ModelFileProblem = 'missing' | 'corrupt' | 'checksum_mismatch' | 'download_failed';

export class ModelFileError extends AppError {
  constructor(
    readonly problem: ModelFileProblem,
    readonly file: string,
    message: string,
    readonly expectedSha256?: string,
    readonly actualSha256?: string,
  ) {
    super(`model_${problem}`, message);
    this.name = 'ModelFileError';
  }
}

export interface FetchOptions {
  assetMirrorDir?: string;
  dataDir: string;
  /** false = never touch the network (tests, air-gapped sites). */
  allowDownload?: boolean;
}

export interface ResolvedModel {
  manifest: ModelManifest;
  modelPath: string;
  source: 'mirror' | 'data' | 'download';
  sha256: string;
  labels: string[];
  labelsSource: 'file' | 'manifest';
  warnings: string[];
}

export { sha256OfFile };

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Throws a ModelFileError naming the file, the expected and the actual hash when they differ. */
export async function verifyModelFile(manifest: ModelManifest, file: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new ModelFileError('missing', file, `Model file ${file} is missing (${(error as Error).message})`);
  }
  if (size === 0) {
    throw new ModelFileError('corrupt', file, `Model file ${file} is empty (0 bytes): delete it and run npm run models:fetch`);
  }
  const actual = await sha256OfFile(file);
  if (actual !== manifest.sha256) {
    throw new ModelFileError(
      'checksum_mismatch',
      file,
      `Model file ${file} (${size} bytes) does not match manifest ${manifest.id}: ` +
        `expected sha256 ${manifest.sha256}, got ${actual}. The file is corrupt or a different version; ` +
        (manifest.url ? `replace it with ${manifest.url}` : 're-run npm run models:quantize'),
      manifest.sha256,
      actual,
    );
  }
  return actual;
}

export function mirrorModelPath(mirrorDir: string, file: string): string {
  return path.join(mirrorDir, 'models', file);
}

export function dataModelPath(dataDir: string, file: string): string {
  return path.join(dataDir, 'models', file);
}

export async function resolveModel(manifest: ModelManifest, options: FetchOptions): Promise<ResolvedModel> {
  const candidates: { file: string; source: 'mirror' | 'data' }[] = [];
  if (options.assetMirrorDir) candidates.push({ file: mirrorModelPath(options.assetMirrorDir, manifest.file), source: 'mirror' });
  candidates.push({ file: dataModelPath(options.dataDir, manifest.file), source: 'data' });

  let modelPath: string | undefined;
  let source: ResolvedModel['source'] = 'download';
  for (const candidate of candidates) {
    if (await isFile(candidate.file)) {
      modelPath = candidate.file;
      source = candidate.source;
      break;
    }
  }
  let sha256: string;
  if (modelPath) {
    sha256 = await verifyModelFile(manifest, modelPath);
  } else {
    const target = dataModelPath(options.dataDir, manifest.file);
    if (!manifest.url) {
      throw new ModelFileError(
        'missing',
        manifest.file,
        `Model file ${manifest.file} of ${manifest.id} not found in ${candidates.map((c) => c.file).join(' or ')}; ` +
          `it is made on site: run npm run models:quantize`,
      );
    }
    if (options.allowDownload === false) {
      throw new ModelFileError(
        'missing',
        manifest.file,
        `Model file ${manifest.file} not found in ${candidates.map((c) => c.file).join(' or ')} and downloading is off; ` +
          `download ${manifest.url} to ${target}`,
      );
    }
    await downloadModel({ ...manifest, url: manifest.url }, target);
    modelPath = target;
    sha256 = manifest.sha256;
  }
  const { labels, labelsSource, warnings } = await resolveLabels(manifest, options);
  return { manifest, modelPath, source, sha256, labels, labelsSource, warnings };
}

/** Downloads through core/download.ts, which renames only a verified file into place. */
async function downloadModel(manifest: ModelManifest & { url: string }, target: string): Promise<void> {
  try {
    await downloadVerified(manifest.url, manifest.sha256, target);
  } catch (error) {
    if (!(error instanceof DownloadFailure)) throw error;
    if (error.reason === 'checksum') {
      throw new ModelFileError(
        'checksum_mismatch',
        manifest.url,
        `Downloaded model ${manifest.id} from ${manifest.url} does not match its manifest: expected sha256 ${manifest.sha256}, got ${error.actualSha256}`,
        manifest.sha256,
        error.actualSha256,
      );
    }
    throw new ModelFileError(
      'download_failed',
      target,
      `Could not download model ${manifest.id} from ${manifest.url}: ${error.message}. ` +
        `Without internet, copy ${manifest.file} into ASSET_MIRROR_DIR/models/ or ${path.dirname(target)}/`,
    );
  }
}

/**
 * Labels from the labels file when one is found and agrees with the manifest in length; otherwise the
 * manifest's own list (COCO labels are stable, so a missing labels file is a warning, not a failure).
 */
async function resolveLabels(
  manifest: ModelManifest,
  options: FetchOptions,
): Promise<{ labels: string[]; labelsSource: 'file' | 'manifest'; warnings: string[] }> {
  const warnings: string[] = [];
  const fileName = manifest.labels.file;
  if (fileName) {
    const places = [
      ...(options.assetMirrorDir ? [mirrorModelPath(options.assetMirrorDir, fileName)] : []),
      dataModelPath(options.dataDir, fileName),
    ];
    for (const place of places) {
      if (!(await isFile(place))) continue;
      const labels = (await readFile(place, 'utf8'))
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.length > 0);
      if (labels.length === manifest.labels.names.length) return { labels, labelsSource: 'file', warnings };
      warnings.push(
        `labels file ${place} has ${labels.length} names, manifest ${manifest.id} has ${manifest.labels.names.length}; using the manifest's`,
      );
      return { labels: manifest.labels.names, labelsSource: 'manifest', warnings };
    }
    warnings.push(`labels file ${fileName} not found (${places.join(', ')}); using the labels in manifest ${manifest.id}`);
  }
  return { labels: manifest.labels.names, labelsSource: 'manifest', warnings };
}
