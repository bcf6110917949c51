// What the dashboard's benches share to run a server in its own process and read its figures: start
// a tsx file that prints `listening on port N` (bench-api.ts, the bare servers) and take a quantile.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

/** Starts `file` with `args` in a child process (node options first, e.g. --cpu-prof); resolves when it printed its port. */
export async function startServer(file: string, args: string[], nodeOptions: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...nodeOptions, '--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  child.stdout!.pipe(process.stderr);
  return { child, url: `http://127.0.0.1:${/port (\d+)/.exec(line.toString())![1]}` };
}

/** The q-quantile (0-1) of the values by the nearest-rank method; NaN for none. */
export const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : Number.NaN;
};

/** CPU time (user + system) a process has used, from /proc (Linux); 0 once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
