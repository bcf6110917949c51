// Runs before `npm start` and `npm test` so both work on a fresh clone with nothing else typed:
// installs dependencies when node_modules is missing and builds the dashboard when its bundle is
// missing or older than its sources. Plain JavaScript: it must run before anything is installed.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = (command) => execSync(command, { cwd: root, stdio: 'inherit' });

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  console.log('cityops: installing dependencies (npm ci)…');
  run('npm ci');
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const web = path.join(root, 'dashboard', 'web');
const bundle = path.join(web, 'dist', 'index.html');
if (existsSync(path.join(web, 'index.html'))) {
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource(web)) {
    console.log('cityops: building the dashboard…');
    run('npm run build:dashboard --silent');
  }
}
