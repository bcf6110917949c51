// `npx tsx ops/bench/cpu-profile-summary.ts FILE_OR_DIR… [--top 15] [--after-s 30]`
// Reads V8 CPU profiles (`node --cpu-prof`, e.g. from `npm run bench -- vision-live --profile DIR`) and
// prints, per profile, where the main thread spent its time: self time by function and by package or
// project folder, in ms and in % of the busy (not idle) time. Self time, not total: the rows add up to
// the busy time, so they answer "what would get cheaper if this got cheaper". A profile sees the main
// thread only; the libuv pool (JPEG encode/decode) and V8's helper threads are measured from /proc by
// the bench itself. --after-s N leaves out the first N seconds of each profile (module loading, warm-up).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface Summary {
  wallMs: number;
  idleMs: number;
  byFunction: Map<string, number>;
  byGroup: Map<string, number>;
}

/** V8's pseudo-frames: not code, but what the thread did. */
const IDLE = '(idle)';

/** node_modules/<package> (scoped too), node:internal, the project folder, or the pseudo-frame itself. */
function groupOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `native ${functionName}`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const project = /\/(contract|core|models|devices|ingest|analytics|dashboard|apps|ops)\/(.*)$/.exec(url);
  return project ? `${project[1]}/${path.dirname(project[2]) === '.' ? '' : path.dirname(project[2]) + '/'}` : url;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const project = /\/((?:contract|core|models|devices|ingest|analytics|dashboard|apps|ops)\/.*)$/.exec(url);
  return project ? project[1] : url;
}

export function summarise(profile: CpuProfile, afterS = 0): Summary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byGroup = new Map<string, number>();
  let idleMs = 0;
  let elapsedMs = 0;
  let countedFromMs: number | undefined;
  // timeDeltas[i] is the time *before* sample i: the time a sample stands for is the next delta.
  for (let i = 0; i < profile.samples.length; i++) {
    elapsedMs += profile.timeDeltas[i] / 1000;
    if (elapsedMs < afterS * 1000) continue;
    countedFromMs ??= elapsedMs;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const frame = nodes.get(profile.samples[i])?.callFrame;
    if (!frame) continue;
    if (frame.functionName === IDLE) {
      idleMs += ms;
      continue;
    }
    const name = frame.url ? `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : frame.functionName;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    const group = groupOf(frame.url, frame.functionName);
    byGroup.set(group, (byGroup.get(group) ?? 0) + ms);
  }
  return { wallMs: (profile.endTime - profile.startTime) / 1000 - (countedFromMs ?? 0), idleMs, byFunction, byGroup };
}

function table(title: string, rows: Map<string, number>, busyMs: number, top: number): string {
  const sorted = [...rows].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`  ${title}:`, ...sorted.map(([name, ms]) => `    ${((100 * ms) / busyMs).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(7)} ms  ${name}`)].join('\n');
}

function profileFiles(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(target, name))
    .sort();
}

function main(args: string[]): void {
  const topIndex = args.indexOf('--top');
  const afterIndex = args.indexOf('--after-s');
  const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 15;
  const afterS = afterIndex >= 0 ? Number(args[afterIndex + 1]) : 0;
  // An option's value is not a target; an absent option (index -1) must not hide the first argument.
  const optionValues = new Set([topIndex, afterIndex].filter((index) => index >= 0).map((index) => index + 1));
  const targets = args.filter((arg, index) => !arg.startsWith('--') && !optionValues.has(index));
  if (!targets.length) {
    console.error('usage: npx tsx ops/bench/cpu-profile-summary.ts FILE_OR_DIR… [--top 15] [--after-s 30]');
    process.exit(2);
  }
  for (const file of targets.flatMap(profileFiles)) {
    const summary = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, afterS);
    const busyMs = summary.wallMs - summary.idleMs;
    console.log(`${file}: wall ${(summary.wallMs / 1000).toFixed(1)} s${afterS ? ` after the first ${afterS} s` : ''}, main thread busy ${(busyMs / 1000).toFixed(1)} s (${((100 * busyMs) / summary.wallMs).toFixed(0)} %)`);
    console.log(table('self time by package or folder (% of busy)', summary.byGroup, busyMs, top));
    console.log(table('self time by function (% of busy)', summary.byFunction, busyMs, top));
  }
}

main(process.argv.slice(2));
