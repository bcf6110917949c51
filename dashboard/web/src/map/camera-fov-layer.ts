// Cameras' fields of view on the city map (#17 part 3): each camera with a bearing (or seeing all
// round) is a translucent cone from its icon out to its range. 1,000 cameras are one GeoJSON source and
// one fill layer under the device icons; a cone's polygon is computed when that camera's position or
// field of view changes, never per frame, and the source is replaced only when some cone changed.
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Camera } from '@cityops/contract/devices';
import { coneRing } from '@cityops/contract/field-of-view';

export const CAMERA_FOV_LAYER = 'camera-fov';
const SOURCE = 'camera-fov';
const CONE_COLOUR = '#5b8bd6';

interface ConeFeature {
  type: 'Feature';
  id?: number;
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
  properties: { id: string; type: 'camera-fov'; sees_all_round: boolean };
}

export class CameraFovLayer {
  private readonly cones = new Map<string, { signature: string; feature: ConeFeature | null }>();

  constructor(private readonly map: MapLibreMap) {}

  /** Adds the source and its fill layer below `beforeLayerId` (the device icons stay on top and clickable). */
  start(beforeLayerId: string): void {
    this.map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    this.map.addLayer(
      {
        id: CAMERA_FOV_LAYER,
        type: 'fill',
        source: SOURCE,
        // The cameras' icon blue, faint enough that streets and alerts read through it on either theme.
        paint: { 'fill-color': CONE_COLOUR, 'fill-opacity': 0.2, 'fill-outline-color': CONE_COLOUR },
      },
      beforeLayerId,
    );
  }

  /** The cameras drawn now; returns whether the map's data was replaced. */
  setCameras(cameras: readonly Camera[], shown: boolean): boolean {
    const source = this.map.getSource(SOURCE) as GeoJSONSource | undefined;
    if (!source) return false;
    let changed = false;
    const present = new Set<string>();
    for (const camera of shown ? cameras : []) {
      if (camera.lat == null || camera.lon == null) continue;
      present.add(camera.id);
      const signature = `${camera.lat},${camera.lon},${camera.bearing},${camera.fovDegrees},${camera.rangeMeters}`;
      if (this.cones.get(camera.id)?.signature === signature) continue;
      const ring = coneRing({ lat: camera.lat, lon: camera.lon, bearing: camera.bearing, fovDegrees: camera.fovDegrees, rangeMeters: camera.rangeMeters });
      const feature: ConeFeature | null = ring
        ? { type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: { id: camera.id, type: 'camera-fov', sees_all_round: camera.fovDegrees >= 360 } }
        : null;
      this.cones.set(camera.id, { signature, feature });
      changed = true;
    }
    for (const id of this.cones.keys()) {
      if (present.has(id)) continue;
      this.cones.delete(id);
      changed = true;
    }
    if (!changed) return false;
    const features: ConeFeature[] = [];
    for (const { feature } of this.cones.values()) if (feature) features.push(feature);
    source.setData({ type: 'FeatureCollection', features });
    return true;
  }

  stop(): void {
    if (this.map.getLayer(CAMERA_FOV_LAYER)) this.map.removeLayer(CAMERA_FOV_LAYER);
    if (this.map.getSource(SOURCE)) this.map.removeSource(SOURCE);
    this.cones.clear();
  }
}
