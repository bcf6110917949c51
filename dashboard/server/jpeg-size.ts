// The size of a plain JPEG read from its frame header, without handing the bytes to libvips: a phone's
// photo shrunk by the report page's canvas is such a JPEG, and a crowd sends hundreds a second. Anything
// else (no frame header before the picture, EXIF that may turn it, another format) answers undefined and
// is read by sharp, as before.

/** Start-of-frame markers (0xC0-0xCF) that are not frames: DHT, JPG and DAC tables. */
const NOT_A_FRAME = new Set([0xc4, 0xc8, 0xcc]);
const EXIF = Buffer.from('Exif\0\0', 'latin1');

/** Width and height of a JPEG without EXIF (orientation 1 for certain), or undefined. */
export function plainJpegSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // Markers without a length: none belongs before the frame header.
    if (marker === 0xd8 || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) return undefined;
    const length = bytes.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > bytes.length) return undefined;
    // EXIF may carry an orientation: sharp reads it.
    if (marker === 0xe1 && bytes.subarray(at + 4, at + 4 + EXIF.length).equals(EXIF)) return undefined;
    if (marker >= 0xc0 && marker <= 0xcf && !NOT_A_FRAME.has(marker)) {
      if (length < 8) return undefined;
      const height = bytes.readUInt16BE(at + 5);
      const width = bytes.readUInt16BE(at + 7);
      // A height of 0 is given later in the scan (DNL): sharp knows how to read that.
      return width > 0 && height > 0 ? { width, height } : undefined;
    }
    if (marker === 0xda) return undefined; // the picture began before any frame header
    at += 2 + length;
  }
  return undefined;
}
