// Stacked bars in plain SVG: vehicles per hour, one colour per class.
import { useState } from 'react';
import { useI18n } from '../i18n.tsx';
import { useElementWidth } from './use-width.ts';

export interface StackedBar {
  t: number;
  parts: Record<string, number>;
}

const PAD = { left: 48, right: 12, top: 12, bottom: 26 };

export function StackedBars({ bars, series, colors, labels, height = 280 }: { bars: StackedBar[]; series: string[]; colors: Record<string, string>; labels: Record<string, string>; height?: number }) {
  const i18n = useI18n();
  const [hover, setHover] = useState<number>();
  const [box, WIDTH] = useElementWidth<HTMLDivElement>(900);
  const totals = bars.map((bar) => series.reduce((sum, name) => sum + (bar.parts[name] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => max / candidate <= 5) ?? magnitude * 10;
  const top = Math.ceil(max / step) * step;
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = height - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(bars.length, 1);
  const y = (value: number) => PAD.top + plotHeight - (value / top) * plotHeight;
  const ticks: number[] = [];
  for (let value = 0; value <= top; value += step) ticks.push(value);
  const hovered = hover !== undefined ? bars[hover] : undefined;
  return (
    <div className="stacked-bars" ref={box}>
      <svg className="time-chart" width={WIDTH} height={height} viewBox={`0 0 ${WIDTH} ${height}`} role="img" onMouseLeave={() => setHover(undefined)}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} className="grid" />
            <text x={PAD.left - 6} y={y(tick) + 4} className="axis" textAnchor="end">
              {i18n.number(tick)}
            </text>
          </g>
        ))}
        {bars.map((bar, index) => {
          let base = 0;
          const x = PAD.left + index * slot + slot * 0.15;
          return (
            <g key={bar.t} onMouseEnter={() => setHover(index)} className={hover === index ? 'hovered' : ''}>
              <rect x={PAD.left + index * slot} y={PAD.top} width={slot} height={plotHeight} fill="transparent" />
              {series.map((name) => {
                const value = bar.parts[name] ?? 0;
                const rect = <rect key={name} x={x} width={slot * 0.7} y={y(base + value)} height={Math.max(0, y(base) - y(base + value))} fill={colors[name]} />;
                base += value;
                return rect;
              })}
              {index % Math.ceil(bars.length / 12) === 0 && (
                <text x={x + slot * 0.35} y={height - 8} className="axis" textAnchor="middle">
                  {i18n.time(bar.t)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <div className="chart-legend">
        {series.map((name) => (
          <span key={name} className="legend-item">
            <span className="legend-swatch" style={{ background: colors[name] }} />
            {labels[name] ?? name}
            {hovered && <strong>{i18n.number(hovered.parts[name] ?? 0)}</strong>}
          </span>
        ))}
        {hovered && (
          <span className="legend-item muted">
            {i18n.dateTime(hovered.t)} · {i18n.number(totals[hover!])}
          </span>
        )}
      </div>
    </div>
  );
}
