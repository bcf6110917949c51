// Nothing CityOps starts outlives it, whatever ends the node process (SIGKILL and out-of-memory kills
// included, which run no exit handler). A tiny shell process, in its own session so a terminal's Ctrl-C
// or a kill of the node process's group does not reach it, holds a pipe from the node process and a list
// of registered children. When the pipe closes (the node process is gone), it stops every child still on
// the list: a graceful signal first (PostgreSQL's fast shutdown, ffmpeg finishing its files), SIGKILL
// after a grace period. A clean stop removes each child from the list first, so the watchdog has nothing
// to do and exits.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Component } from './lifecycle.ts';

// Reads "add <pid> <SIGNAL>" and "remove <pid>" lines; a negative pid is a process group.
const WATCHDOG_SCRIPT = `
watched=""
while read -r action pid signal; do
  case "$action" in
    add) watched="$watched $pid:$signal" ;;
    remove) watched=$(for entry in $watched; do case "$entry" in "$pid:"*) ;; *) printf '%s ' "$entry" ;; esac; done) ;;
  esac
done
[ -z "$watched" ] && exit 0
for entry in $watched; do kill -s "\${entry#*:}" -- "\${entry%%:*}" 2>/dev/null; done
waited=0
while [ "$waited" -lt "$GRACE_TENTHS" ]; do
  alive=""
  for entry in $watched; do kill -s 0 -- "\${entry%%:*}" 2>/dev/null && alive=1; done
  [ -z "$alive" ] && exit 0
  sleep 0.1
  waited=$((waited + 1))
done
for entry in $watched; do kill -s KILL -- "\${entry%%:*}" 2>/dev/null; done
`;

export class ChildWatchdog implements Component {
  readonly name = 'child-watchdog';
  private process?: ChildProcess;
  /** pid (negative: process group) → signal name without SIG, as `kill -s` takes it. */
  private readonly watched = new Map<number, string>();

  constructor(private readonly graceMs = 15_000) {}

  async start(): Promise<void> {
    const child = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'cityops-child-watchdog'], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { PATH: process.env.PATH, GRACE_TENTHS: String(Math.ceil(this.graceMs / 100)) },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    // Neither the watchdog nor its pipe keeps the node process alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    child.stdin!.on('error', () => undefined);
    this.process = child;
    for (const [pid, signal] of this.watched) this.send(`add ${pid} ${signal}`);
  }

  /** Stops `pid` (a process group when negative) with `signal`, then SIGKILL, if this process dies first. */
  watch(pid: number, signal: NodeJS.Signals): void {
    const name = signal.replace(/^SIG/, '');
    this.watched.set(pid, name);
    this.send(`add ${pid} ${name}`);
  }

  unwatch(pid: number): void {
    if (this.watched.delete(pid)) this.send(`remove ${pid}`);
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    // Whatever is still registered now is stopped by the watchdog, as on a crash.
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin!.end();
    await exited;
  }

  private send(line: string): void {
    if (this.process?.stdin?.writable) this.process.stdin.write(`${line}\n`);
  }
}

/** The process's watchdog: started by apps/main.ts; anything that spawns a long-lived child registers it. */
export const childWatchdog = new ChildWatchdog();
