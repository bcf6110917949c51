// npm run models:fetch [-- --model <id>]: makes sure every model file is present and verified,
// from the asset mirror, DATA_DIR/models or its upstream URL. Exit code 1 with the reason otherwise.
import { loadConfig } from '@cityops/core/config';
import { listModelIds, loadManifest } from '../manifest.ts';
import { resolveModel } from '../fetch.ts';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const index = argv.indexOf('--model');
  const ids = index >= 0 ? [argv[index + 1]] : listModelIds();
  const config = loadConfig(process.env, []);
  let failures = 0;
  for (const id of ids) {
    try {
      const model = await resolveModel(loadManifest(id), { assetMirrorDir: config.ASSET_MIRROR_DIR, dataDir: config.dataDir });
      for (const warning of model.warnings) console.warn(`warning: ${warning}`);
      console.log(`${id}: ${model.modelPath} (${model.source}, sha256 ${model.sha256}, labels from ${model.labelsSource})`);
    } catch (error) {
      failures++;
      console.error(`${id}: ${(error as Error).message}`);
    }
  }
  process.exitCode = failures > 0 ? 1 : 0;
}

await main();
