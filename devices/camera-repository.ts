// Cameras in PostgreSQL. The RTSP password is encrypted with AES-GCM before it is stored and only
// `cameraStreamUrl` (used by camera-ingest, never by an HTTP route) ever decrypts it.
import type { Queryable } from '@cityops/core/database/pool';
import type { SecretBox } from '@cityops/core/secret-box';
import { notFound } from '@cityops/core/errors';
import type { CameraInput, CameraView } from './schemas.ts';

const viewColumns = `id, name, rtsp_url AS "rtspUrl", rtsp_username AS "username",
  rtsp_password_encrypted IS NOT NULL AS "hasPassword", lat, lon, bearing, district_id AS "districtId",
  detect_fps AS "detectFps", enabled, analysis, created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Splits credentials typed into the URL (rtsp://user:pass@host/...) out of it, so they are never stored in clear. */
export function splitRtspCredentials(url: string): { url: string; username?: string; password?: string } {
  const parsed = new URL(url);
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), username, password };
}

export async function listCameras(db: Queryable, filter: { districtId?: string; enabled?: boolean } = {}): Promise<CameraView[]> {
  const result = await db.query(
    `SELECT ${viewColumns} FROM cameras
     WHERE ($1::text IS NULL OR district_id = $1) AND ($2::boolean IS NULL OR enabled = $2) ORDER BY id`,
    [filter.districtId ?? null, filter.enabled ?? null],
  );
  return result.rows;
}

export async function getCamera(db: Queryable, id: string): Promise<CameraView> {
  const result = await db.query(`SELECT ${viewColumns} FROM cameras WHERE id = $1`, [id]);
  if (!result.rowCount) throw notFound(`camera ${id}`);
  return result.rows[0];
}

export async function insertCamera(db: Queryable, secrets: SecretBox, input: CameraInput): Promise<CameraView> {
  const split = splitRtspCredentials(input.rtspUrl);
  const username = input.username ?? split.username ?? null;
  const password = input.password ?? split.password;
  const result = await db.query(
    `INSERT INTO cameras (id, name, rtsp_url, rtsp_username, rtsp_password_encrypted, lat, lon, bearing, district_id,
       detect_fps, enabled, analysis)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${viewColumns}`,
    [
      input.id,
      input.name,
      split.url,
      username,
      password ? secrets.encrypt(password) : null,
      input.lat ?? null,
      input.lon ?? null,
      input.bearing ?? null,
      input.districtId ?? null,
      input.detectFps,
      input.enabled,
      JSON.stringify(input.analysis),
    ],
  );
  return result.rows[0];
}

export async function updateCamera(
  db: Queryable,
  secrets: SecretBox,
  id: string,
  patch: Partial<Omit<CameraInput, 'id'>>,
): Promise<CameraView> {
  const current = await getCamera(db, id);
  const sets: string[] = [];
  const values: unknown[] = [id];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (patch.rtspUrl !== undefined) {
    const split = splitRtspCredentials(patch.rtspUrl);
    set('rtsp_url', split.url);
    if (split.username && patch.username === undefined) set('rtsp_username', split.username);
    if (split.password && patch.password === undefined) set('rtsp_password_encrypted', secrets.encrypt(split.password));
  }
  if (patch.name !== undefined) set('name', patch.name);
  if (patch.username !== undefined) set('rtsp_username', patch.username);
  // null clears the password; undefined keeps it (a form that never shows the password can save other fields)
  if (patch.password !== undefined) set('rtsp_password_encrypted', patch.password === null ? null : secrets.encrypt(patch.password));
  if (patch.lat !== undefined) set('lat', patch.lat);
  if (patch.lon !== undefined) set('lon', patch.lon);
  if (patch.bearing !== undefined) set('bearing', patch.bearing);
  if (patch.districtId !== undefined) set('district_id', patch.districtId);
  if (patch.detectFps !== undefined) set('detect_fps', patch.detectFps);
  if (patch.enabled !== undefined) set('enabled', patch.enabled);
  if (patch.analysis !== undefined) set('analysis', JSON.stringify(patch.analysis));
  if (!sets.length) return current;
  const result = await db.query(
    `UPDATE cameras SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING ${viewColumns}`,
    values,
  );
  return result.rows[0];
}

export async function deleteCamera(db: Queryable, id: string): Promise<void> {
  const result = await db.query('DELETE FROM cameras WHERE id = $1', [id]);
  if (!result.rowCount) throw notFound(`camera ${id}`);
}

/** The URL ffmpeg connects to, with decrypted credentials. For camera-ingest only; never log or return it. */
export async function cameraStreamUrl(db: Queryable, secrets: SecretBox, id: string): Promise<string> {
  const result = await db.query(
    'SELECT rtsp_url, rtsp_username, rtsp_password_encrypted FROM cameras WHERE id = $1',
    [id],
  );
  if (!result.rowCount) throw notFound(`camera ${id}`);
  const row = result.rows[0];
  const url = new URL(row.rtsp_url);
  if (row.rtsp_username) url.username = encodeURIComponent(row.rtsp_username);
  if (row.rtsp_password_encrypted) url.password = encodeURIComponent(secrets.decrypt(row.rtsp_password_encrypted));
  return url.toString();
}
