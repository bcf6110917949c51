// A photo sent by a phone (a field team's proof, an alert's evidence): read from a multipart request,
// checked by its content (not its name or declared type) and refused with a clear reason otherwise.
import type { FastifyRequest } from 'fastify';
import sharp from 'sharp';
import { AppError, badRequest } from '@cityops/core/errors';
import { counter } from '@cityops/core/metrics';
import { plainJpegSize } from './jpeg-header.ts';

const rejectedPhotos = counter('cityops_photos_rejected_total', 'photos refused, by where they were sent and why', ['to', 'reason']);
/** Image formats a phone sends and every browser shows. */
const PHOTO_FORMATS: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

export interface CheckedPhoto {
  bytes: Buffer;
  contentType: string;
  width: number;
  height: number;
  /** The EXIF orientation (1: upright), for those who strip the EXIF and must turn the picture themselves. */
  orientation: number;
}

/**
 * The `photo` file and the `note` field of a multipart request. `required`: a missing photo is a 400;
 * otherwise the photo is optional (a resolution without proof where none is needed).
 */
export async function readPhotoUpload(
  request: FastifyRequest,
  limits: { maxBytes: number; noteMaxChars: number; to: string; required: boolean },
): Promise<{ photo?: CheckedPhoto; note?: string }> {
  if (!request.isMultipart()) throw badRequest('send multipart/form-data with a `photo` file', 'photo', { reason: 'multipart_required' });
  let bytes: Buffer | undefined;
  let note: string | undefined;
  for await (const part of request.parts({ limits: { fileSize: limits.maxBytes, files: 1, fields: 2, fieldSize: limits.noteMaxChars * 4 } })) {
    if (part.type === 'file') {
      if (part.fieldname !== 'photo') {
        part.file.resume();
        throw badRequest(`unexpected file field "${part.fieldname}"; name it photo`, part.fieldname, { reason: 'unexpected_file', params: { field: part.fieldname } });
      }
      try {
        bytes = await part.toBuffer();
      } catch (error) {
        rejectedPhotos.inc({ to: limits.to, reason: 'too_large' });
        throw new AppError('too_large', `the photo is larger than ${limits.maxBytes} bytes (${(error as Error).message})`, 'photo');
      }
    } else if (part.fieldname === 'note') {
      note = String(part.value);
    }
  }
  if (!bytes?.length) {
    if (limits.required) throw badRequest('attach the photo as a file field named photo', 'photo', { reason: 'photo_required' });
    return { note };
  }
  return { photo: await checkedPhoto(bytes, limits.to), note };
}

/** Reads the image itself: JPEG, PNG or WebP, or a 400. */
export async function checkedPhoto(bytes: Buffer, to: string): Promise<CheckedPhoto> {
  const plain = plainJpegSize(bytes);
  if (plain) return { bytes, contentType: 'image/jpeg', ...plain, orientation: 1 };
  let metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch {
    rejectedPhotos.inc({ to, reason: 'not_an_image' });
    throw new AppError('not_an_image', 'the photo is not an image (expected JPEG, PNG or WebP)', 'photo');
  }
  const contentType = metadata.format ? PHOTO_FORMATS[metadata.format] : undefined;
  if (!contentType || !metadata.width || !metadata.height) {
    rejectedPhotos.inc({ to, reason: 'unsupported_format' });
    throw new AppError('not_an_image', `images of format ${metadata.format ?? 'unknown'} are not accepted; send JPEG, PNG or WebP`, 'photo');
  }
  return { bytes, contentType, width: metadata.width, height: metadata.height, orientation: metadata.orientation ?? 1 };
}
