// `npm run bench` runs every benchmark; `npm run bench -- alerts` runs one. Each benchmark is a file
// `<area>/bench/<name>.bench.ts` exporting `run(args)`, which prints one line per figure:
//   alerts.latency_p99_ms: 42 (200 clients, 100 alerts/s)
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const areas = ['core', 'devices', 'ingest', 'analytics', 'models', 'dashboard', 'ops'];

function findBenchmarks(): Map<string, string> {
  const found = new Map<string, string>();
  for (const area of areas) {
    const dir = path.join(root, area, 'bench');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      const match = /^(.+)\.bench\.ts$/.exec(file);
      if (match) found.set(match[1], path.join(dir, file));
    }
  }
  return found;
}

async function main() {
  const [name, ...args] = process.argv.slice(2);
  const benchmarks = findBenchmarks();
  const selected = name ? [name] : [...benchmarks.keys()].sort();
  for (const bench of selected) {
    const file = benchmarks.get(bench);
    if (!file) {
      console.error(`unknown benchmark "${bench}"; available: ${[...benchmarks.keys()].sort().join(', ') || 'none'}`);
      process.exit(2);
    }
    const module = (await import(pathToFileURL(file).href)) as { run(args: string[]): Promise<void> };
    console.log(`# ${bench} (${new Date().toISOString()}, node ${process.version}, ${(await import('node:os')).cpus().length} cores)`);
    await module.run(args);
  }
  process.exit(0);
}

void main();
