import { describe, expect, it } from 'vitest';
import type { CityClass, Detection } from '../detect/types.ts';
import { DEFAULT_TRACKER_OPTIONS, Tracker } from './tracker.ts';

const box = (cx: number, cy: number, w: number, h: number, score = 0.8, cls: CityClass = 'car'): Detection => ({
  x1: cx - w / 2,
  y1: cy - h / 2,
  x2: cx + w / 2,
  y2: cy + h / 2,
  score,
  class: cls,
});

describe('Tracker', () => {
  it('keeps stable ids for two cars passing each other at 2 fps, each moving more than its length per frame', () => {
    const tracker = new Tracker();
    const ids = new Map<string, Set<number>>([
      ['east', new Set()],
      ['west', new Set()],
    ]);
    for (let frame = 0; frame < 8; frame++) {
      const t = frame * 500;
      // 0.12 wide cars moving 0.13 per frame (2.2 lengths per second) in opposite lanes
      const east = box(0.05 + 0.13 * frame, 0.7, 0.12, 0.06);
      const west = box(0.95 - 0.13 * frame, 0.4, 0.12, 0.06);
      const { tracks } = tracker.update([east, west], t);
      for (const track of tracks) {
        ids.get(track.box.y1 > 0.55 ? 'east' : 'west')!.add(track.id);
      }
    }
    expect(ids.get('east')!.size).toBe(1);
    expect(ids.get('west')!.size).toBe(1);
    expect([...ids.get('east')!][0]).not.toBe([...ids.get('west')!][0]);
  });

  it('reports a track only once confirmed by a second observation', () => {
    const tracker = new Tracker();
    expect(tracker.update([box(0.5, 0.5, 0.1, 0.1)], 0).tracks).toHaveLength(0);
    expect(tracker.update([box(0.51, 0.5, 0.1, 0.1)], 500).tracks).toHaveLength(1);
  });

  it('never starts a track from weak detections, but keeps a confirmed one alive with them', () => {
    const tracker = new Tracker();
    tracker.update([box(0.2, 0.5, 0.1, 0.1, 0.15)], 0);
    expect(tracker.update([box(0.2, 0.5, 0.1, 0.1, 0.15)], 500).tracks).toHaveLength(0);

    const alive = new Tracker();
    alive.update([box(0.2, 0.5, 0.1, 0.1)], 0);
    const [confirmed] = alive.update([box(0.22, 0.5, 0.1, 0.1)], 500).tracks;
    const weak = alive.update([box(0.24, 0.5, 0.1, 0.1, 0.15)], 1000).tracks;
    expect(weak).toHaveLength(1);
    expect(weak[0]).toMatchObject({ id: confirmed.id, seen: true });
  });

  it('predicts a briefly missed track, finds it again under the same id, and drops it after maxLostMs', () => {
    const tracker = new Tracker({ maxLostMs: 2000 });
    tracker.update([box(0.2, 0.5, 0.1, 0.1)], 0);
    const [track] = tracker.update([box(0.25, 0.5, 0.1, 0.1)], 500).tracks;
    const lost = tracker.update([], 1000);
    expect(lost.tracks[0]).toMatchObject({ id: track.id, seen: false });
    expect((lost.tracks[0].box.x1 + lost.tracks[0].box.x2) / 2).toBeGreaterThan(0.27); // moved on by prediction
    expect(tracker.update([box(0.35, 0.5, 0.1, 0.1)], 1500).tracks[0]).toMatchObject({ id: track.id, seen: true });
    tracker.update([], 2000);
    tracker.update([], 3000);
    const gone = tracker.update([], 3600);
    expect(gone.tracks).toHaveLength(0);
    expect(gone.removed).toEqual([track.id]);
  });

  it('does not associate a person with a car at the same place', () => {
    const tracker = new Tracker();
    tracker.update([box(0.5, 0.5, 0.1, 0.2, 0.9, 'person')], 0);
    tracker.update([box(0.5, 0.5, 0.1, 0.2, 0.9, 'car')], 500);
    expect(tracker.update([box(0.5, 0.5, 0.1, 0.2, 0.9, 'car')], 1000).tracks.map((t) => t.class)).toEqual(['car']);
  });

  it('votes the class over observations (a pickup seen as car twice and truck once stays a car)', () => {
    const tracker = new Tracker();
    tracker.update([box(0.3, 0.5, 0.1, 0.1, 0.8, 'car')], 0);
    tracker.update([box(0.32, 0.5, 0.1, 0.1, 0.7, 'car')], 500);
    expect(tracker.update([box(0.34, 0.5, 0.1, 0.1, 0.9, 'truck')], 1000).tracks[0].class).toBe('car');
  });

  it('refuses timestamps that go back', () => {
    const tracker = new Tracker();
    tracker.update([], 1000);
    expect(() => tracker.update([], 500)).toThrow(/must not go back/);
  });

  describe('parked vehicles', () => {
    /** A car standing at (0.5, 0.5) for 5 s at 2 fps: parked from 3 s on. */
    function parkedCar(tracker: Tracker): number {
      let id = 0;
      for (let t = 0; t <= 5000; t += 500) id = tracker.update([box(0.5 + (t % 1000 ? 0.004 : -0.004), 0.5, 0.12, 0.06)], t).tracks[0]?.id ?? id;
      return id;
    }

    it('keep their id while a car of the same size passes in front, and the passing car keeps its own', () => {
      const tracker = new Tracker();
      const parked = parkedCar(tracker);
      const passingIds = new Set<number>();
      // The passing car drives 0.13 a frame along the parked car's lane, over it, hiding it for two frames.
      for (let frame = 0; frame < 8; frame++) {
        const t = 5500 + frame * 500;
        const x = 0.1 + 0.13 * frame;
        const hidden = Math.abs(x - 0.5) < 0.1;
        const { tracks } = tracker.update([box(x, 0.5, 0.12, 0.06), ...(hidden ? [] : [box(0.5, 0.5, 0.12, 0.06, 0.6)])], t);
        const still = tracks.find((track) => track.id === parked);
        expect(still, `the parked car's track at ${t} ms`).toBeDefined();
        expect((still!.box.x1 + still!.box.x2) / 2).toBeCloseTo(0.5, 1);
        expect(still!.parked).toBe(true);
        for (const track of tracks) if (track.id !== parked) passingIds.add(track.id);
      }
      expect(passingIds.size).toBe(1);
    });

    it('are kept while something is detected over them, up to parkedMaxLostMs, and dropped soon when their place is empty', () => {
      const hiddenByBus = new Tracker();
      const parked = parkedCar(hiddenByBus);
      // A bus (twice the car's size, so never taken for it) stands over it for 30 s.
      for (let t = 5500; t <= 35_500; t += 500) expect(hiddenByBus.update([box(0.5, 0.48, 0.3, 0.15, 0.9, 'bus')], t).tracks.some((track) => track.id === parked)).toBe(true);
      expect(hiddenByBus.update([box(0.5, 0.5, 0.12, 0.06)], 36_000).tracks.find((track) => track.id === parked)).toMatchObject({ seen: true });

      const drivenOff = new Tracker();
      const gone = parkedCar(drivenOff);
      let removedAt = 0;
      for (let t = 5500; !removedAt && t < 20_000; t += 500) if (drivenOff.update([], t).removed.includes(gone)) removedAt = t;
      expect(removedAt - 5000).toBeGreaterThan(2000);
      expect(removedAt - 5000).toBeLessThanOrEqual(DEFAULT_TRACKER_OPTIONS.parkedUnseenMs + 500);
    });

    it('do not hand their id to a car that starts from their place and drives off', () => {
      const tracker = new Tracker();
      const parked = parkedCar(tracker);
      const ids: number[] = [];
      for (let frame = 1; frame <= 6; frame++) {
        const { tracks } = tracker.update([box(0.5 + 0.1 * frame * frame * 0.5, 0.5, 0.12, 0.06)], 5000 + frame * 500);
        for (const track of tracks) if (track.seen && Math.abs((track.box.x1 + track.box.x2) / 2 - 0.5) > 0.15) ids.push(track.id);
      }
      expect(ids.length).toBeGreaterThan(0);
      expect(ids).not.toContain(parked);
    });

    it('are not what a car creeping in a queue is: its place moves with it', () => {
      const tracker = new Tracker();
      let last;
      for (let t = 0; t <= 10_000; t += 500) last = tracker.update([box(0.2 + 0.00125 * (t / 100), 0.5, 0.12, 0.06)], t).tracks[0];
      // 0.025 a second, a fifth of its length: past its place's radius every ~1.5 s, so never parked.
      expect(last?.parked).toBe(false);
    });
  });
});
