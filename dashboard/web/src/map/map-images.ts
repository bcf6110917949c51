// Marker and cluster images drawn on a canvas when MapLibre first asks for them (styleimagemissing).
// Numbers on clusters are drawn here with the system font, so the map needs no glyph server.
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { DeviceState } from '../live/types.ts';

export const STATE_COLORS: Record<DeviceState, string> = {
  ok: '#22c55e',
  degraded: '#eab308',
  level1: '#facc15',
  level2: '#f97316',
  level3: '#ef4444',
  offline: '#7b8799',
  disabled: '#3f4b5e',
  unknown: '#5b8bd6',
};

/** Worse states sort higher; clusters take the colour of their worst member. */
export const STATE_RANK: Record<DeviceState, number> = {
  disabled: 0,
  unknown: 1,
  ok: 2,
  degraded: 3,
  level1: 4,
  offline: 5,
  level2: 6,
  level3: 7,
};
export const RANK_STATE = Object.fromEntries(Object.entries(STATE_RANK).map(([state, rank]) => [rank, state])) as Record<number, DeviceState>;

const PIXEL_RATIO = 2;

function canvas(size: number) {
  const element = document.createElement('canvas');
  element.width = element.height = size * PIXEL_RATIO;
  const context = element.getContext('2d')!;
  context.scale(PIXEL_RATIO, PIXEL_RATIO);
  return { element, context };
}

function drawDevice(type: 'camera' | 'sensor', state: DeviceState) {
  const size = 26;
  const { element, context } = canvas(size);
  const color = STATE_COLORS[state] ?? STATE_COLORS.unknown;
  const centre = size / 2;
  context.beginPath();
  context.arc(centre, centre, 11, 0, Math.PI * 2);
  context.fillStyle = '#0a1222';
  context.fill();
  context.lineWidth = 2.5;
  context.strokeStyle = color;
  context.stroke();
  context.fillStyle = color;
  if (type === 'camera') {
    // A camera body with a lens cone.
    context.fillRect(6.5, 10, 9, 6.5);
    context.beginPath();
    context.moveTo(15.5, 13.25);
    context.lineTo(20, 10.5);
    context.lineTo(20, 16);
    context.closePath();
    context.fill();
  } else {
    // A drop: water level, tide, rain, salinity are all about water here.
    context.beginPath();
    context.moveTo(centre, 6.5);
    context.bezierCurveTo(centre + 6, 13, centre + 5, 19, centre, 19);
    context.bezierCurveTo(centre - 5, 19, centre - 6, 13, centre, 6.5);
    context.fill();
  }
  if (state === 'offline' || state === 'disabled') {
    context.strokeStyle = '#0a1222';
    context.lineWidth = 2;
    context.beginPath();
    context.moveTo(7, 7);
    context.lineTo(19, 19);
    context.stroke();
  }
  return context.getImageData(0, 0, element.width, element.height);
}

function drawCluster(label: string, state: DeviceState) {
  const digits = label.length;
  const size = digits <= 2 ? 34 : digits <= 3 ? 40 : 46;
  const { element, context } = canvas(size);
  const color = STATE_COLORS[state] ?? STATE_COLORS.unknown;
  const centre = size / 2;
  context.beginPath();
  context.arc(centre, centre, centre - 1, 0, Math.PI * 2);
  context.fillStyle = `${color}33`;
  context.fill();
  context.beginPath();
  context.arc(centre, centre, centre - 5, 0, Math.PI * 2);
  context.fillStyle = '#0d1729';
  context.fill();
  context.lineWidth = 2.5;
  context.strokeStyle = color;
  context.stroke();
  context.fillStyle = '#e6eefc';
  context.font = `600 ${digits <= 2 ? 13 : 12}px "Segoe UI", Roboto, "Liberation Sans", "DejaVu Sans", sans-serif`;
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  context.fillText(label, centre, centre + 0.5);
  return context.getImageData(0, 0, element.width, element.height);
}

/** Image ids: `device-camera-ok`, `cluster-12-level2`. */
export function installImageFactory(map: MapLibreMap) {
  map.on('styleimagemissing', (event) => {
    const id = event.id;
    if (map.hasImage(id)) return;
    let match = /^device-(camera|sensor)-(\w+)$/.exec(id);
    if (match) {
      map.addImage(id, drawDevice(match[1] as 'camera' | 'sensor', match[2] as DeviceState), { pixelRatio: PIXEL_RATIO });
      return;
    }
    match = /^cluster-([\w.]+)-(\w+)$/.exec(id);
    if (match) map.addImage(id, drawCluster(match[1], match[2] as DeviceState), { pixelRatio: PIXEL_RATIO });
  });
}
