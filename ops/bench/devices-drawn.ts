// "Every device drawn", counted the same way on the dashboard and on the bare MapLibre page: the
// features MapLibre has placed on screen in the device layers (queryRenderedFeatures over the whole
// viewport), a cluster counting its point_count and a point one. A point or cluster near a tile edge is
// returned once per tile that holds it, so each is counted once, by cluster_id or by device type and id.
import type { Page } from 'playwright-core';

/** In the page, the number of distinct devices drawn by `layers` of the map at `window[mapGlobal]`.
 *  A string, not a function: tsx would wrap inner functions with a helper the page lacks. */
function countExpression(mapGlobal: string, layers: readonly string[]): string {
  return `(() => {
    const map = window[${JSON.stringify(mapGlobal)}];
    if (!map || !map.getStyle() || ${JSON.stringify(layers)}.some((layer) => !map.getLayer(layer))) return 0;
    const counted = new Map();
    for (const feature of map.queryRenderedFeatures({ layers: ${JSON.stringify(layers)} })) {
      const properties = feature.properties;
      const key = properties.cluster_id != null ? 'cluster:' + properties.cluster_id : properties.type + ':' + properties.id;
      counted.set(key, properties.point_count ?? 1);
    }
    let drawn = 0;
    for (const count of counted.values()) drawn += count;
    return drawn;
  })()`;
}

/** Waits until exactly `expected` devices are drawn; returns performance.now() at that moment (ms since
 *  the navigation started). Polled every 50 ms on both pages, so both carry the same granularity. */
export async function waitForEveryDeviceDrawn(page: Page, options: { mapGlobal: string; layers: readonly string[]; expected: number; timeoutMs: number }): Promise<number> {
  const count = countExpression(options.mapGlobal, options.layers);
  try {
    const handle = await page.waitForFunction(`(${count}) === ${options.expected} ? performance.now() : false`, undefined, { timeout: options.timeoutMs, polling: 50 });
    return (await handle.jsonValue()) as number;
  } catch (error) {
    const drawn = await page.evaluate(count).catch(() => 'unknown');
    throw new Error(`${options.mapGlobal}: ${drawn} of ${options.expected} devices drawn after ${options.timeoutMs} ms (${(error as Error).message.split('\n')[0]})`, { cause: error });
  }
}
