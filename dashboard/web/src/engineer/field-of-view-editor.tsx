// The engineer's editor of a camera's field of view (#17 part 3): the cone seen from above, north up,
// the camera at the centre. Dragging the tip (the middle of the arc) sets where it looks and how far;
// dragging either edge's end sets how wide. The numbers in the form follow, and typing them moves the cone.
import { useRef, useState, type PointerEvent } from 'react';
import { fieldOfViewFromEdge, fieldOfViewFromTip, MAX_RANGE_METERS } from './field-of-view-drag.ts';
import { useI18n } from '../i18n.tsx';
import './field-of-view-editor.css';

const SIZE = 240;
const CENTRE = SIZE / 2;
/** The drawing's radius in pixels: the cone's range fills at most this. */
const RADIUS = SIZE / 2 - 14;

export interface FieldOfViewValues {
  bearing: number | null;
  fovDegrees: number;
  rangeMeters: number;
}

export function FieldOfViewEditor({ value, onChange }: { value: FieldOfViewValues; onChange(next: FieldOfViewValues): void }) {
  const { t, number } = useI18n();
  const svg = useRef<SVGSVGElement>(null);
  const [dragging, setDragging] = useState<'tip' | 'edge'>();
  // Metres per drawing radius: fixed while dragging (a scale that followed the pointer would run away).
  const [scaleMeters, setScaleMeters] = useState(() => niceScale(value.rangeMeters));
  const bearing = value.bearing ?? 0;
  const allRound = value.fovDegrees >= 360;
  const rangePixels = Math.min(RADIUS, (value.rangeMeters / scaleMeters) * RADIUS);
  const at = (heading: number, pixels: number) => [CENTRE + pixels * Math.sin((heading * Math.PI) / 180), CENTRE - pixels * Math.cos((heading * Math.PI) / 180)] as const;
  const [tipX, tipY] = at(bearing, rangePixels);
  const [leftX, leftY] = at(bearing - value.fovDegrees / 2, rangePixels);
  const [rightX, rightY] = at(bearing + value.fovDegrees / 2, rangePixels);
  const largeArc = value.fovDegrees > 180 ? 1 : 0;
  const cone = allRound
    ? undefined
    : `M ${CENTRE} ${CENTRE} L ${leftX} ${leftY} A ${rangePixels} ${rangePixels} 0 ${largeArc} 1 ${rightX} ${rightY} Z`;

  /** The pointer in metres east and north of the camera. */
  const pointerMetres = (event: PointerEvent) => {
    const box = svg.current!.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * SIZE - CENTRE;
    const y = ((event.clientY - box.top) / box.height) * SIZE - CENTRE;
    return { east: (x / RADIUS) * scaleMeters, north: (-y / RADIUS) * scaleMeters };
  };
  const move = (event: PointerEvent) => {
    if (!dragging) return;
    const pointer = pointerMetres(event);
    onChange(dragging === 'tip' ? fieldOfViewFromTip(value, pointer) : fieldOfViewFromEdge(value, pointer));
  };
  const start = (handle: 'tip' | 'edge') => (event: PointerEvent) => {
    event.preventDefault();
    (event.target as Element).setPointerCapture?.(event.pointerId);
    setDragging(handle);
  };
  const end = () => {
    setDragging(undefined);
    setScaleMeters(niceScale(value.rangeMeters));
  };

  return (
    <figure className="fov-editor" data-testid="fov-editor">
      <figcaption>{t('engineer.fovEditor')}</figcaption>
      <svg ref={svg} viewBox={`0 0 ${SIZE} ${SIZE}`} width={SIZE} height={SIZE} onPointerMove={move} onPointerUp={end} onPointerCancel={end} role="img" aria-label={t('engineer.fovEditor')}>
        <circle cx={CENTRE} cy={CENTRE} r={RADIUS} className="fov-ring" />
        <text x={CENTRE} y={12} textAnchor="middle" className="fov-north">
          N
        </text>
        <text x={SIZE - 4} y={SIZE - 4} textAnchor="end" className="fov-scale">
          {number(scaleMeters)} m
        </text>
        {allRound ? <circle cx={CENTRE} cy={CENTRE} r={rangePixels} className="fov-cone" data-testid="fov-cone" /> : <path d={cone} className="fov-cone" data-testid="fov-cone" />}
        <circle cx={CENTRE} cy={CENTRE} r={5} className="fov-camera" />
        {!allRound && <circle cx={rightX} cy={rightY} r={8} className="fov-handle edge" onPointerDown={start('edge')} data-testid="fov-edge" />}
        <circle cx={tipX} cy={tipY} r={9} className="fov-handle tip" onPointerDown={start('tip')} data-testid="fov-tip" />
      </svg>
      <p className="muted small">{t('engineer.fovHint')}</p>
    </figure>
  );
}

/** A round scale a bit larger than the range, so the tip can be dragged further out. */
function niceScale(rangeMeters: number): number {
  for (const scale of [50, 100, 200, 500, 1000, MAX_RANGE_METERS]) if (rangeMeters * 1.4 <= scale) return scale;
  return MAX_RANGE_METERS;
}
