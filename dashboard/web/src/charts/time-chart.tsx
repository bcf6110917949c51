// Time-series chart in plain SVG: a line (or min-max band plus average when the series is
// downsampled), bars for rainfall, and horizontal alarm levels I/II/III drawn across it. Optionally a
// dashed second line (a tide forecast laid over the measurements and beyond), a "now" line, and
// markers at instants (when a level is expected).
import { useMemo, useState, type MouseEvent } from 'react';
import { useI18n } from '../i18n.tsx';
import { useElementWidth } from './use-width.ts';

export interface SeriesPoint {
  t: number;
  value: number;
  min?: number;
  max?: number;
}

export interface AlarmLevel {
  value: number;
  label: string;
  color: string;
}

export interface TimeChartProps {
  points: SeriesPoint[];
  unit: string;
  levels?: AlarmLevel[];
  style?: 'line' | 'bars';
  height?: number;
  color?: string;
  /** Fixed x range (ms); defaults to the data's. */
  from?: number;
  to?: number;
  fractionDigits?: number;
  /** A second series drawn dashed over the first (a forecast). */
  overlay?: { points: SeriesPoint[]; color: string };
  /** Vertical marks: the present, or when a level is expected. */
  markers?: Array<{ t: number; label: string; color: string }>;
  /** Counts (vehicles): the y axis starts at 0 and its ticks are whole numbers. */
  counts?: boolean;
}

const PAD = { left: 46, right: 64, top: 12, bottom: 24 };

function niceTicks(min: number, max: number, count: number, whole = false): number[] {
  const span = max - min || 1;
  const step0 = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const factors = whole ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  const step = Math.max(whole ? 1 : 0, factors.map((factor) => factor * magnitude).find((candidate) => span / candidate <= count) ?? magnitude * 10);
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max + 1e-9; value += step) ticks.push(Number(value.toFixed(10)));
  return ticks;
}

export function TimeChart({ points, unit, levels = [], style = 'line', height = 220, color = '#38bdf8', from, to, fractionDigits = 2, overlay, markers = [], counts = false }: TimeChartProps) {
  const i18n = useI18n();
  const [hover, setHover] = useState<number>();
  const [box, WIDTH] = useElementWidth<HTMLDivElement>(640);

  const geometry = useMemo(() => {
    const xs = points.map((point) => point.t);
    const x0 = from ?? Math.min(...xs);
    const x1 = to ?? Math.max(...xs);
    const values = points.flatMap((point) => [point.min ?? point.value, point.max ?? point.value]);
    for (const point of overlay?.points ?? []) if (point.t >= x0 && point.t <= x1) values.push(point.value);
    for (const level of levels) values.push(level.value);
    if (style === 'bars' || counts) values.push(0);
    let y0 = Math.min(...values);
    let y1 = Math.max(...values);
    const margin = (y1 - y0 || Math.abs(y1) || 1) * 0.08;
    y0 -= (style === 'bars' || counts) && y0 >= 0 ? 0 : margin;
    y1 += margin;
    const plotWidth = WIDTH - PAD.left - PAD.right;
    const plotHeight = height - PAD.top - PAD.bottom;
    const x = (value: number) => PAD.left + ((value - x0) / (x1 - x0 || 1)) * plotWidth;
    const y = (value: number) => PAD.top + (1 - (value - y0) / (y1 - y0 || 1)) * plotHeight;
    return { x0, x1, y0, y1, x, y, plotWidth, plotHeight };
  }, [points, levels, style, height, from, to, WIDTH, overlay, counts]);

  if (!points.length) return <div ref={box} />;
  const { x, y, x0, x1, y0, y1, plotWidth, plotHeight } = geometry;
  const line = points.map((point, index) => `${index ? 'L' : 'M'}${x(point.t).toFixed(1)},${y(point.value).toFixed(1)}`).join('');
  const band = points.some((point) => point.min !== undefined && point.max !== undefined)
    ? points.map((point, index) => `${index ? 'L' : 'M'}${x(point.t).toFixed(1)},${y(point.max ?? point.value).toFixed(1)}`).join('') +
      [...points].reverse().map((point) => `L${x(point.t).toFixed(1)},${y(point.min ?? point.value).toFixed(1)}`).join('') + 'Z'
    : undefined;
  const shownOverlay = overlay?.points.filter((point) => point.t >= x0 && point.t <= x1) ?? [];
  const overlayLine = shownOverlay.map((point, index) => `${index ? 'L' : 'M'}${x(point.t).toFixed(1)},${y(point.value).toFixed(1)}`).join('');
  const yTicks = niceTicks(y0, y1, 5, counts);
  const span = x1 - x0;
  const xTickStep = [15 * 60e3, 30 * 60e3, 3600e3, 2 * 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3].find((step) => span / step <= 7) ?? 86400e3;
  const xTicks: number[] = [];
  for (let value = Math.ceil(x0 / xTickStep) * xTickStep; value <= x1; value += xTickStep) xTicks.push(value);
  const barWidth = Math.max(1.5, (plotWidth / Math.max(points.length, 1)) * 0.7);

  const onMove = (event: MouseEvent<SVGSVGElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * WIDTH;
    const target = x0 + ((px - PAD.left) / plotWidth) * span;
    let best = 0;
    for (let i = 1; i < points.length; i++) if (Math.abs(points[i].t - target) < Math.abs(points[best].t - target)) best = i;
    setHover(best);
  };
  const hovered = hover !== undefined ? points[hover] : undefined;

  return (
    <div ref={box} className="chart-box">
    <svg className="time-chart" width={WIDTH} height={height} viewBox={`0 0 ${WIDTH} ${height}`} role="img" onMouseMove={onMove} onMouseLeave={() => setHover(undefined)}>
      {yTicks.map((tick) => (
        <g key={tick}>
          <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} className="grid" />
          <text x={PAD.left - 6} y={y(tick) + 4} className="axis" textAnchor="end">
            {i18n.number(tick, counts || Math.abs(y1 - y0) >= 5 ? 0 : 1)}
          </text>
        </g>
      ))}
      {xTicks.map((tick) => (
        <text key={tick} x={x(tick)} y={height - 6} className="axis" textAnchor="middle">
          {i18n.time(tick)}
        </text>
      ))}
      <text x={4} y={PAD.top + 2} className="axis unit">
        {unit}
      </text>
      {style === 'bars'
        ? points.map((point) => <rect key={point.t} x={x(point.t) - barWidth / 2} y={y(point.value)} width={barWidth} height={Math.max(0, y(0) - y(point.value))} fill={color} opacity={0.85} />)
        : (
          <>
            {band && <path d={band} fill={color} opacity={0.18} />}
            <path d={line} fill="none" stroke={color} strokeWidth={2} strokeLinejoin="round" />
          </>
        )}
      {overlayLine && <path d={overlayLine} fill="none" stroke={overlay!.color} strokeWidth={1.8} strokeDasharray="5 4" className="chart-overlay" data-testid="chart-overlay" />}
      {markers
        .filter((marker) => marker.t >= x0 && marker.t <= x1)
        .map((marker, index) => (
          <g key={`${marker.label}-${marker.t}`} className="chart-marker" data-testid="chart-marker" data-label={marker.label}>
            <line x1={x(marker.t)} x2={x(marker.t)} y1={PAD.top} y2={PAD.top + plotHeight} stroke={marker.color} strokeDasharray="2 3" strokeWidth={1.2} />
            {/* Marks close in time (levels I, II, III minutes apart): their labels one under the other. */}
            <text x={x(marker.t) + 3} y={PAD.top + 10 + (index % 4) * 12} fill={marker.color} className="level-label">
              {marker.label}
            </text>
          </g>
        ))}
      {levels.map((level) => (
        <g key={level.label} className="alarm-level" data-level={level.label}>
          <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(level.value)} y2={y(level.value)} stroke={level.color} strokeDasharray="6 4" strokeWidth={1.5} />
          <text x={WIDTH - PAD.right + 4} y={y(level.value) + 4} fill={level.color} className="level-label">
            {level.label} {i18n.number(level.value, fractionDigits)}
          </text>
        </g>
      ))}
      <rect x={PAD.left} y={PAD.top} width={plotWidth} height={plotHeight} fill="transparent" />
      {hovered && (
        <g className="hover">
          <line x1={x(hovered.t)} x2={x(hovered.t)} y1={PAD.top} y2={PAD.top + plotHeight} />
          <circle cx={x(hovered.t)} cy={y(hovered.value)} r={4} fill={color} />
          <text x={Math.min(x(hovered.t) + 8, WIDTH - PAD.right - 120)} y={PAD.top + 14} className="hover-label">
            {i18n.dateTime(hovered.t)} · {i18n.number(hovered.value, fractionDigits)} {unit}
          </text>
        </g>
      )}
    </svg>
    </div>
  );
}

export const LEVEL_COLORS = ['#facc15', '#f97316', '#ef4444'];

/** The three alarm levels of a sensor, named as in Vietnam's flood warnings (báo động I/II/III). */
export function sensorLevels(sensor: { level1: number | null; level2: number | null; level3: number | null }): AlarmLevel[] {
  const levels: AlarmLevel[] = [];
  [sensor.level1, sensor.level2, sensor.level3].forEach((value, index) => {
    if (value != null) levels.push({ value, label: ['I', 'II', 'III'][index], color: LEVEL_COLORS[index] });
  });
  return levels;
}
