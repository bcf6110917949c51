import { describe, expect, it } from 'vitest';
import { diffFeatures, type FeatureIndex, type PointFeature } from './feature-diff.ts';

const device = (id: string, state: string, coordinates: [number, number] = [106.7, 10.8]): PointFeature => ({
  type: 'Feature',
  id,
  geometry: { type: 'Point', coordinates },
  properties: { id, state },
});
const indexOf = (features: PointFeature[]): FeatureIndex => new Map(features.map((feature) => [feature.id, feature]));

describe('device source updates by difference', () => {
  it('sends nothing when a reload brings the same devices in new objects', () => {
    const previous = indexOf([device('a', 'ok'), device('b', 'offline')]);
    const { diff, index } = diffFeatures(previous, [device('a', 'ok'), device('b', 'offline')]);
    expect(diff).toBeUndefined();
    expect([...index.keys()]).toEqual(['a', 'b']);
  });

  it('sends only the device whose state changed, as a property update', () => {
    const previous = indexOf(Array.from({ length: 1000 }, (_, i) => device(`s-${i}`, 'ok')));
    const next = [...previous.values()].map((feature) => (feature.id === 's-42' ? device('s-42', 'level2') : device(String(feature.id), 'ok')));
    const { diff } = diffFeatures(previous, next);
    expect(diff).toEqual({ update: [{ id: 's-42', addOrUpdateProperties: [{ key: 'state', value: 'level2' }] }] });
  });

  it('adds new devices, removes deleted ones and moves relocated ones', () => {
    const previous = indexOf([device('a', 'ok'), device('b', 'ok'), device('c', 'ok')]);
    const { diff, index } = diffFeatures(previous, [device('a', 'ok', [106.8, 10.9]), device('c', 'ok'), device('d', 'unknown')]);
    expect(diff).toEqual({
      remove: ['b'],
      add: [device('d', 'unknown')],
      update: [{ id: 'a', newGeometry: { type: 'Point', coordinates: [106.8, 10.9] } }],
    });
    expect([...index.keys()].sort()).toEqual(['a', 'c', 'd']);
  });

  it('removes a property a device no longer has', () => {
    const before: PointFeature = { ...device('a', 'ok'), properties: { id: 'a', state: 'ok', kind: 'rainfall' } };
    const { diff } = diffFeatures(indexOf([before]), [device('a', 'ok')]);
    expect(diff).toEqual({ update: [{ id: 'a', removeProperties: ['kind'] }] });
  });
});
