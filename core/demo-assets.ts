// The files that make the embedded demo show what CityOps is for: street videos for the simulated
// cameras (traffic to count, a crowd to alert on) and the city's district boundaries for the map. Like
// the model, each is pinned to its upstream address and sha256. A start looks in ASSET_MIRROR_DIR, then
// DATA_DIR/assets (an earlier download), and downloads what is missing into DATA_DIR/assets. Without
// internet it says in one line what to copy where, and starts anyway (test patterns, no outlines).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DownloadFailure, downloadVerified } from './download.ts';
import type { Logger } from './logger.ts';

export interface DemoAsset {
  /** Where it lies under an asset directory (the mirror's layout). */
  path: string;
  url: string;
  sha256: string;
  licence: string;
}

export const DEMO_ASSETS: readonly DemoAsset[] = [
  {
    path: 'video/traffic.mp4',
    url: 'https://raw.githubusercontent.com/justadudewhohacks/opencv4nodejs/f6eacac939bc84cf2469cdba224db64adbe09e79/data/traffic.mp4',
    sha256: 'de7f9ec5a18f519036e3b155f3eea0800dc20badb41595452b80aa6dc6d4f11a',
    licence: 'MIT (opencv4nodejs repository)',
  },
  {
    path: 'video/people.mp4',
    url: 'https://raw.githubusercontent.com/justadudewhohacks/opencv4nodejs/f6eacac939bc84cf2469cdba224db64adbe09e79/data/people.mp4',
    sha256: 'b28f4a1406716b7328b14adb8ddabf94e8d77191f030d2a250528f16f81ff2bb',
    licence: 'MIT (opencv4nodejs repository)',
  },
  {
    path: 'geo/hcmc-districts.geojson',
    url: 'https://raw.githubusercontent.com/nguyenhn1299/hcm-map/3dcd143f48ae2f54353cb3082372afb1ed6d6563/public/districts.json',
    sha256: '426eb6ff779c0e09d77152f80d96a0d8be6b83b450dfd5d436c9b93054982b52',
    licence: 'ODbL (OpenStreetMap contributors, via the nguyenhn1299/hcm-map repository)',
  },
];

export interface AssetPlaces {
  ASSET_MIRROR_DIR?: string;
  dataDir: string;
}

/** The directories searched, in order: the mirror, then DATA_DIR/assets (where downloads go). */
export function assetDirectories(places: AssetPlaces): string[] {
  return [...(places.ASSET_MIRROR_DIR ? [places.ASSET_MIRROR_DIR] : []), downloadedAssetsDir(places.dataDir)];
}

export const downloadedAssetsDir = (dataDir: string) => path.join(dataDir, 'assets');

/** The directory holding `relativePath` (e.g. `video/traffic.mp4`), or undefined when none does. */
export function assetDirectoryWith(places: AssetPlaces, relativePath: string): string | undefined {
  return assetDirectories(places).find((directory) => existsSync(path.join(directory, relativePath)));
}

/** The file itself, or undefined. */
export function findAsset(places: AssetPlaces, relativePath: string): string | undefined {
  const directory = assetDirectoryWith(places, relativePath);
  return directory && path.join(directory, relativePath);
}

export interface DemoAssetsOutcome {
  present: string[];
  downloaded: string[];
  /** Still missing, with why. */
  missing: { path: string; reason: string }[];
}

/**
 * Downloads the demo assets found in no asset directory. Never throws for a failed download: the demo
 * still starts. A file with another sha256 than pinned is refused (not stored) and reported.
 */
export async function ensureDemoAssets(places: AssetPlaces, logger: Logger, assets: readonly DemoAsset[] = DEMO_ASSETS): Promise<DemoAssetsOutcome> {
  const outcome: DemoAssetsOutcome = { present: [], downloaded: [], missing: [] };
  const target = downloadedAssetsDir(places.dataDir);
  for (const asset of assets) {
    if (findAsset(places, asset.path)) {
      outcome.present.push(asset.path);
      continue;
    }
    try {
      await downloadVerified(asset.url, asset.sha256, path.join(target, asset.path));
      outcome.downloaded.push(asset.path);
    } catch (error) {
      if (!(error instanceof DownloadFailure)) throw error;
      outcome.missing.push({ path: asset.path, reason: error.reason === 'checksum' ? `refused: ${error.message}` : `unreachable: ${error.message}` });
    }
  }
  if (outcome.downloaded.length) logger.info({ files: outcome.downloaded, into: target }, 'demo assets downloaded (sha256 checked)');
  if (outcome.missing.length) {
    // One line that says what to do; the details (each file's reason) ride along for the log reader.
    logger.warn(
      { missing: outcome.missing },
      `demo assets missing (${outcome.missing.map((file) => file.path).join(', ')}): copy them from an asset mirror into ${target}/ or set ASSET_MIRROR_DIR; the demo starts without them`,
    );
  }
  return outcome;
}
