// Runs the real offline analyser (npm run analyze) as a child process and parses its JSON lines.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assetMirrorDir } from '../support/urls.ts';

const root = new URL('../../', import.meta.url).pathname;

export const videoPath = (name: string) => path.join(assetMirrorDir(), 'video', name);

export interface AnalyzeEvent {
  type: 'event';
  kind: string;
  zoneId?: string;
  lineId?: string;
  t: number;
  class: string | null;
  trackId: number | null;
  direction?: '+' | '-';
}

export interface AnalyzeSummary {
  type: 'summary';
  frames: number;
  lines: Record<string, Record<string, { '+': number; '-': number }>>;
  maxPersons: Record<string, number>;
  events: Record<string, number>;
}

export interface AnalyzeRun {
  code: number | null;
  stderr: string;
  events: AnalyzeEvent[];
  summary?: AnalyzeSummary;
}

/** Writes a camera config to a temporary file and returns its path. */
export function writeConfig(config: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cityops-vision-'));
  const file = path.join(dir, 'camera.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

export function analyze(args: string[], env: Record<string, string> = {}): Promise<AnalyzeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'analytics/cli/analyze.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ASSET_MIRROR_DIR: assetMirrorDir(), DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cityops-data-')), LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', reject);
    child.once('close', (code) => {
      const lines = stdout
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as AnalyzeEvent | AnalyzeSummary);
      resolve({
        code,
        stderr,
        events: lines.filter((line): line is AnalyzeEvent => line.type === 'event'),
        summary: lines.find((line): line is AnalyzeSummary => line.type === 'summary'),
      });
    });
  });
}
