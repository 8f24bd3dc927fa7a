// Photos (tables `photos` and `supplement_photos`): the bytes live in PostgreSQL beside their
// SHA-256, so they are as durable as the quote that references them and need no second store to
// back up. A quote's own photos and its supplements' are kept and read by the same statements,
// each table with its owner (`PhotoPlace`).
import type { Tx, Pool } from '@smart-expertise/service-runtime';
import type { PhotoMimeType } from '../domain/photo-type.ts';
import type { NewPhoto } from '../domain/quote.ts';

type Db = Tx | Pool;

type PhotoTable = 'photos' | 'supplement_photos';

/** Where photos of one owner are kept. */
export interface PhotoPlace {
  table: PhotoTable;
  /** The owner's table; a photo's row is added only for an owner row there. */
  owner: 'quotes' | 'supplements';
  /** Each column the photo's row takes from its owner's row (`parent`). */
  fromOwner: Readonly<Record<string, string>>;
  /** The tables where the same bytes on another mission make the photo `seenOnOtherMission`. */
  seenIn: readonly PhotoTable[];
}

/** The quote's own photos; their bytes are compared with the quotes' photos only. */
export const QUOTE_PHOTOS: PhotoPlace = {
  table: 'photos',
  owner: 'quotes',
  fromOwner: { quote_id: 'parent.id', mission_id: 'parent.mission_id' },
  seenIn: ['photos'],
};

/**
 * A supplement's photos: each belongs to the supplement and to its quote (served by the quote's
 * photo route, ids unique across both tables); their bytes are compared with both tables.
 */
export const SUPPLEMENT_PHOTOS: PhotoPlace = {
  table: 'supplement_photos',
  owner: 'supplements',
  fromOwner: { supplement_id: 'parent.id', quote_id: 'parent.quote_id', mission_id: 'parent.mission_id' },
  seenIn: ['photos', 'supplement_photos'],
};

export interface PhotoRecord {
  id: string;
  quoteId: string;
  missionId: string;
  sha256: string;
  contentType: PhotoMimeType;
  sizeBytes: number;
  fileName: string | null;
  /** The same bytes are attached to a quote of another mission (now, not only at upload). */
  seenOnOtherMission: boolean;
  uploadedAt: Date;
}

export interface PhotoRow {
  id: string;
  quote_id: string;
  mission_id: string;
  sha256: string;
  content_type: PhotoMimeType;
  size_bytes: number;
  file_name: string | null;
  seen_on_other_mission: boolean;
  uploaded_at: Date;
}

export function toPhoto(row: PhotoRow): PhotoRecord {
  return {
    id: row.id,
    quoteId: row.quote_id,
    missionId: row.mission_id,
    sha256: row.sha256,
    contentType: row.content_type,
    sizeBytes: row.size_bytes,
    fileName: row.file_name,
    seenOnOtherMission: row.seen_on_other_mission,
    uploadedAt: row.uploaded_at,
  };
}

/** SQL: the bytes `sha256` are kept in one of `tables` for a mission other than `missionId`. */
function seenElsewhere(tables: readonly PhotoTable[], sha256: string, missionId: string): string {
  return tables.map((table) => `EXISTS (SELECT 1 FROM ${table} other WHERE other.sha256 = ${sha256} AND other.mission_id <> ${missionId})`).join(' OR ');
}

/** The statement reading the photos in `place` whose `column` is $1, oldest first. */
export function selectPhotos(place: PhotoPlace, column: string): string {
  const owners = Object.keys(place.fromOwner).map((c) => `p.${c}`);
  return `SELECT p.id, ${owners.join(', ')}, p.sha256, p.content_type, p.size_bytes, p.file_name, p.uploaded_at,
            (p.seen_on_other_mission OR ${seenElsewhere(place.seenIn, 'p.sha256', 'p.mission_id')}) AS seen_on_other_mission
     FROM ${place.table} p WHERE p.${column} = $1 ORDER BY p.uploaded_at, p.id`;
}

export async function listPhotos(db: Db, quoteId: string): Promise<PhotoRecord[]> {
  const { rows } = await db.query<PhotoRow>({ name: 'photos-of-quote', text: selectPhotos(QUOTE_PHOTOS, 'quote_id'), values: [quoteId] });
  return rows.map(toPhoto);
}

/** Stores photos in `place` for the owner `ownerId`; each takes its quote and mission from the owner. */
export async function insertPhotos(tx: Tx, place: PhotoPlace, ownerId: string, photos: readonly NewPhoto[], at: Date): Promise<void> {
  const columns = Object.keys(place.fromOwner);
  const fromOwner = Object.values(place.fromOwner);
  for (const photo of photos) {
    await tx.query(
      `INSERT INTO ${place.table} (id, ${columns.join(', ')}, sha256, content_type, size_bytes, file_name, seen_on_other_mission, bytes, uploaded_at)
       SELECT $1, ${fromOwner.join(', ')}, $3, $4, $5, $6, ${seenElsewhere(place.seenIn, '$3', 'parent.mission_id')}, $7, $8
       FROM ${place.owner} parent WHERE parent.id = $2`,
      [photo.id, ownerId, photo.sha256, photo.contentType, photo.bytes.length, photo.fileName, Buffer.from(photo.bytes.buffer, photo.bytes.byteOffset, photo.bytes.byteLength), at],
    );
  }
}

export async function findPhotoBytes(db: Db, quoteId: string, photoId: string): Promise<{ contentType: string; sha256: string; bytes: Buffer } | null> {
  // A supplement's photos are the quote's too, served by the same route (photo ids are unique across both).
  const { rows } = await db.query<{ content_type: string; sha256: string; bytes: Buffer }>(
    `SELECT content_type, sha256, bytes FROM photos WHERE id = $1 AND quote_id = $2
     UNION ALL SELECT content_type, sha256, bytes FROM supplement_photos WHERE id = $1 AND quote_id = $2`,
    [photoId, quoteId],
  );
  const row = rows[0];
  return row ? { contentType: row.content_type, sha256: row.sha256, bytes: row.bytes } : null;
}
