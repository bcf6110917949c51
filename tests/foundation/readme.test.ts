import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../core/config.ts';

const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('documents every configuration key (run `npm run docs:config` after adding one)', () => {
    const missing = Object.keys(configSchema.shape).filter((key) => !readme.includes(`| \`${key}\` |`));
    expect(missing).toEqual([]);
  });

  it('has a quick start of exactly two commands, start and test', () => {
    const quickStart = readme.split('## Quick start')[1].split('\n## ')[0];
    const commands = [...quickStart.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1].trim());
    expect(commands).toEqual(['npm start', 'npm test']);
  });

  it('says what CI does: the packages the quick start names, npm ci, then the same npm test', () => {
    const quickStart = readme.split('## Quick start')[1].split('\n## ')[0];
    const named = /`apt-get install -y ([a-z0-9 -]+)`/.exec(quickStart)?.[1].split(' ');
    const ci = readFileSync(path.join(root, '.ci', 'run'), 'utf8');
    const installed = [...ci.matchAll(/need_apt\+=\(([a-z0-9-]+)\)/g)].map((match) => match[1]);
    expect(named).toEqual(['ffmpeg', 'chromium', 'mosquitto', 'libxml2-utils', 'poppler-utils']);
    for (const pkg of named!) expect(installed).toContain(pkg);
    const commands = ci.split('\n').filter((line) => /^\s*(exec |npm |.*unshare)/.test(line) && !line.trim().startsWith('#'));
    expect(commands.some((line) => /npm ci\b/.test(line))).toBe(true);
    // Whatever else it runs, the tests are the README's command and nothing in front of it.
    expect(commands.filter((line) => /npm (run|test)|vitest/.test(line)).every((line) => /npm test'?$/.test(line.trim()))).toBe(true);
  });
});
