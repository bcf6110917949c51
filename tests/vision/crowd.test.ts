// Crowd detection on the shared pedestrian clips with the real model and real ffmpeg.
import { describe, expect, it } from 'vitest';
import { analyze, videoPath, writeConfig } from './analyze-cli.ts';

const crowdConfig = writeConfig({
  zones: [{ id: 'scene', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], rules: [{ kind: 'crowd', minPersons: 6, seconds: 3 }] }],
});

// The evening threshold of a bus stop (crowd at 30 from 17:00 to 19:00, city time): ten people raise no
// crowd in a recording made at 17:30, and do in one made at 16:00.
const eveningConfig = writeConfig({
  zones: [{ id: 'scene', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], rules: [{ kind: 'crowd', minPersons: 6, seconds: 3, schedule: [{ from: '17:00', to: '19:00', minPersons: 30 }] }] }],
});

describe('crowd', () => {
  it('raises exactly one crowd event on people.mp4 (about ten people in view) with minPersons 6', async () => {
    const run = await analyze(['--video', videoPath('people.mp4'), '--config', crowdConfig, '--fps', '2']);
    expect(run.code).toBe(0);
    const crowd = run.events.filter((event) => event.kind === 'crowd');
    expect(crowd).toHaveLength(1);
    expect(crowd[0]).toMatchObject({ zoneId: 'scene', class: 'person', trackId: null });
    expect(crowd[0].t).toBeGreaterThanOrEqual(3);
    expect(run.summary!.maxPersons.scene).toBeGreaterThanOrEqual(6);
  });

  it('never raises a crowd on one-by-one-person-detection.mp4, where people pass one at a time', async () => {
    // 139 s analysed at 1 fps to keep CI time modest
    const run = await analyze(['--video', videoPath('one-by-one-person-detection.mp4'), '--config', crowdConfig, '--fps', '1']);
    expect(run.code).toBe(0);
    expect(run.summary!.frames).toBe(139);
    expect(run.events.filter((event) => event.kind === 'crowd')).toHaveLength(0);
    // the people are seen (the test could fail), just never six at once
    expect(run.summary!.maxPersons.scene).toBeGreaterThanOrEqual(1);
    expect(run.summary!.maxPersons.scene).toBeLessThan(6);
  });

  it('holds a threshold by time of day at the recording\'s clock time (--start, CITY_TIME_ZONE)', async () => {
    const evening = await analyze(['--video', videoPath('people.mp4'), '--config', eveningConfig, '--fps', '2', '--start', '2026-12-05T17:30:00+07:00'], { CITY_TIME_ZONE: 'Asia/Ho_Chi_Minh' });
    expect(evening.code).toBe(0);
    expect(evening.events.filter((event) => event.kind === 'crowd')).toHaveLength(0);
    expect(evening.summary!.maxPersons.scene).toBeGreaterThanOrEqual(6); // the people are there
    const afternoon = await analyze(['--video', videoPath('people.mp4'), '--config', eveningConfig, '--fps', '2', '--start', '2026-12-05T16:00:00+07:00'], { CITY_TIME_ZONE: 'Asia/Ho_Chi_Minh' });
    const crowd = afternoon.events.filter((event) => event.kind === 'crowd');
    expect(crowd).toHaveLength(1);
    // the count held for the whole wait: what the threshold could have been and still raised it
    expect((crowd[0] as { sustainedCount?: number }).sustainedCount).toBeGreaterThanOrEqual(6);
    expect(crowd[0].t).toBeLessThan(60); // seconds into the video, not since 1970
  });
});
