import { describe, expect, it } from 'vitest';
import { detectImageType } from './photo-type.ts';

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));
const uint32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

// JPEG: SOI marker then a JFIF APP0 segment.
const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...ascii('JFIF'), 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);

// PNG: signature then an IHDR chunk for a 1×1 RGBA image.
const png = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
  ...uint32(13), ...ascii('IHDR'), ...uint32(1), ...uint32(1), 0x08, 0x06, 0x00, 0x00, 0x00,
  0x1f, 0x15, 0xc4, 0x89,
]);

/** An ISO-BMFF `ftyp` box with the given major brand and compatible brands. */
function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const body = [...ascii(major), ...uint32(0), ...compatible.flatMap(ascii)];
  return Uint8Array.from([...uint32(8 + body.length), ...ascii('ftyp'), ...body]);
}

describe('detectImageType', () => {
  it('recognises a JPEG from its magic number', async () => {
    expect(await detectImageType(jpeg)).toBe('image/jpeg');
  });

  it('recognises a PNG from its signature and IHDR chunk', async () => {
    expect(await detectImageType(png)).toBe('image/png');
  });

  it('recognises a HEIC photo from its ftyp box', async () => {
    expect(await detectImageType(ftyp('heic', 'mif1', 'heic'))).toBe('image/heic');
  });

  it('treats a HEIF still image (mif1 brand) as HEIC', async () => {
    expect(await detectImageType(ftyp('mif1', 'mif1', 'heic'))).toBe('image/heic');
  });

  it('refuses a HEIC image sequence', async () => {
    expect(await detectImageType(ftyp('hevc', 'msf1', 'hevc'))).toBeNull();
  });

  it('refuses a text file whatever its name', async () => {
    const text = new TextEncoder().encode('This is not a photo of a damaged bumper.\n');
    expect(await detectImageType(text)).toBeNull();
  });

  it('refuses other image types', async () => {
    const gif = Uint8Array.from([...ascii('GIF89a'), 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00]);
    expect(await detectImageType(gif)).toBeNull();
  });

  it('refuses an empty upload', async () => {
    expect(await detectImageType(new Uint8Array(0))).toBeNull();
  });
});
