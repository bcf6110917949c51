// OS processes for the fault suite: spawning with the output kept in a log file (a scenario that fails
// says why from it), waiting on what a process prints, and reading /proc for the figures the scenarios
// report (RSS, open file descriptors, descendants left behind).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until `done` holds; returns the last value and whether it held before the deadline. */
export async function waitUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, intervalMs = 250): Promise<{ ok: boolean; value: T; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    let value: T;
    try {
      value = await probe();
    } catch (error) {
      value = error as T;
    }
    if (!(value instanceof Error) && done(value)) return { ok: true, value, waitedMs: Date.now() - started };
    if (Date.now() - started >= timeoutMs) return { ok: false, value, waitedMs: Date.now() - started };
    await sleep(intervalMs);
  }
}

/** A child process whose stdout and stderr go to a log file and a short in-memory tail. */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private tail = '';
  private readonly log: WriteStream;
  private readonly watchers: Array<{ pattern: RegExp; resolve: () => void }> = [];

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    options: SpawnOptions & { logFile: string },
  ) {
    this.log = createWriteStream(options.logFile, { flags: 'a' });
    this.child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const onOutput = (chunk: Buffer) => {
      this.log.write(chunk);
      this.tail = (this.tail + chunk.toString()).slice(-20_000);
      for (const watcher of [...this.watchers]) {
        if (watcher.pattern.test(this.tail)) {
          this.watchers.splice(this.watchers.indexOf(watcher), 1);
          watcher.resolve();
        }
      }
    };
    this.child.stdout!.on('data', onOutput);
    this.child.stderr!.on('data', onOutput);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.log.end();
        resolve({ code, signal });
      });
      this.child.once('error', (error) => {
        this.tail += `\nspawn error: ${error.message}`;
        resolve({ code: -1, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  lastOutput(chars = 1500): string {
    return this.tail.slice(-chars);
  }

  /** Resolves when the output (since start) matches; rejects when the process exits first or on timeout. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    if (pattern.test(this.tail)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}: no ${pattern} within ${timeoutMs} ms; last output:\n${this.lastOutput()}`)), timeoutMs);
      this.watchers.push({
        pattern,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.label} exited (${signal ?? code}) before ${pattern}; last output:\n${this.lastOutput()}`));
      });
    });
  }

  /** Sends `signal`, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command sits in parentheses and may itself contain spaces or parentheses.
    const close = stat.lastIndexOf(')');
    const command = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie holds nothing but its exit status
    return { pid, ppid: Number(fields[1]), command };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((info): info is ProcessInfo => info !== undefined);
}

/** Every live descendant of `pid` (children, their children …). */
export function descendants(pid: number): ProcessInfo[] {
  const all = allProcesses();
  const found: ProcessInfo[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const info of all) {
      if (parents.has(info.ppid) && !parents.has(info.pid)) {
        parents.add(info.pid);
        found.push(info);
        grew = true;
      }
    }
  }
  return found;
}

/** Resident set size in KiB (VmRSS), or undefined once the process is gone. */
export function residentKb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function openFileDescriptors(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** PIDs from `seen` still alive, with their command: what a stopped system left behind. */
export function survivors(seen: Iterable<number>): ProcessInfo[] {
  return [...new Set(seen)].map((pid) => readProcess(pid)).filter((info): info is ProcessInfo => info !== undefined);
}

/** USER_HZ: the unit of the CPU times in /proc/<pid>/stat (100 on every Linux CityOps runs on). */
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of one process, and cutime + cstime (its reaped children's), in clock ticks (undefined once it is gone). */
function cpuTicks(pid: number): { own: number; reaped: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined;
    return { own: Number(fields[11]) + Number(fields[12]), reaped: Number(fields[13]) + Number(fields[14]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by one process itself (not its children). */
export function processCpuSeconds(pid: number): number {
  return (cpuTicks(pid)?.own ?? 0) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU seconds used so far by a process and every descendant, those already exited included: a child's
 * time moves into its parent's cutime/cstime when the parent reaps it, so the difference of two readings
 * counts the children that started, ran or exited in between (an ffmpeg restarted mid-window too).
 */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const each of [pid, ...descendants(pid).map((child) => child.pid)]) {
    const times = cpuTicks(each);
    ticks += times ? times.own + times.reaped : 0;
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** Busy and total time of the whole machine (all cores), in clock ticks, from /proc/stat. */
export function machineCpuTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** The command line of a process, as its arguments (empty once it is gone). */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}
