// The city map: basemap, districts, cameras and sensors clustered and coloured by state, open alerts by
// severity with critical ones pulsing. Devices are one clustered GeoJSON source drawn as canvas-made
// icons, so 1,000 cameras and 5,000 sensors cost one symbol layer, not 6,000 DOM markers. Open alerts
// are drawn on a 2D canvas over the map (alert-overlay.ts), so an alert storm never redraws the city.
// Active incidents are pins of their own (incident-layer.ts); hovering one shows its linked alerts.
// Parking zones are badges under their cameras, "P free/spaces" (parking-layer.ts).
import { useEffect, useRef, useState } from 'react';
import maplibregl, { type GeoJSONSource, type Map as MapLibreMap, type MapGeoJSONFeature } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { Protocol } from 'pmtiles';
import type { Point } from 'geojson';
import { useI18n, type I18n, type Translate } from '../i18n.tsx';
import { nameIn, type Camera, type Sensor } from '@cityops/contract/devices';
import type { IncidentView } from '@cityops/contract/incidents';
import type { ParkingZoneView } from '@cityops/contract/parking';
import type { Alert, DeviceHealth, DeviceState } from '../live/types.ts';
import type { MessageKey } from '../messages.ts';
import { AlertOverlay, SEVERITY_COLORS, type AlertMarker } from './alert-overlay.ts';
import { diffFeatures, type FeatureIndex, type PointFeature } from './feature-diff.ts';
import { IncidentLayer } from './incident-layer.ts';
import { createFrameTask } from './frame-task.ts';
import { installImageFactory, STATE_RANK } from './map-images.ts';
import { ParkingLayer } from './parking-layer.ts';
import { CameraFovLayer } from './camera-fov-layer.ts';
import { PARKING_COLORS } from '../parking/parking-zones.ts';
import { districtLabelField, districtLayers, MAP_PALETTES, NAMED_LAYERS, offlineStyle, type MapPalette } from './map-style.ts';
import { useTheme } from '../theme.tsx';
import { loadWebConfig, type WebConfig } from './web-config.ts';
import { SeverityShape } from '../severity-shape.tsx';

export { SEVERITY_COLORS };

/** Device states change seconds apart; a burst of them (a health reload, a flood) is one WebGL redraw
 *  per second at most, which on a software-rendered wall costs hundreds of milliseconds. */
const DEVICE_UPDATE_MIN_INTERVAL_MS = 1000;

// The map cannot be created before its settings arrive: ask for them as soon as this code is loaded,
// beside the page's other first requests, not once React has mounted the map.
loadWebConfig().catch(() => {});

let pmtilesInstalled = false;
function installPmtiles() {
  if (pmtilesInstalled) return;
  maplibregl.addProtocol('pmtiles', new Protocol().tile);
  pmtilesInstalled = true;
}

export interface MapFocus {
  lat: number;
  lon: number;
  zoom?: number;
  /** Changes when the same place must be flown to again. */
  key?: string | number;
}

export interface CityMapProps {
  cameras: Camera[];
  sensors: Sensor[];
  cameraHealth: Map<string, DeviceHealth>;
  sensorHealth: Map<string, DeviceHealth>;
  alerts: Alert[];
  selectedAlertId?: number;
  focus?: MapFocus;
  onSelectAlert?(id: number): void;
  onSelectDevice?(type: 'camera' | 'sensor', id: string): void;
  /** Incidents drawn as pins (the active ones, usually); none when absent. */
  incidents?: readonly IncidentView[];
  onSelectIncident?(id: number): void;
  /** Parking zones drawn as badges at their cameras (none when absent). */
  parking?: readonly ParkingZoneView[];
  onSelectParking?(cameraId: string, zoneId: string): void;
  /** Engineer placement: a click anywhere reports the point and shows a pin there. */
  pick?: { lat: number | null; lon: number | null; onPick(lat: number, lon: number): void };
  /** Wall: no controls, slower interactions. */
  kiosk?: boolean;
  showDevices?: boolean;
  className?: string;
}

export function deviceState(enabled: boolean, health: DeviceHealth | undefined): DeviceState {
  if (!enabled) return 'disabled';
  return health?.state ?? 'unknown';
}

/** Feature ids are `camera:<id>` and `sensor:<id>` (a camera and a sensor may share an id), so the
 *  source can be updated by difference. */
function deviceFeatures(props: Pick<CityMapProps, 'cameras' | 'sensors' | 'cameraHealth' | 'sensorHealth'>): PointFeature[] {
  const features: PointFeature[] = [];
  for (const camera of props.cameras) {
    if (camera.lat == null || camera.lon == null) continue; // a device with no location is listed, not drawn
    const state = deviceState(camera.enabled, props.cameraHealth.get(camera.id));
    features.push({ type: 'Feature', id: `camera:${camera.id}`, geometry: { type: 'Point', coordinates: [camera.lon, camera.lat] }, properties: { id: camera.id, type: 'camera', name: camera.name, name_en: camera.nameEn ?? '', state, rank: STATE_RANK[state] } });
  }
  for (const sensor of props.sensors) {
    if (sensor.lat == null || sensor.lon == null) continue;
    const state = deviceState(sensor.enabled, props.sensorHealth.get(sensor.id));
    features.push({ type: 'Feature', id: `sensor:${sensor.id}`, geometry: { type: 'Point', coordinates: [sensor.lon, sensor.lat] }, properties: { id: sensor.id, type: 'sensor', name: sensor.name, name_en: sensor.nameEn ?? '', kind: sensor.kind, state, rank: STATE_RANK[state] } });
  }
  return features;
}

/** Re-colours the offline basemap and the districts in place when the theme changes: a new style would
 *  drop the device, incident and parking layers added over it. A configured MAP_STYLE_URL is left as is. */
function repaint(map: MapLibreMap, config: WebConfig, palette: MapPalette) {
  const layers = [...(config.mapStyleUrl ? [] : offlineStyle(config, palette).layers), ...districtLayers(palette)];
  for (const layer of layers) {
    if (!map.getLayer(layer.id) || !('paint' in layer) || !layer.paint) continue;
    for (const [name, value] of Object.entries(layer.paint)) map.setPaintProperty(layer.id, name, value);
  }
}

/** How the map frames its devices the first time it has them. */
const FIT_DEVICES = { padding: 60, maxZoom: 13 };

/** The devices to frame, or none in placement mode or with a focus (the pin or the place decides). */
function framedDevices(props: CityMapProps): PointFeature[] {
  if (props.pick || props.focus || !(props.showDevices ?? true)) return [];
  return deviceFeatures(props);
}

function boundsOf(features: readonly PointFeature[]): maplibregl.LngLatBounds {
  const bounds = new maplibregl.LngLatBounds();
  for (const feature of features) bounds.extend(feature.geometry.coordinates as [number, number]);
  return bounds;
}

const RANK_TO_STATE: unknown[] = ['match', ['get', 'worst']];
for (const [state, rank] of Object.entries(STATE_RANK)) RANK_TO_STATE.push(rank, state);
RANK_TO_STATE.push('unknown');

/** Adds the device layers on top of whatever basemap style is loaded (alerts are the overlay's). */
function addOverlay(map: MapLibreMap, palette: MapPalette) {
  if (!map.getSource('districts')) {
    map.addSource('districts', { type: 'geojson', data: new URL('/api/web/districts.geojson', window.location.href).href });
    map.addSource('waterways', { type: 'geojson', data: new URL('/api/web/waterways.geojson', window.location.href).href });
    for (const layer of districtLayers(palette)) map.addLayer(layer);
  }
  map.addSource('devices', {
    type: 'geojson',
    data: { type: 'FeatureCollection', features: [] },
    cluster: true,
    clusterRadius: 46,
    clusterMaxZoom: 15,
    clusterProperties: { worst: ['max', ['get', 'rank']] },
  });
  map.addLayer({
    id: 'device-clusters',
    type: 'symbol',
    source: 'devices',
    filter: ['has', 'point_count'],
    layout: {
      'icon-image': ['concat', 'cluster-', ['get', 'point_count_abbreviated'], '-', RANK_TO_STATE] as never,
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
    },
  });
  map.addLayer({
    id: 'device-points',
    type: 'symbol',
    source: 'devices',
    filter: ['!', ['has', 'point_count']],
    layout: {
      'icon-image': ['concat', 'device-', ['get', 'type'], '-', ['get', 'state']],
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
      'symbol-sort-key': ['get', 'rank'],
    },
  });
}

export function CityMap(props: CityMapProps) {
  const i18n = useI18n();
  const { t, language } = i18n;
  // The map's tooltips are bound once; they read the language chosen now through this ref.
  const i18nRef = useRef(i18n);
  i18nRef.current = i18n;
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MapLibreMap | undefined>(undefined);
  const [ready, setReady] = useState(false);
  const [failure, setFailure] = useState<string>();
  const propsRef = useRef(props);
  propsRef.current = props;
  const pickMarker = useRef<maplibregl.Marker | undefined>(undefined);
  const fitted = useRef(false);
  const alertOverlay = useRef<AlertOverlay | undefined>(undefined);
  const incidentLayer = useRef<IncidentLayer | undefined>(undefined);
  const parkingLayer = useRef<ParkingLayer | undefined>(undefined);
  const fovLayer = useRef<CameraFovLayer | undefined>(undefined);
  const configRef = useRef<WebConfig | undefined>(undefined);
  // The wall's map is dark whatever the theme, like the wall.
  const { theme: pageTheme } = useTheme();
  const theme = props.kiosk ? 'dark' : pageTheme;
  const themeRef = useRef(theme);
  themeRef.current = theme;

  // Create the map once.
  useEffect(() => {
    let disposed = false;
    let map: MapLibreMap | undefined;
    const start = performance.now();
    void loadWebConfig()
      .then((config: WebConfig) => {
        if (disposed || !container.current) return;
        configRef.current = config;
        installPmtiles();
        // Devices already here (the registry often arrives before the map's settings): the map starts
        // framed on them, instead of loading tiles at the default view and jumping to them after.
        const framed = framedDevices(propsRef.current);
        if (framed.length) fitted.current = true;
        try {
          map = new maplibregl.Map({
            container: container.current,
            style: config.mapStyleUrl ?? offlineStyle(config, MAP_PALETTES[themeRef.current]),
            center: config.center,
            zoom: 11.2,
            ...(framed.length ? { bounds: boundsOf(framed), fitBoundsOptions: FIT_DEVICES } : {}),
            minZoom: 8,
            maxZoom: 19,
            attributionControl: false,
            // Nothing may leave the machine with the offline default: no telemetry, no remote RTL plugin.
            collectResourceTiming: false,
            fadeDuration: 0,
            dragRotate: false,
            pitchWithRotate: false,
          });
        } catch (error) {
          setFailure((error as Error).message);
          return;
        }
        mapRef.current = map;
        // The browser tests and the benchmark read rendered features from here.
        (window as unknown as { cityopsMap?: MapLibreMap }).cityopsMap = map;
        if (!propsRef.current.kiosk) map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'bottom-right');
        map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
        installImageFactory(map);
        map.on('error', (event) => console.warn('map:', event.error?.message));
        // At style.load, not load: load waits for the first complete render of the style's own sources
        // (districts, basemap), and the devices would only start loading after it.
        map.once('style.load', () => {
          if (!map) return;
          addOverlay(map, MAP_PALETTES[themeRef.current]);
          fovLayer.current = new CameraFovLayer(map);
          fovLayer.current.start('device-clusters');
          container.current?.setAttribute('data-map-theme', themeRef.current);
          const incidents = new IncidentLayer(map);
          incidents.start();
          incidentLayer.current = incidents;
          parkingLayer.current = new ParkingLayer(map, (cameraId, zoneId) => propsRef.current.onSelectParking?.(cameraId, zoneId));
          const overlay = new AlertOverlay(map);
          overlay.start();
          alertOverlay.current = overlay;
          // The benchmark reads when each alert's marker was first drawn.
          (window as unknown as { cityopsAlertMarkers?: AlertOverlay }).cityopsAlertMarkers = overlay;
          bindInteractions(map, overlay, incidents, propsRef, i18nRef);
          setReady(true);
          // Ready at the first idle, or after 5 s at the latest (a map still loading tiles is drawn anyway).
          let started = false;
          const firstRender = () => {
            if (started || disposed) return;
            started = true;
            performance.mark('cityops:map-rendered');
            (window as unknown as { cityopsMapRenderedMs?: number }).cityopsMapRenderedMs = performance.now() - start;
            container.current?.setAttribute('data-map-ready', 'true');
          };
          map.once('idle', firstRender);
          setTimeout(firstRender, 5000);
        });
      })
      .catch((error) => setFailure((error as Error).message));
    return () => {
      disposed = true;
      alertOverlay.current?.stop();
      alertOverlay.current = undefined;
      incidentLayer.current?.stop();
      incidentLayer.current = undefined;
      parkingLayer.current?.stop();
      parkingLayer.current = undefined;
      fovLayer.current = undefined;
      map?.remove();
      mapRef.current = undefined;
    };
    
  }, []);

  // Devices: diffed against what the map holds and sent as one update, at most once a second. The
  // effect only asks; the task reads the newest props when it runs, so a burst is one update.
  const { cameras, sensors, cameraHealth, sensorHealth, showDevices = true } = props;
  const devicesShown = useRef<FeatureIndex>(new Map());
  const devicesUpdate = useRef(
    createFrameTask(
      () => {
        const map = mapRef.current;
        const source = map?.getSource('devices') as GeoJSONSource | undefined;
        if (!map || !source) return false;
        const current = propsRef.current;
        // Cones change with a camera's field of view, which the device icons do not show.
        fovLayer.current?.setCameras(current.cameras, current.showDevices ?? true);
        const features = (current.showDevices ?? true) ? deviceFeatures(current) : [];
        const { diff, index } = diffFeatures(devicesShown.current, features);
        // The first load is one setData; later changes go by difference (feature ids are stable).
        if (diff && devicesShown.current.size === 0) source.setData({ type: 'FeatureCollection', features });
        else if (diff) source.updateData(diff);
        devicesShown.current = index;
        // Nothing changed, nothing redrawn: the next change need not wait out the interval.
        if (!diff) return false;
        // First time devices arrive: frame them all (not in placement mode, where the pin decides).
        const framed = fitted.current ? [] : framedDevices(current);
        if (framed.length) {
          fitted.current = true;
          map.fitBounds(boundsOf(framed), { ...FIT_DEVICES, duration: 0 });
        }
      },
      { minIntervalMs: DEVICE_UPDATE_MIN_INTERVAL_MS },
    ),
  );
  useEffect(() => {
    if (!ready) return;
    devicesUpdate.current.schedule();
    container.current?.setAttribute('data-device-count', String(cameras.length + sensors.length));
  }, [ready, cameras, sensors, cameraHealth, sensorHealth, showDevices]);
  useEffect(() => () => devicesUpdate.current.cancel(), []);

  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map || !configRef.current || container.current?.getAttribute('data-map-theme') === theme) return;
    repaint(map, configRef.current, MAP_PALETTES[theme]);
    container.current?.setAttribute('data-map-theme', theme);
  }, [ready, theme]);

  // Alerts on the overlay: drawn at the next animation frame, however many changed since the last.
  const { alerts } = props;
  useEffect(() => {
    if (ready) alertOverlay.current?.setAlerts(alerts, language);
  }, [ready, alerts, language]);

  // District and river labels follow the language without rebuilding the style.
  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map) return;
    for (const layer of NAMED_LAYERS) if (map.getLayer(layer)) map.setLayoutProperty(layer, 'text-field', districtLabelField(language));
  }, [ready, language]);

  // Incidents: the store hands a new list on every live change; the layer redraws only what changed.
  const { incidents } = props;
  useEffect(() => {
    if (!ready) return;
    incidentLayer.current?.setIncidents(incidents ?? []);
    container.current?.setAttribute('data-incident-count', String(incidents?.filter((incident) => incident.lat !== null).length ?? 0));
  }, [ready, incidents]);

  // Parking badges: rebuilt only where the figures (or the language) changed.
  const { parking } = props;
  useEffect(() => {
    if (!ready) return;
    parkingLayer.current?.setZones(parking ?? [], t);
    container.current?.setAttribute('data-parking-count', String(parking?.length ?? 0));
  }, [ready, parking, language]);

  useEffect(() => {
    if (ready) alertOverlay.current?.setSelected(props.selectedAlertId);
  }, [ready, props.selectedAlertId]);

  const focus = props.focus;
  useEffect(() => {
    if (!ready || !focus) return;
    mapRef.current?.flyTo({ center: [focus.lon, focus.lat], zoom: Math.max(focus.zoom ?? 15, mapRef.current.getZoom()), speed: 1.6 });
  }, [ready, focus?.lat, focus?.lon, focus?.key]); 

  // Engineer placement pin.
  const pick = props.pick;
  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map) return;
    if (!pick || pick.lat == null || pick.lon == null) {
      pickMarker.current?.remove();
      pickMarker.current = undefined;
      return;
    }
    if (!pickMarker.current) {
      const element = document.createElement('div');
      element.className = 'pick-marker';
      pickMarker.current = new maplibregl.Marker({ element, draggable: true, anchor: 'bottom' }).setLngLat([pick.lon, pick.lat]).addTo(map);
      pickMarker.current.on('dragend', () => {
        const point = pickMarker.current!.getLngLat();
        propsRef.current.pick?.onPick(round6(point.lat), round6(point.lng));
      });
    } else {
      pickMarker.current.setLngLat([pick.lon, pick.lat]);
    }
  }, [ready, pick?.lat, pick?.lon, Boolean(pick)]); 

  return (
    <div className={`city-map ${props.pick ? 'picking' : ''} ${props.className ?? ''}`}>
      <div ref={container} className="city-map-canvas" data-testid="city-map" />
      {!ready && !failure && <div className="map-loading">{t('map.loading')}</div>}
      {failure && (
        <div className="map-failure" role="alert">
          <strong>{t('map.failed')}</strong>
          <span>{failure}</span>
        </div>
      )}
      {!props.kiosk && <MapLegend incidents={Boolean(props.incidents)} parking={Boolean(props.parking?.length)} />}
    </div>
  );
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

function bindInteractions(map: MapLibreMap, overlay: AlertOverlay, incidents: IncidentLayer, propsRef: { current: CityMapProps }, i18nRef: { current: I18n }) {
  const t: Translate = (key, params) => i18nRef.current.t(key, params);
  const hover = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: 'map-tooltip', offset: 14, maxWidth: '320px' });
  const interactive = ['device-points', 'device-clusters'];

  const describeAlert = (alert: AlertMarker): string => `<strong>${escapeHtml(alert.title)}</strong><span class="tip-sub">${t(`severity.${alert.severity}` as MessageKey)}</span>`;
  const linkedAlerts = (incident: IncidentView) => {
    const linked = new Set(incident.alertIds);
    return propsRef.current.alerts.filter((alert) => linked.has(alert.id));
  };
  // The incident, its state, and its linked alerts that are still open (by title).
  const describeIncident = (incident: IncidentView, alerts: Alert[]): string => {
    const lines = alerts.slice(0, 5).map((alert) => `<span class="tip-alert ${alert.severity}">${escapeHtml(alert.title[i18nRef.current.language] || alert.title.vi)}</span>`);
    return (
      `<strong>#${incident.id} · ${escapeHtml(t(`incidentKind.${incident.kind}` as MessageKey))}</strong>` +
      `<span class="tip-sub">${t(`severity.${incident.severity}` as MessageKey)} · ${t(`incidentState.${incident.state}` as MessageKey)}</span>` +
      `<span class="tip-sub">${t('map.incidentAlerts', { count: incident.alertIds.length, calls: incident.callCount })}</span>` +
      lines.join('')
    );
  };
  // Feature properties carry both names (`name`, `name_en`): the reader's language picks.
  const placeName = (properties: Record<string, unknown>) => nameIn({ name: String(properties.name ?? ''), nameEn: properties.name_en ? String(properties.name_en) : null }, i18nRef.current.language);
  const describe = (feature: MapGeoJSONFeature): string => {
    const properties = feature.properties as Record<string, string | number>;
    if (feature.layer.id === 'device-clusters') return `<strong>${properties.point_count}</strong> <span class="tip-sub">${t('map.devicesHere')}</span>`;
    return `<strong>${escapeHtml(placeName(properties))}</strong><span class="tip-sub">${t(`device.${properties.type}` as MessageKey)} · ${t(`state.${properties.state}` as MessageKey)}</span>`;
  };

  map.on('mousemove', (event) => {
    // Alerts are drawn above the devices, so they are hit first.
    const alert = overlay.alertAt(event.point);
    if (alert) {
      map.getCanvas().style.cursor = 'pointer';
      hover.setLngLat(event.lngLat).setHTML(describeAlert(alert)).addTo(map);
      return;
    }
    const incident = incidents.incidentAt(event.point);
    if (incident) {
      const alerts = linkedAlerts(incident);
      incidents.highlight(incident, alerts);
      map.getCanvas().style.cursor = 'pointer';
      hover.setLngLat(event.lngLat).setHTML(describeIncident(incident, alerts)).addTo(map);
      return;
    }
    incidents.highlight(undefined, []);
    const features = map.queryRenderedFeatures(event.point, { layers: interactive });
    map.getCanvas().style.cursor = features.length ? 'pointer' : propsRef.current.pick ? 'crosshair' : '';
    if (!features.length) {
      hover.remove();
      const district = map.queryRenderedFeatures(event.point, { layers: ['districts-fill'] })[0];
      if (district && !propsRef.current.kiosk) {
        hover.setLngLat(event.lngLat).setHTML(`<span class="tip-sub">${escapeHtml(placeName(district.properties ?? {}))}</span>`).addTo(map);
      }
      return;
    }
    hover.setLngLat(event.lngLat).setHTML(describe(features[0])).addTo(map);
  });
  map.on('mouseout', () => {
    hover.remove();
    incidents.highlight(undefined, []);
  });

  map.on('click', async (event) => {
    const props = propsRef.current;
    if (props.pick) {
      props.pick.onPick(round6(event.lngLat.lat), round6(event.lngLat.lng));
      return;
    }
    const alert = overlay.alertAt(event.point);
    if (alert) {
      props.onSelectAlert?.(alert.id);
      return;
    }
    const incident = incidents.incidentAt(event.point);
    if (incident) {
      props.onSelectIncident?.(incident.id);
      return;
    }
    const feature = map.queryRenderedFeatures(event.point, { layers: interactive })[0];
    if (!feature) return;
    const properties = feature.properties as Record<string, string | number>;
    if (feature.layer.id === 'device-points') props.onSelectDevice?.(properties.type as 'camera' | 'sensor', String(properties.id));
    else if (feature.layer.id === 'device-clusters') {
      const source = map.getSource('devices') as GeoJSONSource;
      const zoom = await source.getClusterExpansionZoom(Number(properties.cluster_id));
      map.easeTo({ center: (feature.geometry as Point).coordinates as [number, number], zoom: zoom + 0.2 });
    }
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function MapLegend({ incidents, parking }: { incidents: boolean; parking: boolean }) {
  const { t } = useI18n();
  const entries: [string, MessageKey][] = [
    ['#22c55e', 'state.ok'],
    ['#f97316', 'legend.alarm'],
    ['#7b8799', 'state.offline'],
    ['#5b8bd6', 'state.unknown'],
  ];
  return (
    <div className="map-legend">
      <div className="legend-group">
        {entries.map(([color, label]) => (
          <span key={label} className="legend-item">
            <span className="legend-dot" style={{ borderColor: color }} />
            {t(label)}
          </span>
        ))}
      </div>
      <div className="legend-group">
        {(['critical', 'major', 'minor'] as const).map((severity) => (
          <span key={severity} className="legend-item">
            <SeverityShape severity={severity} size={12} color={SEVERITY_COLORS[severity]} />
            {t(`severity.${severity}`)}
          </span>
        ))}
        {incidents && (
          <span className="legend-item">
            <span className="legend-incident" />
            {t('legend.incident')}
          </span>
        )}
      </div>
      {parking && (
        <div className="legend-group" data-testid="parking-legend">
          <span className="legend-item">
            <span className="parking-badge free legend-parking">
              <span className="parking-letter">P</span>
              <span className="parking-figures">{t('parking.legendFigures')}</span>
            </span>
          </span>
          {(['free', 'filling', 'full'] as const).map((level) => (
            <span key={level} className="legend-item">
              <span className="legend-dot" style={{ borderColor: PARKING_COLORS[level], background: PARKING_COLORS[level] }} />
              {t(`parking.level.${level}`)}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
