// Writes a PMTiles v3 archive (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md) in one
// buffer: the 127-byte header, the root directory, the JSON metadata, leaf directories when the root
// would not fit in the first 16 KiB, and the tile data ordered by Hilbert tile id. The `pmtiles` npm
// package only reads archives, so the writer lives here; its spec reads every archive back with it.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Compression, TileType, zxyToTileId } from 'pmtiles';

export interface ArchiveTile {
  z: number;
  x: number;
  y: number;
  /** The tile as it is, uncompressed (the writer gzips it). */
  data: Uint8Array;
}

export interface ArchiveOptions {
  tileType: TileType;
  minZoom: number;
  maxZoom: number;
  /** [west, south, east, north] in degrees. */
  bounds: [number, number, number, number];
  /** [longitude, latitude, zoom] a viewer opens at. */
  center: [number, number, number];
  /** The JSON metadata; for vector tiles it should carry `vector_layers` (spec "Metadata"). */
  metadata: Record<string, unknown>;
}

interface Entry {
  tileId: number;
  offset: number;
  length: number;
  runLength: number;
}

const HEADER_BYTES = 127;
/** The spec: header and root directory together must fit in the first 16,384 bytes, so a client can
 *  fetch both with one request. */
const ROOT_LIMIT_BYTES = 16_384 - HEADER_BYTES;

/** Little-endian base-128 varint; arithmetic rather than bit operators because tile ids and offsets
 *  pass 2^31 at high zooms and JavaScript bit operators work on 32-bit integers. */
function pushVarint(bytes: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
}

/** Spec "Directory Serialization": count, then the columns tile id (delta), run length, length,
 *  offset (0 = right after the previous entry, else offset + 1), all varints, then gzip. */
function serializeDirectory(entries: Entry[]): Buffer {
  const bytes: number[] = [];
  pushVarint(bytes, entries.length);
  let lastId = 0;
  for (const entry of entries) {
    pushVarint(bytes, entry.tileId - lastId);
    lastId = entry.tileId;
  }
  for (const entry of entries) pushVarint(bytes, entry.runLength);
  for (const entry of entries) pushVarint(bytes, entry.length);
  entries.forEach((entry, i) => {
    const previous = entries[i - 1];
    pushVarint(bytes, previous && entry.offset === previous.offset + previous.length ? 0 : entry.offset + 1);
  });
  return gzipSync(Buffer.from(bytes));
}

/** The root directory, and the leaf directories when the root alone would be too large: leaves of
 *  4096 entries, grown by a fifth until the root that points to them fits (what go-pmtiles does). */
function buildDirectories(entries: Entry[]): { root: Buffer; leaves: Buffer } {
  const root = serializeDirectory(entries);
  if (root.length <= ROOT_LIMIT_BYTES) return { root, leaves: Buffer.alloc(0) };
  for (let leafSize = 4096; ; leafSize = Math.ceil(leafSize * 1.2)) {
    const rootEntries: Entry[] = [];
    const leaves: Buffer[] = [];
    let offset = 0;
    for (let start = 0; start < entries.length; start += leafSize) {
      const leaf = serializeDirectory(entries.slice(start, start + leafSize));
      // Run length 0 marks an entry that points to a leaf directory.
      rootEntries.push({ tileId: entries[start].tileId, offset, length: leaf.length, runLength: 0 });
      leaves.push(leaf);
      offset += leaf.length;
    }
    const leafRoot = serializeDirectory(rootEntries);
    if (leafRoot.length <= ROOT_LIMIT_BYTES) return { root: leafRoot, leaves: Buffer.concat(leaves) };
  }
}

function writeHeader(options: ArchiveOptions, sections: { root: Buffer; metadata: Buffer; leaves: Buffer; tileData: Buffer }, counts: { addressed: number; entries: number; contents: number }): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  const rootOffset = HEADER_BYTES;
  const metadataOffset = rootOffset + sections.root.length;
  const leavesOffset = metadataOffset + sections.metadata.length;
  const tileDataOffset = leavesOffset + sections.leaves.length;
  header.write('PMTiles', 0, 'latin1');
  header.writeUInt8(3, 7);
  header.writeBigUInt64LE(BigInt(rootOffset), 8);
  header.writeBigUInt64LE(BigInt(sections.root.length), 16);
  header.writeBigUInt64LE(BigInt(metadataOffset), 24);
  header.writeBigUInt64LE(BigInt(sections.metadata.length), 32);
  header.writeBigUInt64LE(BigInt(leavesOffset), 40);
  header.writeBigUInt64LE(BigInt(sections.leaves.length), 48);
  header.writeBigUInt64LE(BigInt(tileDataOffset), 56);
  header.writeBigUInt64LE(BigInt(sections.tileData.length), 64);
  header.writeBigUInt64LE(BigInt(counts.addressed), 72);
  header.writeBigUInt64LE(BigInt(counts.entries), 80);
  header.writeBigUInt64LE(BigInt(counts.contents), 88);
  header.writeUInt8(1, 96); // clustered: tile data is in tile id order (duplicates point back)
  header.writeUInt8(Compression.Gzip, 97); // directories and metadata
  header.writeUInt8(Compression.Gzip, 98); // tiles
  header.writeUInt8(options.tileType, 99);
  header.writeUInt8(options.minZoom, 100);
  header.writeUInt8(options.maxZoom, 101);
  const [west, south, east, north] = options.bounds;
  header.writeInt32LE(Math.round(west * 1e7), 102);
  header.writeInt32LE(Math.round(south * 1e7), 106);
  header.writeInt32LE(Math.round(east * 1e7), 110);
  header.writeInt32LE(Math.round(north * 1e7), 114);
  const [longitude, latitude, zoom] = options.center;
  header.writeUInt8(zoom, 118);
  header.writeInt32LE(Math.round(longitude * 1e7), 119);
  header.writeInt32LE(Math.round(latitude * 1e7), 123);
  return header;
}

/** The whole archive. Identical tiles (the inside of a large polygon, say) are stored once; a run of
 *  consecutive identical tiles becomes one entry with a run length. */
export function writePmtilesArchive(tiles: Iterable<ArchiveTile>, options: ArchiveOptions): Buffer {
  const byId = [...tiles].map((tile) => ({ tileId: zxyToTileId(tile.z, tile.x, tile.y), data: tile.data })).sort((a, b) => a.tileId - b.tileId);
  // Both checks guard the caller (basemapFeatures always yields tiles, ids are unique per z/x/y): plain Errors.
  if (byId.length === 0) throw new Error('a PMTiles archive needs at least one tile (spec: directories must be non-empty)');
  const entries: Entry[] = [];
  const stored = new Map<string, { offset: number; length: number }>();
  const blobs: Buffer[] = [];
  let tileDataLength = 0;
  for (const [i, tile] of byId.entries()) {
    if (i > 0 && tile.tileId === byId[i - 1].tileId) throw new Error(`tile id ${tile.tileId} appears twice`);
    const hash = createHash('sha256').update(tile.data).digest('hex');
    let blob = stored.get(hash);
    if (!blob) {
      const compressed = gzipSync(tile.data);
      blob = { offset: tileDataLength, length: compressed.length };
      stored.set(hash, blob);
      blobs.push(compressed);
      tileDataLength += compressed.length;
    }
    const last = entries.at(-1);
    if (last && last.offset === blob.offset && last.tileId + last.runLength === tile.tileId) last.runLength += 1;
    else entries.push({ tileId: tile.tileId, offset: blob.offset, length: blob.length, runLength: 1 });
  }
  const { root, leaves } = buildDirectories(entries);
  const metadata = gzipSync(Buffer.from(JSON.stringify(options.metadata)));
  const tileData = Buffer.concat(blobs);
  const header = writeHeader(options, { root, metadata, leaves, tileData }, { addressed: byId.length, entries: entries.length, contents: blobs.length });
  return Buffer.concat([header, root, metadata, leaves, tileData]);
}

export { TileType };
