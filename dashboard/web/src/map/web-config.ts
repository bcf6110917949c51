// The map's settings from the server (/api/web/config): time zone, style, local basemap, centre. Asked
// for once per page load and shared; its own small module so the app can ask early without loading
// the map's style code.
import { api } from '../api.ts';

export interface WebConfig {
  timeZone: string;
  mapStyleUrl: string | null;
  basemap: { url: string; tileType: 'vector' | 'raster'; minZoom: number; maxZoom: number; bounds: [number, number, number, number] } | null;
  center: [number, number];
}

let configPromise: Promise<WebConfig> | undefined;
export function loadWebConfig(): Promise<WebConfig> {
  configPromise ??= api<WebConfig>('/api/web/config').catch((error) => {
    configPromise = undefined;
    throw error;
  });
  return configPromise;
}
