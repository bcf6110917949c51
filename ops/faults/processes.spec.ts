import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processCpuSeconds, treeCpuSeconds } from './processes.ts';

/** A child that burns `cpuMs` of its own CPU time (however long that takes on a busy machine), then exits. */
function burnInChild(cpuMs: number): Promise<void> {
  const script = `const start = process.cpuUsage(); while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000 < ${cpuMs}) {}`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child exited ${code}`))));
  });
}

describe('process tree CPU from /proc', () => {
  it('counts the CPU of a child that ran and exited between two readings', async () => {
    const treeBefore = treeCpuSeconds(process.pid);
    const ownBefore = processCpuSeconds(process.pid);
    await burnInChild(400);
    const tree = treeCpuSeconds(process.pid) - treeBefore;
    const own = processCpuSeconds(process.pid) - ownBefore;
    // The child's 400 ms are in the tree (one clock tick of rounding), and not in this process's own time.
    expect(tree - own).toBeGreaterThanOrEqual(0.39);
  });
});
