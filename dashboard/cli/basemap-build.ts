// npm run basemap:build -- [--min-zoom 8] [--max-zoom 14] [kind=]input.geojson ... out.pmtiles
// Builds an offline vector basemap (PMTiles v3) from a city's own GeoJSON files; point MAP_PMTILES_FILE
// at the result. `kind=` names what a file holds (water, roads, districts...); by default the file name.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FeatureCollection } from 'geojson';
import { buildBasemap, type BasemapInput } from '../basemap/geojson-basemap.ts';

const USAGE = 'usage: npm run basemap:build -- [--min-zoom 8] [--max-zoom 14] [kind=]input.geojson ... out.pmtiles';

function zoomArgument(value: string | undefined, flag: string): number {
  const zoom = Number(value);
  if (!Number.isInteger(zoom) || zoom < 0 || zoom > 16) throw new Error(`${flag} wants a whole zoom level from 0 to 16, got ${value}`);
  return zoom;
}

function readInput(argument: string): BasemapInput {
  const match = /^([\w-]+)=(.+)$/.exec(argument);
  const file = match ? match[2] : argument;
  const kind = match ? match[1] : path.basename(file).replace(/\.(geo)?json$/i, '');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { type?: string };
  if (parsed.type === 'FeatureCollection') return { kind, collection: parsed as FeatureCollection };
  if (parsed.type === 'Feature') return { kind, collection: { type: 'FeatureCollection', features: [parsed as FeatureCollection['features'][number]] } };
  throw new Error(`${file}: not a GeoJSON FeatureCollection or Feature`);
}

function main(): void {
  const argv = process.argv.slice(2);
  let minZoom = 8;
  let maxZoom = 14;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--min-zoom') minZoom = zoomArgument(argv[++i], '--min-zoom');
    else if (argv[i] === '--max-zoom') maxZoom = zoomArgument(argv[++i], '--max-zoom');
    else if (argv[i] === '--help' || argv[i] === '-h') return console.log(USAGE);
    else files.push(argv[i]);
  }
  const output = files.pop();
  if (!output || files.length === 0 || !output.endsWith('.pmtiles')) throw new Error(USAGE);
  if (minZoom > maxZoom) throw new Error(`--min-zoom ${minZoom} is above --max-zoom ${maxZoom}`);
  const basemap = buildBasemap(files.map(readInput), { minZoom, maxZoom });
  writeFileSync(output, basemap.archive);
  const counts = Object.entries(basemap.featureCounts).map(([layer, count]) => `${layer} ${count}`).join(', ');
  console.log(`${output}: ${basemap.tileCount} tiles, zoom ${minZoom}-${maxZoom}, ${(basemap.archive.length / 1024).toFixed(0)} KiB (${counts})`);
  console.log(`serve it with MAP_PMTILES_FILE=${path.resolve(output)}`);
}

try {
  main();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
