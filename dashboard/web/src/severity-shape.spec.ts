import { describe, expect, it } from 'vitest';
import { traceSeverityShape } from './severity-shape.tsx';
import { SEVERITIES } from './live/types.ts';

/** Records the path a canvas would draw: moveTo, lineTo, arc and closePath calls. */
function recorder() {
  const calls: string[] = [];
  const context = {
    moveTo: () => calls.push('moveTo'),
    lineTo: () => calls.push('lineTo'),
    arc: () => calls.push('arc'),
    closePath: () => calls.push('closePath'),
  } as unknown as CanvasRenderingContext2D;
  return { calls, context };
}

describe('severity shapes', () => {
  it('gives each severity its own outline: star, triangle, diamond, circle', () => {
    const vertices = Object.fromEntries(
      SEVERITIES.map((severity) => {
        const { calls, context } = recorder();
        traceSeverityShape(context, severity, 50, 50, 8);
        return [severity, calls.includes('arc') ? 'circle' : calls.filter((call) => call === 'moveTo' || call === 'lineTo').length];
      }),
    );
    expect(vertices).toEqual({ critical: 10, major: 3, minor: 4, info: 'circle' });
  });
});
