// Illegal parking with the real model and real ffmpeg: frame 30 of traffic.mp4 held for 75 s (the cars in
// it stand still, as parked cars do) raises `illegal_parking` once per still car after the zone's minute,
// and not before; the moving clip itself, with a 12 s limit, raises none.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, videoPath, writeConfig } from './analyze-cli.ts';

const wholeFrame = (minutes: number) => ({ zones: [{ id: 'kerb', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], rules: [{ kind: 'illegal_parking', minutes }] }], lines: [] });

describe('illegal parking', () => {
  let work: string;
  let parked: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'cityops-parking-'));
    const frame = path.join(work, 'frame.png');
    parked = path.join(work, 'parked.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', videoPath('traffic.mp4'), '-vf', 'select=eq(n\\,30)', '-frames:v', '1', frame]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', frame, '-t', '75', '-r', '5', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', parked]);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('raises one alert per vehicle standing in the zone for its minute, not before', async () => {
    const run = await analyze(['--video', parked, '--config', writeConfig(wholeFrame(1))]);
    expect(run.code).toBe(0);
    const parkings = run.events.filter((event) => event.kind === 'illegal_parking');
    expect(parkings.length).toBeGreaterThanOrEqual(1);
    expect(new Set(parkings.map((event) => event.trackId)).size).toBe(parkings.length);
    for (const event of parkings) {
      expect(['car', 'truck', 'bus', 'motorbike', 'bicycle']).toContain(event.class);
      expect(event.t).toBeGreaterThanOrEqual(60);
      expect(event.t).toBeLessThan(63);
    }
  });

  it('raises none for moving traffic', async () => {
    const run = await analyze(['--video', videoPath('traffic.mp4'), '--config', writeConfig(wholeFrame(0.2))]);
    expect(run.code).toBe(0);
    expect(run.events.filter((event) => event.kind === 'illegal_parking')).toEqual([]);
  });
});
