// Privacy masks: polygons an engineer draws on a camera's picture (windows of homes, a courtyard) that
// no picture leaving camera-ingest may show. ffmpeg paints them black on the decoded picture, before
// anything else reads it: the analysis frames, snapshots and tamper pictures (which come from those
// frames), and, re-encoded, the live relay and the evidence buffer that clips are cut from.
//
// ffmpeg's drawbox fills rectangles given as expressions of the picture's own size (iw, ih), so one
// filter fits every resolution the camera may switch to. A polygon becomes rectangles by covering it
// with a grid: every cell the polygon touches is painted, so the mask is never smaller than what was
// drawn (at most one cell larger: 1/160 of the width, 12 px on a 1080p picture), and runs of cells
// with the same columns merge into one rectangle.
import type { Point } from '@cityops/devices/analysis-config';

/** Grid cells across and down the picture: 12 × 12 px cells on a 1920 × 1080 picture. */
export const MASK_GRID_COLUMNS = 160;
export const MASK_GRID_ROWS = 90;

/** A rectangle in grid cells: columns [x0, x1), rows [y0, y1). */
export interface MaskRectangle {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The cells of the grid that any polygon touches, row by row (true: painted). */
export function maskCells(polygons: readonly (readonly Point[])[], columns = MASK_GRID_COLUMNS, rows = MASK_GRID_ROWS): boolean[][] {
  const cells = Array.from({ length: rows }, () => new Array<boolean>(columns).fill(false));
  const clampColumn = (value: number) => Math.min(columns - 1, Math.max(0, value));
  const clampRow = (value: number) => Math.min(rows - 1, Math.max(0, value));
  for (const polygon of polygons) {
    // Cells an edge passes through: the edge's span in each row it crosses, with that row's
    // top and bottom as the limits (exact for a straight segment).
    for (let i = 0; i < polygon.length; i++) {
      const [ax, ay] = polygon[i];
      const [bx, by] = polygon[(i + 1) % polygon.length];
      const firstRow = clampRow(Math.floor(Math.min(ay, by) * rows));
      const lastRow = clampRow(Math.floor(Math.max(ay, by) * rows));
      for (let row = firstRow; row <= lastRow; row++) {
        const top = Math.max(row / rows, Math.min(ay, by));
        const bottom = Math.min((row + 1) / rows, Math.max(ay, by));
        const xAt = (y: number) => (by === ay ? ax : ax + ((bx - ax) * (y - ay)) / (by - ay));
        const xs = by === ay ? [ax, bx] : [xAt(top), xAt(bottom)];
        const from = clampColumn(Math.floor(Math.min(...xs) * columns));
        const to = clampColumn(Math.floor(Math.max(...xs) * columns));
        for (let column = from; column <= to; column++) cells[row][column] = true;
      }
    }
    // Cells wholly inside: the even-odd rule along each row's centre line.
    for (let row = 0; row < rows; row++) {
      const y = (row + 0.5) / rows;
      const crossings: number[] = [];
      for (let i = 0; i < polygon.length; i++) {
        const [ax, ay] = polygon[i];
        const [bx, by] = polygon[(i + 1) % polygon.length];
        if (ay > y !== by > y) crossings.push(ax + ((bx - ax) * (y - ay)) / (by - ay));
      }
      crossings.sort((a, b) => a - b);
      for (let k = 0; k + 1 < crossings.length; k += 2) {
        const from = clampColumn(Math.floor(crossings[k] * columns));
        const to = clampColumn(Math.floor(crossings[k + 1] * columns));
        for (let column = from; column <= to; column++) cells[row][column] = true;
      }
    }
  }
  return cells;
}

/** The painted cells as few rectangles: runs along each row, then equal runs of adjacent rows merged. */
export function maskRectangles(cells: boolean[][]): MaskRectangle[] {
  const done: MaskRectangle[] = [];
  let open: MaskRectangle[] = [];
  cells.forEach((row, y) => {
    const runs: Array<[number, number]> = [];
    for (let x = 0; x < row.length; x++) {
      if (!row[x]) continue;
      const start = x;
      while (x < row.length && row[x]) x++;
      runs.push([start, x]);
    }
    const next: MaskRectangle[] = [];
    for (const [x0, x1] of runs) {
      const continued = open.find((rectangle) => rectangle.x0 === x0 && rectangle.x1 === x1);
      if (continued) next.push({ ...continued, y1: y + 1 });
      else next.push({ x0, x1, y0: y, y1: y + 1 });
    }
    for (const rectangle of open) if (!next.some((kept) => kept.x0 === rectangle.x0 && kept.x1 === rectangle.x1)) done.push(rectangle);
    open = next;
  });
  return [...done, ...open];
}

/**
 * The ffmpeg filter chain that blacks out the polygons, or undefined when there are none. Positions are
 * rounded outward to whole pixels of whatever size the picture has.
 */
export function privacyMaskFilter(polygons: readonly (readonly Point[])[]): string | undefined {
  if (!polygons.length) return undefined;
  const rectangles = maskRectangles(maskCells(polygons));
  if (!rectangles.length) return undefined;
  const left = (x: number) => `floor(iw*${x}/${MASK_GRID_COLUMNS})`;
  const right = (x: number) => `ceil(iw*${x}/${MASK_GRID_COLUMNS})`;
  const top = (y: number) => `floor(ih*${y}/${MASK_GRID_ROWS})`;
  const bottom = (y: number) => `ceil(ih*${y}/${MASK_GRID_ROWS})`;
  return rectangles
    .map(({ x0, x1, y0, y1 }) => `drawbox=x=${left(x0)}:y=${top(y0)}:w=${right(x1)}-${left(x0)}:h=${bottom(y1)}-${top(y0)}:color=black:t=fill`)
    .join(',');
}
