// Cameras in PostgreSQL. The RTSP password, and credentials some cameras take in the URL's query
// (`?user=…&password=…`), are encrypted with AES-GCM before they are stored; only `cameraStreamUrl`
// and `cameraDetectStreamUrl` (used by camera-ingest, never by an HTTP route) ever decrypt them. The
// detect stream URL is treated the same way: stored without credentials, those typed into it encrypted.
import type { Queryable } from '@cityops/core/database/pool';
import { CREDENTIAL_QUERY_PARAM } from '@cityops/core/logger';
import type { SecretBox } from '@cityops/core/secret-box';
import { notFound } from '@cityops/core/errors';
import { z } from 'zod';
import { privacyMaskSchema, type Point } from './analysis-config.ts';
import type { CameraInput, CameraView } from './schemas.ts';

const viewColumns = `id, name, name_en AS "nameEn", rtsp_url AS "rtspUrl", rtsp_username AS "username",
  rtsp_password_encrypted IS NOT NULL AS "hasPassword", rtsp_query_credential_names AS "queryCredentialNames",
  lat, lon, bearing, fov_degrees AS "fovDegrees", range_meters AS "rangeMeters", district_id AS "districtId",
  detect_stream_url AS "detectStreamUrl", detect_stream_credentials_encrypted IS NOT NULL AS "hasDetectStreamCredentials",
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

/** One `name=value` of a URL's query that carries a credential, as typed, and where it stood. */
export interface QueryCredential {
  /** Position among the query's `&`-separated parameters: some cameras read them in order. */
  index: number;
  /** The parameter exactly as it was in the URL (percent-encoding kept). */
  raw: string;
}

/**
 * Splits credential parameters (see CREDENTIAL_QUERY_PARAM: ?user=, ?password=, ?pwd=, ?token=…) out
 * of the query. The other parameters stay exactly as typed: cameras parse their queries in odd ways.
 */
export function splitQueryCredentials(url: string): { url: string; credentials: QueryCredential[] } {
  const parsed = new URL(url);
  if (parsed.search.length <= 1) return { url, credentials: [] };
  const kept: string[] = [];
  const credentials: QueryCredential[] = [];
  parsed.search
    .slice(1)
    .split('&')
    .forEach((raw, index) => (CREDENTIAL_QUERY_PARAM.test(parameterName(raw)) ? credentials.push({ index, raw }) : kept.push(raw)));
  if (!credentials.length) return { url, credentials };
  parsed.search = kept.length ? `?${kept.join('&')}` : '';
  return { url: parsed.toString(), credentials };
}

function parameterName(raw: string): string {
  const name = raw.split('=')[0];
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/** Puts split-out credential parameters back where they were. */
function attachQueryCredentials(url: URL, credentials: QueryCredential[]): void {
  const parameters = url.search.length > 1 ? url.search.slice(1).split('&') : [];
  for (const credential of [...credentials].sort((a, b) => a.index - b.index)) {
    parameters.splice(Math.min(credential.index, parameters.length), 0, credential.raw);
  }
  url.search = parameters.length ? `?${parameters.join('&')}` : '';
}

/** Credentials to store from a URL the engineer typed (user:pass@ and query parameters), and the URL without them. */
function splitCredentials(url: string): { url: string; username?: string; password?: string; queryCredentials: QueryCredential[] } {
  const userInfo = splitRtspCredentials(url);
  const query = splitQueryCredentials(userInfo.url);
  return { ...userInfo, url: query.url, queryCredentials: query.credentials };
}

function encryptQueryCredentials(secrets: SecretBox, credentials: QueryCredential[]): { encrypted: string | null; names: string[] } {
  if (!credentials.length) return { encrypted: null, names: [] };
  return { encrypted: secrets.encrypt(JSON.stringify(credentials)), names: credentials.map((credential) => parameterName(credential.raw)) };
}

/** The credentials typed into a detect stream URL, as stored (encrypted JSON), and the URL without them. */
function splitDetectStreamUrl(secrets: SecretBox, url: string): { url: string; encrypted: string | null } {
  const split = splitCredentials(url);
  const credentials: DetectStreamCredentials = { username: split.username, password: split.password, query: split.queryCredentials };
  const hasAny = Boolean(credentials.username || credentials.password || credentials.query.length);
  return { url: split.url, encrypted: hasAny ? secrets.encrypt(JSON.stringify(credentials)) : null };
}

interface DetectStreamCredentials {
  username?: string;
  password?: string;
  query: QueryCredential[];
}

export async function listCameras(db: Queryable, filter: { districtId?: string; enabled?: boolean } = {}): Promise<CameraView[]> {
  const result = await db.query(
    `SELECT ${viewColumns} FROM cameras
     WHERE ($1::text IS NULL OR district_id = $1) AND ($2::boolean IS NULL OR enabled = $2) ORDER BY id`,
    [filter.districtId ?? null, filter.enabled ?? null],
  );
  return result.rows;
}

/**
 * Enabled, placed cameras within `radiusMeters` of a point, by a bounding box (the exact cone and
 * distance test is contract/field-of-view.ts's, in memory, over these few rows).
 */
export async function listCamerasAround(db: Queryable, place: { lat: number; lon: number }, radiusMeters: number): Promise<CameraView[]> {
  const latitudeDegrees = radiusMeters / 111_320;
  const longitudeDegrees = radiusMeters / (111_320 * Math.max(0.01, Math.cos((place.lat * Math.PI) / 180)));
  const result = await db.query(
    `SELECT ${viewColumns} FROM cameras
     WHERE enabled AND lat BETWEEN $1 AND $2 AND lon BETWEEN $3 AND $4 ORDER BY id`,
    [place.lat - latitudeDegrees, place.lat + latitudeDegrees, place.lon - longitudeDegrees, place.lon + longitudeDegrees],
  );
  return result.rows;
}

export async function getCamera(db: Queryable, id: string): Promise<CameraView> {
  const result = await db.query(`SELECT ${viewColumns} FROM cameras WHERE id = $1`, [id]);
  if (!result.rowCount) throw notFound('camera', id);
  return result.rows[0];
}

export async function insertCamera(db: Queryable, secrets: SecretBox, input: CameraInput): Promise<CameraView> {
  const split = splitCredentials(input.rtspUrl);
  const username = input.username ?? split.username ?? null;
  const password = input.password ?? split.password;
  const query = encryptQueryCredentials(secrets, split.queryCredentials);
  const detect = input.detectStreamUrl ? splitDetectStreamUrl(secrets, input.detectStreamUrl) : undefined;
  const result = await db.query(
    `INSERT INTO cameras (id, name, rtsp_url, rtsp_username, rtsp_password_encrypted, rtsp_query_credentials_encrypted,
       rtsp_query_credential_names, lat, lon, bearing, district_id, detect_fps, enabled, analysis,
       detect_stream_url, detect_stream_credentials_encrypted, name_en, fov_degrees, range_meters)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING ${viewColumns}`,
    [
      input.id,
      input.name,
      split.url,
      username,
      password ? secrets.encrypt(password) : null,
      query.encrypted,
      query.names,
      input.lat ?? null,
      input.lon ?? null,
      input.bearing ?? null,
      input.districtId ?? null,
      input.detectFps,
      input.enabled,
      JSON.stringify(input.analysis),
      detect?.url ?? null,
      detect?.encrypted ?? null,
      input.nameEn ?? null,
      input.fovDegrees,
      input.rangeMeters,
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
  const setQueryCredentials = (query: { encrypted: string | null; names: string[] }) => {
    set('rtsp_query_credentials_encrypted', query.encrypted);
    set('rtsp_query_credential_names', query.names);
  };
  if (patch.rtspUrl !== undefined) {
    const split = splitCredentials(patch.rtspUrl);
    set('rtsp_url', split.url);
    if (split.username && patch.username === undefined) set('rtsp_username', split.username);
    if (split.password && patch.password === undefined) set('rtsp_password_encrypted', secrets.encrypt(split.password));
    // A URL without credential parameters keeps the stored ones, as for the password: the form saves
    // back the URL it was shown, which never has them.
    if (split.queryCredentials.length) setQueryCredentials(encryptQueryCredentials(secrets, split.queryCredentials));
  }
  if (patch.name !== undefined) set('name', patch.name);
  if (patch.nameEn !== undefined) set('name_en', patch.nameEn);
  if (patch.username !== undefined) set('rtsp_username', patch.username);
  // null clears the password; undefined keeps it (a form that never shows the password can save other fields)
  if (patch.password !== undefined) set('rtsp_password_encrypted', patch.password === null ? null : secrets.encrypt(patch.password));
  // "No password" means no credentials at all: the query ones go with it, and the detect stream's.
  if (patch.password === null && !sets.some((assignment) => assignment.startsWith('rtsp_query_'))) setQueryCredentials({ encrypted: null, names: [] });
  if (patch.detectStreamUrl === null) {
    set('detect_stream_url', null);
    set('detect_stream_credentials_encrypted', null);
  } else if (patch.detectStreamUrl !== undefined) {
    const detect = splitDetectStreamUrl(secrets, patch.detectStreamUrl);
    set('detect_stream_url', detect.url);
    // As for rtsp_url: the form saves back the URL it was shown, without credentials; keep the stored ones.
    if (detect.encrypted) set('detect_stream_credentials_encrypted', detect.encrypted);
  }
  if (patch.password === null && !sets.some((assignment) => assignment.startsWith('detect_stream_credentials_'))) set('detect_stream_credentials_encrypted', null);
  if (patch.lat !== undefined) set('lat', patch.lat);
  if (patch.lon !== undefined) set('lon', patch.lon);
  if (patch.bearing !== undefined) set('bearing', patch.bearing);
  if (patch.fovDegrees !== undefined) set('fov_degrees', patch.fovDegrees);
  if (patch.rangeMeters !== undefined) set('range_meters', patch.rangeMeters);
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
  if (!result.rowCount) throw notFound('camera', id);
}

/** A camera whose stored rtsp_url held credentials in clear, moved by moveCredentialsOutOfStoredUrls. */
export interface MovedCameraCredentials {
  id: string;
  /** Names of the query parameters moved (their values are the secret, not their names). */
  queryParameters: string[];
  /** A user name or password was in the URL's user:pass@ part. */
  userInfo: boolean;
}

/**
 * Cameras stored before their credentials were split out of rtsp_url (query parameters before
 * migration 0058) still hold them there in clear. Moves them out through the same split as new
 * writes, so that cameraStreamUrl gives ffmpeg the same URL as before. Credentials already stored win
 * over the URL's, as they did when the URL was put together; query ones already stored keep their
 * places. Locks the rows it reads: run it in a transaction, and two processes move each camera once.
 */
export async function moveCredentialsOutOfStoredUrls(db: Queryable, secrets: SecretBox): Promise<MovedCameraCredentials[]> {
  const result = await db.query(
    `SELECT id, rtsp_url, rtsp_username, rtsp_password_encrypted, rtsp_query_credentials_encrypted FROM cameras
     WHERE rtsp_url LIKE '%?%' OR rtsp_url LIKE '%@%' ORDER BY id FOR UPDATE`,
  );
  const moved: MovedCameraCredentials[] = [];
  for (const row of result.rows) {
    const split = splitCredentials(row.rtsp_url);
    const userInfo = Boolean(split.username || split.password);
    if (!userInfo && !split.queryCredentials.length) continue;
    let queryCredentials = split.queryCredentials;
    if (queryCredentials.length && row.rtsp_query_credentials_encrypted) {
      const whole = new URL(row.rtsp_url);
      attachQueryCredentials(whole, JSON.parse(secrets.decrypt(row.rtsp_query_credentials_encrypted)));
      queryCredentials = splitQueryCredentials(whole.toString()).credentials;
    }
    const query = queryCredentials.length
      ? encryptQueryCredentials(secrets, queryCredentials)
      : { encrypted: row.rtsp_query_credentials_encrypted, names: undefined };
    await db.query(
      `UPDATE cameras SET rtsp_url = $2, rtsp_username = COALESCE(rtsp_username, $3), rtsp_password_encrypted = COALESCE(rtsp_password_encrypted, $4),
         rtsp_query_credentials_encrypted = $5, rtsp_query_credential_names = COALESCE($6, rtsp_query_credential_names), updated_at = now()
       WHERE id = $1`,
      [row.id, split.url, split.username ?? null, split.password ? secrets.encrypt(split.password) : null, query.encrypted, query.names ?? null],
    );
    moved.push({ id: row.id, queryParameters: split.queryCredentials.map((credential) => parameterName(credential.raw)), userInfo });
  }
  return moved;
}

/** The URL ffmpeg connects to, with decrypted credentials. For camera-ingest only; never log or return it. */
export async function cameraStreamUrl(db: Queryable, secrets: SecretBox, id: string): Promise<string> {
  const result = await db.query(
    'SELECT rtsp_url, rtsp_username, rtsp_password_encrypted, rtsp_query_credentials_encrypted FROM cameras WHERE id = $1',
    [id],
  );
  if (!result.rowCount) throw notFound('camera', id);
  const row = result.rows[0];
  const url = new URL(row.rtsp_url);
  if (row.rtsp_username) url.username = encodeURIComponent(row.rtsp_username);
  if (row.rtsp_password_encrypted) url.password = encodeURIComponent(secrets.decrypt(row.rtsp_password_encrypted));
  if (row.rtsp_query_credentials_encrypted) attachQueryCredentials(url, JSON.parse(secrets.decrypt(row.rtsp_query_credentials_encrypted)));
  return url.toString();
}

/**
 * The detect stream URL ffmpeg connects to, with credentials, or undefined when the camera has none.
 * Credentials typed into it win; without them it gets the camera's own, but only when it names the
 * same host as the main stream: the camera's password must never go to another machine.
 * For camera-ingest only; never log or return it.
 */
export async function cameraDetectStreamUrl(db: Queryable, secrets: SecretBox, id: string): Promise<string | undefined> {
  const result = await db.query(
    'SELECT rtsp_url, detect_stream_url, detect_stream_credentials_encrypted FROM cameras WHERE id = $1',
    [id],
  );
  if (!result.rowCount) throw notFound('camera', id);
  const row = result.rows[0];
  if (!row.detect_stream_url) return undefined;
  const url = new URL(row.detect_stream_url);
  if (row.detect_stream_credentials_encrypted) {
    const credentials = JSON.parse(secrets.decrypt(row.detect_stream_credentials_encrypted)) as DetectStreamCredentials;
    if (credentials.username) url.username = encodeURIComponent(credentials.username);
    if (credentials.password) url.password = encodeURIComponent(credentials.password);
    if (credentials.query.length) attachQueryCredentials(url, credentials.query);
    return url.toString();
  }
  const main = new URL(await cameraStreamUrl(db, secrets, id));
  if (main.hostname.toLowerCase() !== url.hostname.toLowerCase()) return url.toString();
  url.username = main.username;
  url.password = main.password;
  const mainQuery = splitQueryCredentials(main.toString()).credentials;
  if (mainQuery.length) attachQueryCredentials(url, mainQuery);
  return url.toString();
}

export async function cameraExists(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM cameras WHERE id = $1', [id]);
  return Boolean(result.rowCount);
}

/** The camera's name, or undefined when there is no such camera. */
export async function cameraName(db: Queryable, id: string): Promise<string | undefined> {
  const result = await db.query<{ name: string }>('SELECT name FROM cameras WHERE id = $1', [id]);
  return result.rows[0]?.name;
}

/** What a camera pipeline starts with; `version` (updated_at in ms) tells later whether the row was edited since. */
export async function cameraPipelineSettings(
  db: Queryable,
  id: string,
): Promise<{ detectFps: number; detectInputSize?: number; privacyMasks: Point[][]; version: number } | undefined> {
  const result = await db.query(
    `SELECT detect_fps, (analysis->>'detectInputSize')::int AS detect_input_size, analysis->'privacyMasks' AS privacy_masks, updated_at FROM cameras WHERE id = $1`,
    [id],
  );
  if (!result.rowCount) return undefined;
  const row = result.rows[0];
  return {
    detectFps: Number(row.detect_fps),
    ...(row.detect_input_size !== null ? { detectInputSize: Number(row.detect_input_size) } : {}),
    privacyMasks: privacyMaskPolygons(row.privacy_masks),
    version: new Date(row.updated_at).getTime(),
  };
}

/**
 * The polygons of a stored `privacyMasks` list. Stored bodies passed the schema on save; a row written
 * by hand that does not parse masks the whole picture rather than showing what it was meant to hide.
 */
function privacyMaskPolygons(value: unknown): Point[][] {
  if (value === null || value === undefined) return [];
  const parsed = z.array(privacyMaskSchema).safeParse(value);
  return parsed.success ? parsed.data.map((mask) => mask.polygon) : [[[0, 0], [1, 0], [1, 1], [0, 1]]];
}

/** The current version (updated_at in ms) of each of these cameras that still exists. */
export async function cameraVersions(db: Queryable, ids: string[]): Promise<Map<string, number>> {
  const result = await db.query('SELECT id, updated_at FROM cameras WHERE id = ANY($1)', [ids]);
  return new Map(result.rows.map((row) => [row.id as string, new Date(row.updated_at).getTime()]));
}

/** Name and raw analysis configuration (zones, lines; parsed by the caller) of these cameras. */
export async function cameraAnalysisRows(db: Queryable, ids: string[]): Promise<{ id: string; name: string; nameEn: string | null; analysis: unknown }[]> {
  const result = await db.query<{ id: string; name: string; nameEn: string | null; analysis: unknown }>(
    `SELECT id, name, name_en AS "nameEn", analysis FROM cameras WHERE id = ANY($1::text[])`,
    [ids],
  );
  return result.rows;
}

/** The mean detect rate of the enabled cameras; null when there are none. */
export async function averageEnabledDetectFps(db: Queryable): Promise<number | null> {
  const result = await db.query<{ fps: number | null }>('SELECT avg(detect_fps)::float8 AS fps FROM cameras WHERE enabled');
  return result.rows[0].fps;
}

/** Whether a registered camera's stream URL names this host. */
export async function isRegisteredCameraHost(db: Queryable, hostname: string): Promise<boolean> {
  // rtsp_url is stored without credentials; the host is what follows the scheme, up to a port or path.
  const result = await db.query(
    `SELECT EXISTS (SELECT 1 FROM cameras WHERE lower(substring(rtsp_url from '^rtsps?://(\\[[^]]+\\]|[^:/?#]+)')) = lower($1)) AS registered`,
    [hostname],
  );
  return result.rows[0].registered === true;
}
