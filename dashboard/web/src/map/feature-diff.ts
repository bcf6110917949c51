// The device source is updated by difference: what the map already holds is compared with the new
// features, and only what changed goes to MapLibre's worker (GeoJSONSource.updateData). A health
// change of one sensor sends one feature, not 6,000; a registry reload that changed nothing sends none.
import type { Feature, Point } from 'geojson';
import type { GeoJSONFeatureDiff, GeoJSONSourceDiff } from 'maplibre-gl';

type PropertyValue = string | number | boolean | null;

/** A point with a stable id (updateData finds features by it) and flat properties. */
export interface PointFeature extends Feature<Point, Record<string, PropertyValue>> {
  id: string | number;
}

export type FeatureIndex = Map<string | number, PointFeature>;

export interface FeatureChanges {
  /** undefined when nothing changed: the source is left alone and the map does not redraw. */
  diff: GeoJSONSourceDiff | undefined;
  /** The new features by id, to diff the next update against. */
  index: FeatureIndex;
}

export function diffFeatures(previous: FeatureIndex, next: readonly PointFeature[]): FeatureChanges {
  const index: FeatureIndex = new Map();
  const add: PointFeature[] = [];
  const update: GeoJSONFeatureDiff[] = [];
  for (const feature of next) {
    index.set(feature.id, feature);
    const before = previous.get(feature.id);
    if (!before) {
      add.push(feature);
      continue;
    }
    const change = featureChange(before, feature);
    if (change) update.push(change);
  }
  const remove = [...previous.keys()].filter((id) => !index.has(id));
  if (!add.length && !update.length && !remove.length) return { diff: undefined, index };
  const diff: GeoJSONSourceDiff = {};
  if (remove.length) diff.remove = remove;
  if (add.length) diff.add = add;
  if (update.length) diff.update = update;
  return { diff, index };
}

function featureChange(before: PointFeature, after: PointFeature): GeoJSONFeatureDiff | undefined {
  const change: GeoJSONFeatureDiff = { id: after.id };
  const [lon, lat] = after.geometry.coordinates;
  if (before.geometry.coordinates[0] !== lon || before.geometry.coordinates[1] !== lat) change.newGeometry = after.geometry;
  const changed = Object.entries(after.properties).filter(([key, value]) => before.properties[key] !== value);
  if (changed.length) change.addOrUpdateProperties = changed.map(([key, value]) => ({ key, value }));
  const dropped = Object.keys(before.properties).filter((key) => !(key in after.properties));
  if (dropped.length) change.removeProperties = dropped;
  return change.newGeometry || change.addOrUpdateProperties || change.removeProperties ? change : undefined;
}
