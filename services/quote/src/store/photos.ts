// Photos (table `photos`): the bytes live in PostgreSQL beside their SHA-256, so they are as
// durable as the quote that references them and need no second store to back up.
import type { Tx, Pool } from '@smart-expertise/service-runtime';
import type { PhotoMimeType } from '../domain/photo-type.ts';

type Db = Tx | Pool;

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

const COLUMNS = `p.id, p.quote_id, p.mission_id, p.sha256, p.content_type, p.size_bytes, p.file_name, p.uploaded_at,
  (p.seen_on_other_mission OR EXISTS (SELECT 1 FROM photos o WHERE o.sha256 = p.sha256 AND o.mission_id <> p.mission_id)) AS seen_on_other_mission`;

interface PhotoRow {
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

function toPhoto(row: PhotoRow): PhotoRecord {
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

export async function listPhotos(db: Db, quoteId: string): Promise<PhotoRecord[]> {
  const { rows } = await db.query<PhotoRow>({ name: 'photos-of-quote', text: `SELECT ${COLUMNS} FROM photos p WHERE p.quote_id = $1 ORDER BY p.uploaded_at, p.id`, values: [quoteId] });
  return rows.map(toPhoto);
}

/** Stores a photo of a quote; its mission is the quote's. */
export async function insertPhoto(
  tx: Tx,
  photo: { id: string; quoteId: string; sha256: string; contentType: PhotoMimeType; fileName: string | null; bytes: Uint8Array; now: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO photos (id, quote_id, mission_id, sha256, content_type, size_bytes, file_name, seen_on_other_mission, bytes, uploaded_at)
     SELECT $1, q.id, q.mission_id, $3, $4, $5, $6,
            EXISTS (SELECT 1 FROM photos o WHERE o.sha256 = $3 AND o.mission_id <> q.mission_id), $7, $8
     FROM quotes q WHERE q.id = $2`,
    [photo.id, photo.quoteId, photo.sha256, photo.contentType, photo.bytes.length, photo.fileName, Buffer.from(photo.bytes.buffer, photo.bytes.byteOffset, photo.bytes.byteLength), photo.now],
  );
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
