// Every archive the writer makes is read back with the `pmtiles` reader package, the one the dashboard
// uses in the browser: header, metadata and each tile by z/x/y.
import { describe, expect, it } from 'vitest';
import { Compression, PMTiles, TileType, tileIdToZxy, zxyToTileId, type Source } from 'pmtiles';
import { writePmtilesArchive, type ArchiveTile } from './pmtiles-writer.ts';

/** The reader's Source over an archive in memory, counting requests like a range-request server. */
function memorySource(archive: Buffer): Source & { reads: { offset: number; length: number }[] } {
  const reads: { offset: number; length: number }[] = [];
  return {
    reads,
    getKey: () => 'memory.pmtiles',
    getBytes: async (offset, length) => {
      reads.push({ offset, length });
      const slice = archive.subarray(offset, offset + length);
      return { data: slice.buffer.slice(slice.byteOffset, slice.byteOffset + slice.byteLength) as ArrayBuffer };
    },
  };
}

const options = {
  tileType: TileType.Mvt,
  minZoom: 8,
  maxZoom: 14,
  bounds: [106.35, 10.37, 107.03, 11.16] as [number, number, number, number],
  center: [106.7, 10.78, 11] as [number, number, number],
  metadata: { name: 'test', vector_layers: [{ id: 'areas', fields: {} }] },
};

const bytesOf = (text: string) => new TextEncoder().encode(text);

describe('PMTiles v3 writer', () => {
  it('writes an archive the pmtiles reader opens: header, metadata and every tile by z/x/y', async () => {
    const tiles: ArchiveTile[] = [
      { z: 8, x: 203, y: 121, data: bytesOf('z8 tile') },
      { z: 9, x: 407, y: 242, data: bytesOf('z9 tile a') },
      { z: 9, x: 407, y: 243, data: bytesOf('z9 tile b') },
      { z: 14, x: 13040, y: 7772, data: bytesOf('z14 tile') },
    ];
    const reader = new PMTiles(memorySource(writePmtilesArchive(tiles, options)));
    const header = await reader.getHeader();
    expect(header).toMatchObject({
      specVersion: 3,
      tileType: TileType.Mvt,
      tileCompression: Compression.Gzip,
      internalCompression: Compression.Gzip,
      minZoom: 8,
      maxZoom: 14,
      centerZoom: 11,
      numAddressedTiles: 4,
      numTileEntries: 4,
      numTileContents: 4,
      clustered: true,
      leafDirectoryLength: 0,
    });
    expect(header.minLon).toBeCloseTo(106.35, 6);
    expect(header.maxLat).toBeCloseTo(11.16, 6);
    expect(header.centerLon).toBeCloseTo(106.7, 6);
    expect(await reader.getMetadata()).toEqual(options.metadata);
    for (const tile of tiles) {
      const read = await reader.getZxy(tile.z, tile.x, tile.y);
      expect(new TextDecoder().decode(read?.data), `${tile.z}/${tile.x}/${tile.y}`).toBe(new TextDecoder().decode(tile.data));
    }
    expect(await reader.getZxy(9, 408, 242)).toBeUndefined();
    expect(await reader.getZxy(15, 0, 0)).toBeUndefined();
  });

  it('stores identical tiles once and runs of them as one entry', async () => {
    // Four tiles next to each other on the Hilbert curve, the first three alike, and one far away.
    const first = zxyToTileId(10, 800, 480);
    const at = (tileId: number, data: Uint8Array): ArchiveTile => {
      const [z, x, y] = tileIdToZxy(tileId);
      return { z, x, y, data };
    };
    const same = bytesOf('the inside of a large district');
    const tiles = [at(first, same), at(first + 1, same), at(first + 2, same), at(first + 3, bytesOf('an edge')), at(first + 500, same)];
    const archive = writePmtilesArchive(tiles, { ...options, minZoom: 10, maxZoom: 10 });
    const reader = new PMTiles(memorySource(archive));
    const header = await reader.getHeader();
    expect(header).toMatchObject({ numAddressedTiles: 5, numTileEntries: 3, numTileContents: 2 });
    for (const tile of tiles) expect(new TextDecoder().decode((await reader.getZxy(tile.z, tile.x, tile.y))?.data)).toBe(new TextDecoder().decode(tile.data));
  });

  it('moves entries to leaf directories when the root would not fit in the first 16 KiB', async () => {
    // 30,000 scattered tiles of differing sizes: a root directory of them alone compresses far past 16 KiB.
    const tiles: ArchiveTile[] = [];
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const taken = new Set<string>();
    while (tiles.length < 30_000) {
      const x = Math.floor(random() * 4096);
      const y = Math.floor(random() * 4096);
      if (taken.has(`${x}/${y}`)) continue;
      taken.add(`${x}/${y}`);
      tiles.push({ z: 12, x, y, data: bytesOf(`${x}/${y}:${'#'.repeat(Math.floor(random() * 400))}`) });
    }
    const archive = writePmtilesArchive(tiles, { ...options, minZoom: 12, maxZoom: 12 });
    const source = memorySource(archive);
    const reader = new PMTiles(source);
    const header = await reader.getHeader();
    expect(header.rootDirectoryOffset + header.rootDirectoryLength).toBeLessThanOrEqual(16_384);
    expect(header.leafDirectoryLength).toBeGreaterThan(0);
    expect(header.numTileEntries).toBe(30_000);
    // The first read is the 16 KiB prefetch of header and root; every tile below is found through a leaf.
    expect(source.reads[0]).toEqual({ offset: 0, length: 16_384 });
    for (const tile of tiles.filter((_, i) => i % 997 === 0)) {
      expect(new TextDecoder().decode((await reader.getZxy(tile.z, tile.x, tile.y))?.data)).toBe(new TextDecoder().decode(tile.data));
    }
  });

  it('refuses an empty archive and a tile given twice', () => {
    expect(() => writePmtilesArchive([], options)).toThrow(/at least one tile/);
    expect(() => writePmtilesArchive([{ z: 8, x: 1, y: 1, data: bytesOf('a') }, { z: 8, x: 1, y: 1, data: bytesOf('b') }], options)).toThrow(/twice/);
  });
});
