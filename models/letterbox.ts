// Letterboxing: scale the picture to fit the model input keeping its aspect ratio, centre it, pad the
// rest with grey. One module owns the geometry so that ffmpeg (which letterboxes camera and file frames)
// and the detector (which undoes it on the boxes) cannot disagree. It lives beside the model manifest,
// which says the input size and the padding grey.

/** Box corners in normalised frame coordinates: 0..1, x right, y down, letterbox already undone. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface LetterboxGeometry {
  sourceWidth: number;
  sourceHeight: number;
  targetWidth: number;
  targetHeight: number;
  /** Size of the scaled picture inside the target. */
  scaledWidth: number;
  scaledHeight: number;
  padX: number;
  padY: number;
}

/** Same rounding as ffmpeg's `scale=W:H:force_original_aspect_ratio=decrease` then `pad=W:H:(ow-iw)/2:(oh-ih)/2`. */
export function letterboxGeometry(sourceWidth: number, sourceHeight: number, targetWidth: number, targetHeight: number): LetterboxGeometry {
  if (!(sourceWidth > 0 && sourceHeight > 0)) throw new RangeError(`invalid picture size ${sourceWidth}x${sourceHeight}`);
  const scaledWidth = Math.min(targetWidth, Math.round((targetHeight * sourceWidth) / sourceHeight));
  const scaledHeight = Math.min(targetHeight, Math.round((targetWidth * sourceHeight) / sourceWidth));
  return {
    sourceWidth,
    sourceHeight,
    targetWidth,
    targetHeight,
    scaledWidth,
    scaledHeight,
    padX: Math.floor((targetWidth - scaledWidth) / 2),
    padY: Math.floor((targetHeight - scaledHeight) / 2),
  };
}

/**
 * The ffmpeg filter chain that produces letterboxed bgr24 frames for a model input. `format=bgr24`
 * comes before `pad` so the padding offsets are not rounded to chroma subsampling.
 */
export function letterboxFilter(targetWidth: number, targetHeight: number, padValue = 114): string {
  const grey = Math.round(padValue).toString(16).padStart(2, '0');
  return (
    `scale=${targetWidth}:${targetHeight}:force_original_aspect_ratio=decrease,format=bgr24,` +
    `pad=${targetWidth}:${targetHeight}:(ow-iw)/2:(oh-ih)/2:color=0x${grey}${grey}${grey}`
  );
}

/** Model-input pixel box → normalised source-frame box, clamped to the frame. */
export function toFrameBox(geometry: LetterboxGeometry, x1: number, y1: number, x2: number, y2: number): Box {
  const sx = geometry.scaledWidth;
  const sy = geometry.scaledHeight;
  return {
    x1: clamp01((x1 - geometry.padX) / sx),
    y1: clamp01((y1 - geometry.padY) / sy),
    x2: clamp01((x2 - geometry.padX) / sx),
    y2: clamp01((y2 - geometry.padY) / sy),
  };
}

const clamp01 = (value: number) => (value < 0 ? 0 : value > 1 ? 1 : value);
