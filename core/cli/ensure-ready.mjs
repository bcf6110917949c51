// Runs before `npm start` and `npm test` so both work on a fresh clone with nothing else typed:
// installs dependencies when node_modules is missing and builds the dashboard when its bundle is
// missing or older than its sources. Plain JavaScript: it must run before anything is installed.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = (command) => execSync(command, { cwd: root, stdio: 'inherit' });

// Two commands started at once in one checkout (two `npm test`, or `npm start` beside one) must not
// install or build over each other: the first takes this lock, the others wait for it and then find
// everything ready. A lock whose process is gone is taken over.
const lock = path.join(root, '.ready.lock');
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const holderAlive = () => {
  try {
    process.kill(Number(readFileSync(path.join(lock, 'pid'), 'utf8')), 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};
for (let waited = 0; ; waited += 200) {
  try {
    mkdirSync(lock);
    writeFileSync(path.join(lock, 'pid'), String(process.pid));
    break;
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
    // Just created, pid not written yet: give it a moment before judging it abandoned.
    if (waited >= 2000 && !holderAlive()) rmSync(lock, { recursive: true, force: true });
    if (waited === 2000) console.log('cityops: waiting for another command installing or building in this checkout…');
    pause(200);
  }
}
process.on('exit', () => rmSync(lock, { recursive: true, force: true }));

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
