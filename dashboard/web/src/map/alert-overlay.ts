// Open alerts drawn on two 2D canvases laid over the WebGL map, not as a MapLibre layer. On a
// software-rendered wall (SwiftShader) every WebGL redraw of the city costs hundreds of milliseconds and
// blocks the page while the frame is read back; with alerts on their own canvas, an alert storm redraws
// a few hundred circles on the CPU and the city map is not redrawn at all. The overlay follows the map
// by redrawing in the map's own `render` event, so both move in the same frame.
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { Alert, Severity } from '../live/types.ts';
import { createFrameTask } from './frame-task.ts';
import { traceSeverityShape } from '../severity-shape.tsx';

export const SEVERITY_COLORS = { critical: '#ff3b4e', major: '#ff8a1f', minor: '#f5c518', info: '#38bdf8' } as const;
const RADIUS: Record<Severity, number> = { critical: 9, major: 8, minor: 6.5, info: 5.5 };
/** Least severe first, so critical markers are drawn on top. */
const DRAW_ORDER: Severity[] = ['info', 'minor', 'major', 'critical'];
const OUTLINE = '#0a1222';
const SELECTED_RADIUS = 17;
/** Bounded so a storm of critical alerts cannot turn the pulse into a full-screen redraw. */
const MAX_PULSING = 40;
const PULSE_PERIOD_MS = 1400;
const PULSE_RADIUS = 22;
/** The pulse is redrawn 10 times a second, not 60: each step is a compositor frame on a CPU-only
 *  wall, and 10 steps of an expanding ring still read as a pulse from across the room. */
const PULSE_STEP_MS = 100;

export interface AlertMarker {
  id: number;
  lon: number;
  lat: number;
  severity: Severity;
  title: string;
}

interface Placed {
  marker: AlertMarker;
  x: number;
  y: number;
}

export class AlertOverlay {
  /** When each alert's marker was first drawn (epoch ms): the benchmark's commit → map figure. */
  readonly drawnAt = new Map<number, number>();
  private markers: AlertMarker[] = [];
  private placed: Placed[] = [];
  private selectedId: number | undefined;
  private readonly markersCanvas = overlayCanvas();
  private readonly pulseCanvas = overlayCanvas();
  private pulseTimer: ReturnType<typeof setInterval> | undefined;
  private drawnView = '';
  private pulseDrawn = false;
  /** The overlay's size in CSS pixels, kept here: reading clientWidth in a draw would force a layout. */
  private size = { width: 0, height: 0, ratio: 1 };
  private readonly drawSoon = createFrameTask(() => this.draw());

  constructor(private readonly map: MapLibreMap) {}

  start(): void {
    const container = this.map.getCanvasContainer();
    // After the WebGL canvas: pulses under the markers, both under popups and DOM markers.
    container.append(this.pulseCanvas, this.markersCanvas);
    this.map.on('render', this.followMap);
    this.map.on('resize', this.resize);
    this.resize();
    this.pulseTimer = setInterval(this.drawPulse, PULSE_STEP_MS);
  }

  stop(): void {
    this.map.off('render', this.followMap);
    this.map.off('resize', this.resize);
    clearInterval(this.pulseTimer);
    this.drawSoon.cancel();
    this.pulseCanvas.remove();
    this.markersCanvas.remove();
  }

  setAlerts(alerts: readonly Alert[], language: 'vi' | 'en'): void {
    const markers = alertMarkers(alerts, language);
    // The list is handed over on every live change (a sensor value, an acknowledgement): redraw only
    // when what the markers show changed.
    if (sameMarkers(this.markers, markers)) return;
    this.markers = markers;
    const open = new Set(markers.map((marker) => marker.id));
    for (const id of this.drawnAt.keys()) if (!open.has(id)) this.drawnAt.delete(id);
    this.drawSoon.schedule();
  }

  setSelected(id: number | undefined): void {
    if (this.selectedId === id) return;
    this.selectedId = id;
    this.drawSoon.schedule();
  }

  /** The topmost marker under a point of the map (CSS pixels), for hover and click. */
  alertAt(point: { x: number; y: number }): AlertMarker | undefined {
    for (let i = this.placed.length - 1; i >= 0; i--) {
      const { marker, x, y } = this.placed[i];
      const reach = RADIUS[marker.severity] + 3;
      if ((x - point.x) ** 2 + (y - point.y) ** 2 <= reach * reach) return marker;
    }
    return undefined;
  }

  private readonly followMap = () => {
    // Redrawn only when the view changed: the map also renders for tiles and device updates.
    if (this.view() !== this.drawnView) this.draw();
  };

  private readonly resize = () => {
    const canvas = this.map.getCanvas();
    this.size = { width: canvas.clientWidth, height: canvas.clientHeight, ratio: window.devicePixelRatio || 1 };
    for (const element of [this.markersCanvas, this.pulseCanvas]) {
      element.width = Math.round(this.size.width * this.size.ratio);
      element.height = Math.round(this.size.height * this.size.ratio);
      element.style.width = `${this.size.width}px`;
      element.style.height = `${this.size.height}px`;
    }
    this.pulseDrawn = true; // resizing cleared it
    this.draw();
  };

  private view(): string {
    const center = this.map.getCenter();
    return `${center.lng},${center.lat},${this.map.getZoom()},${this.map.getBearing()},${this.map.getPitch()},${this.size.width},${this.size.height}`;
  }

  private draw() {
    this.drawSoon.cancel();
    this.drawnView = this.view();
    const context = this.context(this.markersCanvas);
    const { width, height } = this.size;
    context.clearRect(0, 0, width, height);
    const now = performance.timeOrigin + performance.now();
    const placed: Placed[] = [];
    for (const severity of DRAW_ORDER) {
      const radius = RADIUS[severity];
      // One path per severity: a few hundred shapes filled and stroked in two calls.
      context.beginPath();
      for (const marker of this.markers) {
        if (marker.severity !== severity) continue;
        const { x, y } = this.map.project([marker.lon, marker.lat]);
        if (x < -radius || y < -radius || x > width + radius || y > height + radius) continue;
        traceSeverityShape(context, severity, x, y, radius);
        placed.push({ marker, x, y });
        if (!this.drawnAt.has(marker.id)) this.drawnAt.set(marker.id, now);
      }
      context.fillStyle = SEVERITY_COLORS[severity];
      context.fill();
      context.lineWidth = 2;
      context.strokeStyle = OUTLINE;
      context.stroke();
    }
    const selected = placed.find((entry) => entry.marker.id === this.selectedId);
    if (selected) {
      context.beginPath();
      context.arc(selected.x, selected.y, SELECTED_RADIUS, 0, Math.PI * 2);
      context.lineWidth = 2.5;
      context.strokeStyle = '#ffffff';
      context.stroke();
    }
    this.placed = placed;
    this.drawPulse();
  }

  /** Critical alerts pulse: a ring that grows and fades, the newest critical ones first. */
  private readonly drawPulse = () => {
    if (document.hidden) return;
    const pulsing = this.placed.filter((entry) => entry.marker.severity === 'critical').slice(-MAX_PULSING);
    const context = this.context(this.pulseCanvas);
    if (!pulsing.length && !this.pulseDrawn) return;
    context.clearRect(0, 0, this.size.width, this.size.height);
    this.pulseDrawn = pulsing.length > 0;
    // Ease-out: fast growth at first, as the CSS pulse it replaces.
    const phase = (performance.now() % PULSE_PERIOD_MS) / PULSE_PERIOD_MS;
    const eased = 1 - (1 - phase) ** 2;
    const radius = PULSE_RADIUS * (0.35 + 0.9 * eased);
    context.globalAlpha = 1 - eased;
    context.fillStyle = 'rgba(255, 59, 78, 0.4)';
    context.beginPath();
    for (const { x, y } of pulsing) {
      context.moveTo(x + radius, y);
      context.arc(x, y, radius, 0, Math.PI * 2);
    }
    context.fill();
    context.globalAlpha = 1;
  };

  /** A context in CSS pixels whatever the device pixel ratio. */
  private context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
    const context = canvas.getContext('2d')!;
    context.setTransform(this.size.ratio, 0, 0, this.size.ratio, 0, 0);
    return context;
  }
}

/** What the overlay draws of each open alert, in the list's order (most severe first). */
export function alertMarkers(alerts: readonly Alert[], language: 'vi' | 'en'): AlertMarker[] {
  const markers: AlertMarker[] = [];
  for (const alert of alerts) {
    if (alert.lat == null || alert.lon == null) continue; // an alert with no place is listed, not drawn
    markers.push({ id: alert.id, lon: alert.lon, lat: alert.lat, severity: alert.severity, title: alert.title[language] || alert.title.vi });
  }
  return markers;
}

/** True when two marker lists would be drawn the same. */
export function sameMarkers(before: readonly AlertMarker[], after: readonly AlertMarker[]): boolean {
  if (before.length !== after.length) return false;
  return before.every((marker, i) => {
    const other = after[i];
    return marker.id === other.id && marker.lon === other.lon && marker.lat === other.lat && marker.severity === other.severity && marker.title === other.title;
  });
}

function overlayCanvas(): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.className = 'alert-overlay';
  // Clicks go to the map, which asks alertAt(); the overlay itself never takes the pointer.
  canvas.style.cssText = 'position:absolute;left:0;top:0;pointer-events:none;';
  return canvas;
}
