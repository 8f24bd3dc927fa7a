/**
 * The type of an uploaded photo, read from its bytes (api.md: "type checked from the bytes").
 * A file's name and its declared Content-Type are the client's word; the magic number is not, so
 * a text file renamed `.jpg` is refused here.
 *
 * `file-type/core` is the same detector as `file-type` without the Node file-system and stream
 * helpers, which keeps this module free of I/O.
 */
import { fileTypeFromBuffer } from 'file-type/core';

export type PhotoMimeType = 'image/jpeg' | 'image/png' | 'image/heic';
export const ACCEPTED_PHOTO_TYPES: readonly PhotoMimeType[] = ['image/jpeg', 'image/png', 'image/heic'];

/**
 * `image/heif` (major brand `mif1`) is what many phones write for a still HEIC photo, so it is
 * reported as `image/heic`: one type for the garage and the expert to handle. Image sequences
 * (`heic-sequence`, `heif-sequence`) are not photos and are refused.
 */
export async function detectImageType(bytes: Uint8Array): Promise<PhotoMimeType | null> {
  const detected = await fileTypeFromBuffer(bytes);
  switch (detected?.mime) {
    case 'image/jpeg':
      return 'image/jpeg';
    case 'image/png':
      return 'image/png';
    case 'image/heic':
    case 'image/heif':
      return 'image/heic';
    default:
      return null;
  }
}
