import { describe, expect, it } from 'vitest';
import type { Point } from '@cityops/devices/analysis-config';
import { MASK_GRID_COLUMNS, MASK_GRID_ROWS, maskCells, maskRectangles, privacyMaskFilter } from './privacy-mask.ts';

/** Even-odd rule, as the rules engine tests a point. */
function inside([x, y]: Point, polygon: readonly Point[]): boolean {
  let result = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) result = !result;
  }
  return result;
}

const covered = (rectangles: ReturnType<typeof maskRectangles>, [x, y]: Point) =>
  rectangles.some((r) => x >= r.x0 / MASK_GRID_COLUMNS && x <= r.x1 / MASK_GRID_COLUMNS && y >= r.y0 / MASK_GRID_ROWS && y <= r.y1 / MASK_GRID_ROWS);

const window: Point[] = [[0.1, 0.1], [0.3, 0.1], [0.3, 0.25], [0.1, 0.25]];
const slantedFacade: Point[] = [[0.55, 0.05], [0.95, 0.2], [0.9, 0.6], [0.7, 0.45], [0.6, 0.5]];
const sliver: Point[] = [[0.401, 0.7], [0.4015, 0.7], [0.4012, 0.95]];

describe('privacy mask rectangles', () => {
  it('cover every point of every polygon, slivers thinner than a cell included', () => {
    const polygons = [window, slantedFacade, sliver];
    const rectangles = maskRectangles(maskCells(polygons));
    let checked = 0;
    for (let i = 0; i <= 400; i++) {
      for (let j = 0; j <= 400; j++) {
        const point: Point = [i / 400, j / 400];
        if (!polygons.some((polygon) => inside(point, polygon))) continue;
        checked++;
        expect(covered(rectangles, point), `(${point.join(', ')})`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(5000);
    for (const polygon of polygons) for (const vertex of polygon) expect(covered(rectangles, vertex)).toBe(true);
  });

  it('paint at most one cell beyond what was drawn', () => {
    const rectangles = maskRectangles(maskCells([window]));
    // The window's edges fall inside cells 16..48 across and 9..22 down: one rectangle, nothing more.
    expect(rectangles).toEqual([{ x0: 16, x1: 49, y0: 9, y1: 23 }]);
    for (let i = 0; i <= 200; i++) {
      for (let j = 0; j <= 200; j++) {
        const point: Point = [i / 200, j / 200];
        const far = point[0] < 0.1 - 1 / MASK_GRID_COLUMNS || point[0] > 0.3 + 1 / MASK_GRID_COLUMNS || point[1] < 0.1 - 1 / MASK_GRID_ROWS || point[1] > 0.25 + 1 / MASK_GRID_ROWS;
        if (far) expect(covered(rectangles, point), `(${point.join(', ')})`).toBe(false);
      }
    }
  });

  it('merge rows with the same columns, so a slanted polygon needs about one rectangle per row it spans', () => {
    const rectangles = maskRectangles(maskCells([slantedFacade]));
    const rowsSpanned = Math.ceil((0.6 - 0.05) * MASK_GRID_ROWS) + 1;
    expect(rectangles.length).toBeLessThanOrEqual(2 * rowsSpanned);
    const cells = maskCells([slantedFacade]);
    const painted = cells.flat().filter(Boolean).length;
    const inRectangles = rectangles.reduce((sum, r) => sum + (r.x1 - r.x0) * (r.y1 - r.y0), 0);
    expect(inRectangles).toBe(painted); // no overlap, nothing left out
  });
});

describe('privacy mask filter', () => {
  it('is a chain of filled black boxes sized by the picture, rounded outward', () => {
    expect(privacyMaskFilter([])).toBeUndefined();
    expect(privacyMaskFilter([window])).toBe(
      'drawbox=x=floor(iw*16/160):y=floor(ih*9/90):w=ceil(iw*49/160)-floor(iw*16/160):h=ceil(ih*23/90)-floor(ih*9/90):color=black:t=fill',
    );
    const chain = privacyMaskFilter([window, slantedFacade])!;
    expect(chain.split(',drawbox=').length).toBe(maskRectangles(maskCells([window, slantedFacade])).length);
    // No filtergraph separator may appear inside an option: the chain goes into -filter_complex as is.
    expect(chain).not.toMatch(/[;[\]]/);
  });
});
