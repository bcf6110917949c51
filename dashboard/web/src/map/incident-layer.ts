// Active incidents on the city map, apart from alerts: a pin per incident (its point is the pin's tip)
// with a symbol for its kind, coloured by severity, in a MapLibre symbol layer under the alert overlay.
// Alerts are dots on a canvas above the map; a pin stands above its point, so the alert an incident was
// opened from stays visible at the tip. Hovering an incident draws lines to its linked alerts and rings
// around them. Incidents are few (tens), so their source is diffed like the devices' and redrawn rarely.
import type { Feature } from 'geojson';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { IncidentKind, IncidentView } from '@cityops/contract/incidents';
import type { Alert, Severity } from '../live/types.ts';
import { SEVERITY_COLORS } from './alert-overlay.ts';
import { diffFeatures, type FeatureIndex, type PointFeature } from './feature-diff.ts';

export const INCIDENT_POINTS_LAYER = 'incident-points';
const SOURCE = 'incidents';
const LINKS_SOURCE = 'incident-links';
const PIXEL_RATIO = 2;
const PIN_WIDTH = 30;
const PIN_HEIGHT = 38;
/** Most severe on top. */
const SORT_KEY: Record<Severity, number> = { info: 0, minor: 1, major: 2, critical: 3 };

function incidentFeatures(incidents: readonly IncidentView[]): PointFeature[] {
  const features: PointFeature[] = [];
  for (const incident of incidents) {
    if (incident.lat === null || incident.lon === null) continue; // placed by district and address only: listed, not drawn
    features.push({
      type: 'Feature',
      id: incident.id,
      geometry: { type: 'Point', coordinates: [incident.lon, incident.lat] },
      properties: { id: incident.id, kind: incident.kind, severity: incident.severity, state: incident.state, rank: SORT_KEY[incident.severity] },
    });
  }
  return features;
}

export class IncidentLayer {
  private shown: FeatureIndex = new Map();
  private incidents = new Map<number, IncidentView>();
  /** What the link lines show now: the incident and its alerts, so a hover that changes nothing draws nothing. */
  private highlighted = '';

  constructor(private readonly map: MapLibreMap) {}

  /** Adds the source, the layers and the pin images (on top of the device layers). */
  start(): void {
    this.map.on('styleimagemissing', this.drawMissingImage);
    this.map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    this.map.addSource(LINKS_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    this.map.addLayer({
      id: 'incident-link-lines',
      type: 'line',
      source: LINKS_SOURCE,
      filter: ['==', ['geometry-type'], 'LineString'],
      paint: { 'line-color': '#38e1ff', 'line-width': 2, 'line-dasharray': [2, 1.5], 'line-opacity': 0.9 },
    });
    this.map.addLayer({
      id: 'incident-link-ends',
      type: 'circle',
      source: LINKS_SOURCE,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 15, 'circle-color': 'rgba(56, 225, 255, 0.15)', 'circle-stroke-color': '#38e1ff', 'circle-stroke-width': 2 },
    });
    this.map.addLayer({
      id: INCIDENT_POINTS_LAYER,
      type: 'symbol',
      source: SOURCE,
      layout: {
        'icon-image': ['concat', 'incident-', ['get', 'kind'], '-', ['get', 'severity']],
        'icon-anchor': 'bottom',
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
        'symbol-sort-key': ['get', 'rank'],
      },
    });
  }

  stop(): void {
    this.map.off('styleimagemissing', this.drawMissingImage);
  }

  /** Hands over the incidents to draw; the map's source changes only when what is drawn changed. */
  setIncidents(incidents: readonly IncidentView[]): void {
    this.incidents = new Map(incidents.map((incident) => [incident.id, incident]));
    const source = this.map.getSource(SOURCE) as GeoJSONSource | undefined;
    if (!source) return;
    const features = incidentFeatures(incidents);
    const { diff, index } = diffFeatures(this.shown, features);
    if (diff && this.shown.size === 0) source.setData({ type: 'FeatureCollection', features });
    else if (diff) source.updateData(diff);
    this.shown = index;
    const highlightedId = Number(this.highlighted.split(':')[0]);
    if (this.highlighted && !this.incidents.has(highlightedId)) this.highlight(undefined, []);
  }

  /** The incident whose pin is under a point of the map (CSS pixels). */
  incidentAt(point: { x: number; y: number }): IncidentView | undefined {
    const feature = this.map.queryRenderedFeatures([point.x, point.y], { layers: [INCIDENT_POINTS_LAYER] })[0];
    return feature ? this.incidents.get(Number(feature.properties?.id)) : undefined;
  }

  /** Lines from the incident to each of its linked alerts that has a place, and a ring around each. */
  highlight(incident: IncidentView | undefined, linkedAlerts: readonly Alert[]): void {
    const key = incident ? `${incident.id}:${linkedAlerts.map((alert) => alert.id).join(',')}` : '';
    if (this.highlighted === key) return;
    this.highlighted = key;
    const source = this.map.getSource(LINKS_SOURCE) as GeoJSONSource | undefined;
    if (!source) return;
    const features: Feature[] = [];
    if (incident && incident.lat !== null && incident.lon !== null) {
      for (const alert of linkedAlerts) {
        if (alert.lat == null || alert.lon == null) continue;
        features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[incident.lon, incident.lat], [alert.lon, alert.lat]] } });
        features.push({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [alert.lon, alert.lat] } });
      }
    }
    source.setData({ type: 'FeatureCollection', features });
  }

  private readonly drawMissingImage = (event: { id: string }) => {
    const match = /^incident-(\w+)-(critical|major|minor|info)$/.exec(event.id);
    if (!match || this.map.hasImage(event.id)) return;
    this.map.addImage(event.id, drawPin(match[1] as IncidentKind, match[2] as Severity), { pixelRatio: PIXEL_RATIO });
  };
}

/** A pin (a rounded square on a point) in the severity's colour with the kind's symbol in dark ink. */
function drawPin(kind: IncidentKind, severity: Severity): ImageData {
  const element = document.createElement('canvas');
  element.width = PIN_WIDTH * PIXEL_RATIO;
  element.height = PIN_HEIGHT * PIXEL_RATIO;
  const context = element.getContext('2d')!;
  context.scale(PIXEL_RATIO, PIXEL_RATIO);
  const color = SEVERITY_COLORS[severity];
  const ink = '#0a1222';
  const body = { x: 2, y: 2, size: 26, radius: 7 };
  context.beginPath();
  context.roundRect(body.x, body.y, body.size, body.size, body.radius);
  // The tip: a short stem down to the incident's point.
  context.moveTo(PIN_WIDTH / 2 - 5, body.y + body.size - 0.5);
  context.lineTo(PIN_WIDTH / 2, PIN_HEIGHT - 1);
  context.lineTo(PIN_WIDTH / 2 + 5, body.y + body.size - 0.5);
  context.closePath();
  context.fillStyle = color;
  context.fill();
  context.lineWidth = 2;
  context.strokeStyle = ink;
  context.stroke();
  drawKindSymbol(context, kind, PIN_WIDTH / 2, body.y + body.size / 2, ink);
  return context.getImageData(0, 0, element.width, element.height);
}

/** Shapes, not font glyphs: the wall's fonts may lack the symbols, and the map must read the same everywhere. */
function drawKindSymbol(context: CanvasRenderingContext2D, kind: IncidentKind, x: number, y: number, ink: string): void {
  context.fillStyle = ink;
  context.strokeStyle = ink;
  context.lineWidth = 2.2;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  context.beginPath();
  switch (kind) {
    case 'flooding':
      for (const dy of [-4, 1, 6]) {
        context.moveTo(x - 8, y + dy);
        context.bezierCurveTo(x - 5, y + dy - 3, x - 3, y + dy + 3, x, y + dy);
        context.bezierCurveTo(x + 3, y + dy - 3, x + 5, y + dy + 3, x + 8, y + dy);
      }
      context.stroke();
      break;
    case 'traffic_accident':
      context.moveTo(x - 6, y - 6);
      context.lineTo(x + 6, y + 6);
      context.moveTo(x + 6, y - 6);
      context.lineTo(x - 6, y + 6);
      context.lineWidth = 3;
      context.stroke();
      break;
    case 'stalled_vehicle':
      context.roundRect(x - 8, y - 3, 16, 7, 2);
      context.roundRect(x - 5, y - 7, 10, 5, 2);
      context.fill();
      context.beginPath();
      context.arc(x - 4.5, y + 5.5, 2, 0, Math.PI * 2);
      context.arc(x + 4.5, y + 5.5, 2, 0, Math.PI * 2);
      context.fill();
      break;
    case 'crowd':
      for (const [dx, dy] of [[-5.5, 1], [0, -2], [5.5, 1]]) {
        context.moveTo(x + dx + 2.5, y + dy - 3);
        context.arc(x + dx, y + dy - 3, 2.5, 0, Math.PI * 2);
        context.moveTo(x + dx + 3.5, y + dy + 6);
        context.arc(x + dx, y + dy + 6, 3.5, 0, Math.PI, true);
      }
      context.fill();
      break;
    case 'fire':
      context.moveTo(x, y - 9);
      context.bezierCurveTo(x + 9, y - 1, x + 7, y + 8, x, y + 8);
      context.bezierCurveTo(x - 7, y + 8, x - 8, y + 1, x - 3, y - 3);
      context.bezierCurveTo(x - 2, y, x - 1, y + 1, x, y + 1);
      context.bezierCurveTo(x - 1, y - 3, x - 1, y - 6, x, y - 9);
      context.fill();
      break;
    case 'infrastructure_fault':
      context.moveTo(x + 2, y - 9);
      context.lineTo(x - 6, y + 1);
      context.lineTo(x - 0.5, y + 1);
      context.lineTo(x - 2, y + 9);
      context.lineTo(x + 6, y - 1);
      context.lineTo(x + 0.5, y - 1);
      context.closePath();
      context.fill();
      break;
    case 'public_order':
      context.roundRect(x - 1.8, y - 9, 3.6, 12, 1.5);
      context.fill();
      context.beginPath();
      context.arc(x, y + 7, 2.2, 0, Math.PI * 2);
      context.fill();
      break;
    default:
      context.font = '800 17px "Segoe UI", Roboto, "Liberation Sans", "DejaVu Sans", sans-serif';
      context.textAlign = 'center';
      context.textBaseline = 'middle';
      context.fillText('?', x, y + 1);
  }
}
