// The small map of /report: a tap (or dragging the pin) puts the place of the report. The same basemap as
// the command room's map (the offline style, the local PMTiles basemap, the districts) when the server
// hands its settings to a visitor without an account; otherwise a plain background centred on the city,
// where the pin still gives the coordinates. Its own chunk: only loaded when the resident asks for it.
import { useEffect, useRef, useState } from 'react';
import maplibregl, { type Map as MapLibreMap, type StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { Protocol } from 'pmtiles';
import { useI18n } from '../i18n.tsx';
import { COLORS, offlineStyle } from '../map/map-style.ts';
import { loadWebConfig, type WebConfig } from '../map/web-config.ts';

/** The city centre the server's map settings also use (dashboard/server/web-routes.ts). */
const CITY_CENTER: [number, number] = [106.7, 10.78];

let pmtilesInstalled = false;

function styleFor(config: WebConfig | undefined): StyleSpecification | string {
  if (config) return config.mapStyleUrl ?? offlineStyle(config);
  return { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': COLORS.land } }] };
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

export default function PinMap({ place, onPick }: { place?: { lat: number; lon: number }; onPick(lat: number, lon: number): void }) {
  const { t } = useI18n();
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MapLibreMap | undefined>(undefined);
  const marker = useRef<maplibregl.Marker | undefined>(undefined);
  const onPickRef = useRef(onPick);
  onPickRef.current = onPick;
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let disposed = false;
    let map: MapLibreMap | undefined;
    void loadWebConfig()
      .catch(() => undefined)
      .then((config) => {
        if (disposed || !container.current) return;
        if (!pmtilesInstalled) {
          maplibregl.addProtocol('pmtiles', new Protocol().tile);
          pmtilesInstalled = true;
        }
        try {
          map = new maplibregl.Map({
            container: container.current,
            style: styleFor(config),
            center: place ? [place.lon, place.lat] : (config?.center ?? CITY_CENTER),
            zoom: place ? 16 : 12,
            minZoom: 8,
            maxZoom: 19,
            attributionControl: false,
            collectResourceTiming: false,
            fadeDuration: 0,
            dragRotate: false,
            pitchWithRotate: false,
            touchPitch: false,
          });
        } catch {
          setFailed(true);
          return;
        }
        mapRef.current = map;
        map.touchZoomRotate.disableRotation();
        map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'bottom-right');
        map.on('error', (event) => console.warn('map:', event.error?.message));
        map.on('click', (event) => onPickRef.current(round6(event.lngLat.lat), round6(event.lngLat.lng)));
        map.once('load', () => {
          if (!disposed) setReady(true);
        });
      });
    return () => {
      disposed = true;
      marker.current = undefined;
      map?.remove();
      mapRef.current = undefined;
    };
  }, []);

  // The pin follows the place, from a tap here or from the phone's GPS.
  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map || !place) return;
    if (!marker.current) {
      const element = document.createElement('div');
      element.className = 'pick-marker';
      marker.current = new maplibregl.Marker({ element, draggable: true, anchor: 'bottom' }).setLngLat([place.lon, place.lat]).addTo(map);
      marker.current.on('dragend', () => {
        const point = marker.current!.getLngLat();
        onPickRef.current(round6(point.lat), round6(point.lng));
      });
    } else {
      marker.current.setLngLat([place.lon, place.lat]);
    }
    if (!map.getBounds().contains([place.lon, place.lat])) map.easeTo({ center: [place.lon, place.lat], zoom: Math.max(map.getZoom(), 15) });
  }, [ready, place?.lat, place?.lon]);

  return (
    <div className="report-map" data-testid="report-map" data-ready={ready}>
      <div ref={container} className="report-map-canvas" />
      {failed && (
        <p className="form-error" role="alert">
          {t('report.mapFailed')}
        </p>
      )}
    </div>
  );
}
