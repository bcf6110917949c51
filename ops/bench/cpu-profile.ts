// Where a page's main thread spent a CPU profile (Chromium's Profiler domain): self time by function
// and by script, the top entries first, for the benchmark to print beside a figure that missed its goal.

/** The parts of a CDP Profiler.Profile read here. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Lines `self 123 ms  name (file:line)`, then `script 456 ms  file`, biggest first. */
export function summariseProfile(profile: CpuProfile, top: number): string[] {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  // Each sample's time is the delta to the next sample (the last one has none).
  profile.samples.forEach((nodeId, index) => {
    const deltaUs = profile.timeDeltas[index + 1] ?? 0;
    selfMs.set(nodeId, (selfMs.get(nodeId) ?? 0) + deltaUs / 1000);
  });
  const byFunction = new Map<string, number>();
  const byScript = new Map<string, number>();
  for (const [nodeId, ms] of selfMs) {
    const frame = byNode.get(nodeId)!.callFrame;
    const file = frame.url ? (new URL(frame.url).pathname.split('/').pop() ?? frame.url) : '(native)';
    const name = `${frame.functionName || '(anonymous)'} (${file}${frame.url ? `:${frame.lineNumber + 1}` : ''})`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    byScript.set(file, (byScript.get(file) ?? 0) + ms);
  }
  const biggest = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  const total = [...selfMs.values()].reduce((sum, ms) => sum + ms, 0);
  return [
    `total ${Math.round(total)} ms sampled on the main thread`,
    ...biggest(byFunction).map(([name, ms]) => `self ${Math.round(ms)} ms  ${name}`),
    ...biggest(byScript).map(([file, ms]) => `script ${Math.round(ms)} ms  ${file}`),
  ];
}
