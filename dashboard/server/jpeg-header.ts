// A JPEG's header read without libvips: the marker segments before its picture data. A phone's photo
// shrunk by the report page's canvas is a plain JPEG, and a crowd sends hundreds a second: its size is
// read here, and its metadata dropped here (citizen-reports/report-media.ts). Anything this does not
// read (another format, EXIF that may turn the picture, a header that is not as it should be) is left
// to sharp.

/** A marker segment of a JPEG's header: its marker, where it starts, and its bytes (marker and length included). */
export interface JpegSegment {
  marker: number;
  at: number;
  bytes: Buffer;
}

const START_OF_SCAN = 0xda;

/**
 * The segments of a JPEG's header in order, up to and including the start of scan (after which the
 * bytes are picture data). Undefined when the bytes are not a JPEG or its header is not what it should be.
 */
export function jpegHeaderSegments(bytes: Buffer): JpegSegment[] | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  const segments: JpegSegment[] = [];
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // Markers without a length (start and end of image, restarts, TEM): none belongs in a header.
    if (marker === 0xd8 || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) return undefined;
    const length = bytes.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > bytes.length) return undefined;
    segments.push({ marker, at, bytes: bytes.subarray(at, at + 2 + length) });
    if (marker === START_OF_SCAN) return segments;
    at += 2 + length;
  }
  return undefined;
}

/** Start-of-frame markers are 0xC0-0xCF but for these three: DHT, JPG and DAC tables. */
const NOT_A_FRAME = new Set([0xc4, 0xc8, 0xcc]);
const EXIF = Buffer.from('Exif\0\0', 'latin1');

/** Width and height of a JPEG without EXIF (so upright for certain), from its frame header; or undefined. */
export function plainJpegSize(bytes: Buffer): { width: number; height: number } | undefined {
  for (const { marker, bytes: segment } of jpegHeaderSegments(bytes) ?? []) {
    // EXIF may carry an orientation: sharp reads it.
    if (marker === 0xe1 && segment.subarray(4, 4 + EXIF.length).equals(EXIF)) return undefined;
    if (marker >= 0xc0 && marker <= 0xcf && !NOT_A_FRAME.has(marker)) {
      if (segment.length < 9) return undefined;
      const height = segment.readUInt16BE(5);
      const width = segment.readUInt16BE(7);
      // A height of 0 is given later in the scan (DNL): sharp knows how to read that.
      return width > 0 && height > 0 ? { width, height } : undefined;
    }
  }
  return undefined; // not a JPEG, or the picture begins before any frame header
}
