// Temporary directories of test processes that were killed before they could clean up (their servers
// are stopped by a watchdog; their files stay). Named `<prefix><pid>-…`: removed once that pid is gone.
import { readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A fresh directory name for this process under the system's temporary directory. */
export const ownedDirName = (prefix: string) => path.join(os.tmpdir(), `${prefix}${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);

export function removeAbandonedDirs(prefix: string, beforeRemove?: (dir: string) => void): void {
  for (const entry of readdirSync(os.tmpdir())) {
    if (!entry.startsWith(prefix)) continue;
    const owner = Number(/^(\d+)-/.exec(entry.slice(prefix.length))?.[1]);
    if (!owner || isAlive(owner)) continue;
    const dir = path.join(os.tmpdir(), entry);
    beforeRemove?.(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}
