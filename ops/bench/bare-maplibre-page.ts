// The machine's own limit for the dashboard's first map render: a page with nothing but MapLibre (the
// maplibre-gl build in node_modules, the version the dashboard bundles), a blank style in the
// dashboard's background colour, and the same devices as one GeoJSON source drawn as circles. Served
// by the benchmark itself on loopback, so Chromium loads it the way it loads the dashboard.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface BareDevice {
  type: 'camera' | 'sensor';
  id: string;
  lon: number;
  lat: number;
}

/** The circle layer the benchmark counts drawn devices on. */
export const BARE_DEVICE_LAYER = 'device-circles';

export interface BareMapPage {
  url: string;
  /** Bytes of maplibre-gl.js, the only script the page loads. */
  scriptBytes: number;
  stop(): Promise<void>;
}

function pageHtml(bounds: [[number, number], [number, number]]): string {
  // The style names the GeoJSON by URL, so MapLibre's worker fetches and tiles it, as the dashboard's does.
  // Framed like the dashboard frames its devices (fitBounds, 60 px padding, zoom 13 at most).
  const style = {
    version: 8,
    sources: { devices: { type: 'geojson', data: '/devices.geojson' } },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#0a1222' } },
      {
        id: BARE_DEVICE_LAYER,
        type: 'circle',
        source: 'devices',
        paint: { 'circle-radius': 5, 'circle-color': ['match', ['get', 'type'], 'camera', '#5b8bd6', '#22c55e'], 'circle-stroke-width': 1, 'circle-stroke-color': '#0a1222' },
      },
    ],
  };
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>bare MapLibre</title>
<link rel="stylesheet" href="/maplibre-gl.css">
<style>html, body, #map { margin: 0; width: 100%; height: 100%; }</style>
</head><body><div id="map"></div>
<script src="/maplibre-gl.js"></script>
<script>
window.bareMap = new maplibregl.Map({
  container: 'map',
  style: ${JSON.stringify(style)},
  bounds: ${JSON.stringify(bounds)},
  fitBoundsOptions: { padding: 60, maxZoom: 13 },
  attributionControl: false,
  fadeDuration: 0,
});
</script></body></html>`;
}

export async function startBareMapPage(devices: readonly BareDevice[]): Promise<BareMapPage> {
  const dist = path.dirname(createRequire(import.meta.url).resolve('maplibre-gl'));
  const script = readFileSync(path.join(dist, 'maplibre-gl.js'));
  const css = readFileSync(path.join(dist, 'maplibre-gl.css'));
  const lons = devices.map((device) => device.lon);
  const lats = devices.map((device) => device.lat);
  const bounds: [[number, number], [number, number]] = [
    [Math.min(...lons), Math.min(...lats)],
    [Math.max(...lons), Math.max(...lats)],
  ];
  const geojson = JSON.stringify({
    type: 'FeatureCollection',
    features: devices.map((device) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [device.lon, device.lat] }, properties: { type: device.type, id: device.id } })),
  });
  const files: Record<string, [string, string | Buffer]> = {
    '/': ['text/html; charset=utf-8', pageHtml(bounds)],
    '/maplibre-gl.js': ['text/javascript', script],
    '/maplibre-gl.css': ['text/css', css],
    '/devices.geojson': ['application/geo+json', geojson],
  };
  const server: Server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://localhost').pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    // No caching: every run of the page is a first visit, like the dashboard's (whose cache is cleared).
    response.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    scriptBytes: script.length,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
