// The one-line check `npm test` makes before any test runs (tests/support/prerequisites.ts).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { assertPrograms, missingPrograms } from '../support/prerequisites.ts';

const saved = { PATH: process.env.PATH, CHROMIUM_PATH: process.env.CHROMIUM_PATH };
const dirs: string[] = [];
afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.CHROMIUM_PATH === undefined) delete process.env.CHROMIUM_PATH;
  else process.env.CHROMIUM_PATH = saved.CHROMIUM_PATH;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A PATH holding only executables with these names. */
function pathWith(...programs: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cityops-prereq-'));
  dirs.push(dir);
  for (const program of programs) {
    writeFileSync(path.join(dir, program), '#!/bin/sh\n');
    chmodSync(path.join(dir, program), 0o755);
  }
  return dir;
}

describe('programs the tests need', () => {
  it('names every missing program in one line with the command that installs them', () => {
    process.env.PATH = pathWith();
    process.env.CHROMIUM_PATH = path.join(os.tmpdir(), 'no-such-chromium');
    expect(missingPrograms({ needMosquitto: true })).toEqual(['ffmpeg', 'chromium', 'mosquitto']);
    expect(() => assertPrograms({ needMosquitto: true })).toThrow(/^The tests need ffmpeg, chromium, mosquitto, not found on this machine: install with `apt-get install -y ffmpeg chromium mosquitto`[^\n]*$/);
  });

  it('asks only for what is missing, and for no mosquitto when a broker is given', () => {
    const dir = pathWith('ffmpeg', 'ffprobe');
    process.env.PATH = dir;
    process.env.CHROMIUM_PATH = path.join(pathWith('chromium'), 'chromium');
    expect(missingPrograms({ needMosquitto: false })).toEqual([]);
    expect(() => assertPrograms({ needMosquitto: true })).toThrow(/install with `apt-get install -y mosquitto`/);
    process.env.PATH = pathWith('ffmpeg');
    expect(missingPrograms({ needMosquitto: false })).toEqual(['ffmpeg']); // ffprobe belongs to the same package
  });

  it('finds this machine complete, as the run that got here did', () => {
    expect(missingPrograms({ needMosquitto: inject('sharedMqttUrl') === null })).toEqual([]);
  });
});
