// Severity by shape as well as colour, for colour-blind operators and a washed-out wall display: critical
// a star, major a triangle (a warning sign), minor a diamond, info a circle; each unlike the others even
// at 10 px (an octagon, tried first, reads as a circle at that size). The list and badges draw them as
// SVG and the map's canvas traces the same outlines.
import type { Severity } from './live/types.ts';

/** Vertices on the unit circle (x right, y down), or null for a circle. */
const OUTLINES: Record<Severity, Array<[number, number]> | null> = {
  critical: Array.from({ length: 10 }, (_, i) => polar(-Math.PI / 2 + (i * Math.PI) / 5, i % 2 ? 0.5 : 1.15)),
  major: [polar(-Math.PI / 2), polar(Math.PI / 6), polar((5 * Math.PI) / 6)],
  minor: [polar(-Math.PI / 2), polar(0), polar(Math.PI / 2), polar(Math.PI)],
  info: null,
};

function polar(angle: number, radius = 1): [number, number] {
  return [radius * Math.cos(angle), radius * Math.sin(angle)];
}

/** Adds the severity's outline, centred at (x, y) with radius r, to the context's current path. */
export function traceSeverityShape(context: CanvasRenderingContext2D, severity: Severity, x: number, y: number, r: number): void {
  const outline = OUTLINES[severity];
  if (!outline) {
    context.moveTo(x + r, y);
    context.arc(x, y, r, 0, Math.PI * 2);
    return;
  }
  // A triangle's area is smaller than its circle's: drawn a little larger to weigh the same.
  const scale = severity === 'major' ? r * 1.25 : r * 1.1;
  outline.forEach(([dx, dy], index) => (index === 0 ? context.moveTo(x + dx * scale, y + dy * scale) : context.lineTo(x + dx * scale, y + dy * scale)));
  context.closePath();
}

/** The severity's shape as a small inline SVG, in the current text colour unless `color` is given. */
export function SeverityShape({ severity, size = 10, color }: { severity: Severity; size?: number; color?: string }) {
  const outline = OUTLINES[severity];
  const fill = color ?? 'currentColor';
  return (
    <svg className={`severity-shape ${severity}`} width={size} height={size} viewBox="-1.3 -1.3 2.6 2.6" aria-hidden data-shape={severity}>
      {outline ? <polygon points={outline.map(([x, y]) => `${x * 1.2},${y * 1.2}`).join(' ')} fill={fill} /> : <circle r={1} fill={fill} />}
    </svg>
  );
}
