// What a page really loaded before a moment, from the browser's own record of its network responses
// (Resource Timing), not from a listing of the build folder: a chunk that is built but not requested
// does not count, a chunk requested late (after the first render) is reported apart.
import type { Page } from 'playwright-core';

export interface ShippedBytes {
  files: number;
  /** Bytes as the page uses them (after any content encoding). */
  decodedBytes: number;
  /** Bytes over the wire, headers included; 0 for a response served from the browser's cache. */
  transferredBytes: number;
}

export interface ShippedBeforeAndAfter {
  scripts: ShippedBytes;
  styles: ShippedBytes;
  /** Scripts requested after the moment (lazy chunks the first page asked for later). */
  laterScripts: ShippedBytes;
}

/** Scripts and style sheets whose response ended before `untilMs` (performance.now() of the page). */
export async function shippedBefore(page: Page, untilMs: number): Promise<ShippedBeforeAndAfter> {
  const entries = (await page.evaluate(() =>
    performance.getEntriesByType('resource').map((entry) => {
      const resource = entry as PerformanceResourceTiming;
      return { path: new URL(resource.name).pathname, responseEnd: resource.responseEnd, decoded: resource.decodedBodySize, transferred: resource.transferSize };
    }),
  )) as { path: string; responseEnd: number; decoded: number; transferred: number }[];
  const sum = (list: typeof entries): ShippedBytes => ({
    files: list.length,
    decodedBytes: list.reduce((total, entry) => total + entry.decoded, 0),
    transferredBytes: list.reduce((total, entry) => total + entry.transferred, 0),
  });
  const scripts = entries.filter((entry) => entry.path.endsWith('.js'));
  return {
    scripts: sum(scripts.filter((entry) => entry.responseEnd <= untilMs)),
    styles: sum(entries.filter((entry) => entry.path.endsWith('.css') && entry.responseEnd <= untilMs)),
    laterScripts: sum(scripts.filter((entry) => entry.responseEnd > untilMs)),
  };
}

export const kilobytes = (bytes: number) => Math.round(bytes / 1024);

/** Every request of the page with when it started and ended (ms since navigation), oldest first, and
 *  the page's own performance marks: the critical path of a first render, read at a glance. */
export async function loadWaterfall(page: Page): Promise<string[]> {
  return (await page.evaluate(() => [
    ...performance.getEntriesByType('resource').map((entry) => {
      const url = new URL(entry.name);
      return [entry.startTime, `${Math.round(entry.startTime)}–${Math.round((entry as PerformanceResourceTiming).responseEnd)} ms ${url.pathname}${url.search}`] as const;
    }),
    ...performance.getEntriesByType('mark').map((entry) => [entry.startTime, `${Math.round(entry.startTime)} ms mark ${entry.name}`] as const),
  ]
    .sort((a, b) => a[0] - b[0])
    .map(([, line]) => line))) as string[];
}
