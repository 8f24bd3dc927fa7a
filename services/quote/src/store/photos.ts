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
  const { rows } = await db.query<PhotoRow>(`SELECT ${COLUMNS} FROM photos p WHERE p.quote_id = $1 ORDER BY p.uploaded_at, p.id`, [quoteId]);
  return rows.map(toPhoto);
}

export async function countPhotos(db: Db, quoteId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM photos WHERE quote_id = $1', [quoteId]);
  return rows[0]?.n ?? 0;
}

export async function findPhotoBySha(db: Db, quoteId: string, sha256: string): Promise<PhotoRecord | null> {
  const { rows } = await db.query<PhotoRow>(`SELECT ${COLUMNS} FROM photos p WHERE p.quote_id = $1 AND p.sha256 = $2`, [quoteId, sha256]);
  return rows[0] ? toPhoto(rows[0]) : null;
}

export async function insertPhoto(
  tx: Tx,
  photo: { id: string; quoteId: string; missionId: string; sha256: string; contentType: PhotoMimeType; fileName: string | null; bytes: Buffer; now: Date },
): Promise<PhotoRecord> {
  const { rows } = await tx.query<PhotoRow>(
    `INSERT INTO photos (id, quote_id, mission_id, sha256, content_type, size_bytes, file_name, seen_on_other_mission, bytes, uploaded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7,
             EXISTS (SELECT 1 FROM photos o WHERE o.sha256 = $4 AND o.mission_id <> $3), $8, $9)
     RETURNING id, quote_id, mission_id, sha256, content_type, size_bytes, file_name, seen_on_other_mission, uploaded_at`,
    [photo.id, photo.quoteId, photo.missionId, photo.sha256, photo.contentType, photo.bytes.length, photo.fileName, photo.bytes, photo.now],
  );
  return toPhoto(rows[0]!);
}

export async function findPhotoBytes(db: Db, quoteId: string, photoId: string): Promise<{ contentType: string; sha256: string; bytes: Buffer } | null> {
  const { rows } = await db.query<{ content_type: string; sha256: string; bytes: Buffer }>(
    'SELECT content_type, sha256, bytes FROM photos WHERE id = $1 AND quote_id = $2',
    [photoId, quoteId],
  );
  const row = rows[0];
  return row ? { contentType: row.content_type, sha256: row.sha256, bytes: row.bytes } : null;
}
