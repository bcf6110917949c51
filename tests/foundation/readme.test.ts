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
});
