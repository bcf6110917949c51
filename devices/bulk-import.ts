// Bulk registration from CSV or GeoJSON. All or nothing: every row is validated first; if any row is
// wrong, the answer lists every bad row (1-based data row number, field, reason) and nothing is
// imported. Otherwise all rows are written in one transaction, each with its audit entry.
import { parse } from 'csv-parse/sync';
import type { Database } from '@cityops/core/database/pool';
import { withTransaction } from '@cityops/core/database/pool';
import { recordAudit, type Actor } from '@cityops/core/audit';
import { AppError, issueReason, type RefusalReason } from '@cityops/core/errors';
import type { ImportRowReason } from '@cityops/contract/server-codes';
import type { SecretBox } from '@cityops/core/secret-box';
import { cameraInput, sensorInput, type CameraInput, type SensorInput } from './schemas.ts';
import { insertCamera, updateCamera } from './camera-repository.ts';
import { insertSensor, updateSensor } from './sensor-repository.ts';

/** A bad row: a schema issue's reason, or one of the import's own (contract/server-codes.ts lists both for the web). */
export interface ImportRowError {
  row: number;
  id?: string;
  field: string;
  message: string;
  reason: RefusalReason['reason'] | ImportRowReason;
  params?: RefusalReason['params'];
}

export interface ImportResult {
  cameras: number;
  sensors: number;
  updated: number;
}

/** Every bad row of a file at once (the answer lists them all), so the file can be fixed in one go. */
export class ImportRejected extends AppError {
  constructor(readonly errors: ImportRowError[]) {
    super('import_rejected', `import rejected: ${errors.length} row error(s); nothing was imported`);
  }
}

type Row = Record<string, unknown>;
/** A valid row; `given` names the fields its cells set (the rest are the schema's defaults). */
type Parsed = { row: number; given: Set<string> } & ({ type: 'camera'; input: CameraInput } | { type: 'sensor'; input: SensorInput });

const numeric = new Set(['lat', 'lon', 'bearing', 'fovDegrees', 'rangeMeters', 'detectFps', 'level1', 'level2', 'level3', 'hysteresis', 'expectedIntervalSeconds']);
const csvAliases: Record<string, string> = {
  rtsp_url: 'rtspUrl',
  detect_stream_url: 'detectStreamUrl',
  district: 'districtId',
  district_id: 'districtId',
  detect_fps: 'detectFps',
  expected_interval_s: 'expectedIntervalSeconds',
  expected_interval_seconds: 'expectedIntervalSeconds',
  mqtt_username: 'mqttUsername',
  mqtt_password: 'mqttPassword',
  name_en: 'nameEn',
  fov_degrees: 'fovDegrees',
  range_meters: 'rangeMeters',
  latitude: 'lat',
  longitude: 'lon',
};

/** CSV with a header row and a `type` column (camera or sensor); empty cells mean "not set". */
export function rowsFromCsv(text: string): Row[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: false }) as Record<string, string>[];
  return records.map((record) => {
    const row: Row = {};
    for (const [header, cell] of Object.entries(record)) {
      const key = csvAliases[header.trim().toLowerCase()] ?? header.trim();
      if (cell === '') continue;
      if (numeric.has(key)) row[key] = Number(cell);
      else if (key === 'enabled') row[key] = !/^(false|0|no)$/i.test(cell);
      else if (key === 'analysis' || key === 'rules') row[key] = safeJson(cell);
      else row[key] = cell;
    }
    return row;
  });
}

/** GeoJSON FeatureCollection of Point features; properties as in the CSV, coordinates give lon/lat. */
export function rowsFromGeoJson(document: unknown): Row[] {
  const collection = document as { type?: string; features?: unknown[] };
  if (collection?.type !== 'FeatureCollection' || !Array.isArray(collection.features)) {
    throw new ImportRejected([{ row: 0, field: 'type', message: 'expected a GeoJSON FeatureCollection', reason: 'not_feature_collection' }]);
  }
  return collection.features.map((feature) => {
    const { properties, geometry } = feature as { properties?: Row; geometry?: { type?: string; coordinates?: number[] } };
    const row: Row = { ...(properties ?? {}) };
    for (const [alias, key] of Object.entries(csvAliases)) {
      if (alias in row) {
        row[key] = row[alias];
        delete row[alias];
      }
    }
    if (geometry?.type === 'Point' && Array.isArray(geometry.coordinates)) {
      row.lon = geometry.coordinates[0];
      row.lat = geometry.coordinates[1];
    }
    return row;
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // left as text so validation reports the field
  }
}

// One file's bounds: each camera's zones are checked for self-intersection (quadratic in a zone's points,
// bounded per camera by MAX_TOTAL_ZONE_POINTS), so the file as a whole gets a budget too.
export const MAX_IMPORT_ROWS = 10_000;
export const MAX_IMPORT_ZONE_POINTS = 20_000;

function zonePointsOf(row: Row): number {
  const zones = (row.analysis as { zones?: unknown } | undefined)?.zones;
  if (!Array.isArray(zones)) return 0;
  let points = 0;
  for (const zone of zones) {
    const polygon = (zone as { polygon?: unknown } | null)?.polygon;
    if (Array.isArray(polygon)) points += polygon.length;
  }
  return points;
}

export function validateRows(rows: Row[]): { parsed: Parsed[]; errors: ImportRowError[] } {
  const parsed: Parsed[] = [];
  const errors: ImportRowError[] = [];
  if (rows.length > MAX_IMPORT_ROWS) {
    return { parsed, errors: [{ row: 0, field: '(file)', message: `a file has at most ${MAX_IMPORT_ROWS} rows (${rows.length} given); split it`, reason: 'too_many_rows', params: { maximum: MAX_IMPORT_ROWS, given: rows.length } }] };
  }
  const zonePoints = rows.reduce((sum, row) => sum + zonePointsOf(row), 0);
  if (zonePoints > MAX_IMPORT_ZONE_POINTS) {
    return {
      parsed,
      errors: [{ row: 0, field: 'analysis', message: `a file has at most ${MAX_IMPORT_ZONE_POINTS} zone points in total (${zonePoints} given); split it`, reason: 'too_many_zone_points', params: { maximum: MAX_IMPORT_ZONE_POINTS, given: zonePoints } }],
    };
  }
  const seen = new Map<string, number>();
  rows.forEach((raw, index) => {
    const row = index + 1;
    const { type, ...fields } = raw;
    const id = typeof fields.id === 'string' ? fields.id : undefined;
    if (type !== 'camera' && type !== 'sensor') {
      errors.push({ row, id, field: 'type', message: 'must be "camera" or "sensor"', reason: 'unknown_type' });
      return;
    }
    const key = `${type}:${id}`;
    if (id && seen.has(key)) {
      errors.push({ row, id, field: 'id', message: `duplicate of row ${seen.get(key)} in this file`, reason: 'duplicate_in_file', params: { row: seen.get(key)! } });
      return;
    }
    if (id) seen.set(key, row);
    const result = type === 'camera' ? cameraInput.safeParse(fields) : sensorInput.safeParse(fields);
    if (!result.success) {
      for (const issue of result.error.issues) {
        errors.push({ row, id, field: issue.path.join('.') || '(row)', message: issue.message, ...issueReason(issue as unknown as { code: string } & Record<string, unknown>) });
      }
      return;
    }
    parsed.push({ row, given: new Set(Object.keys(fields)), type, input: result.data } as Parsed);
  });
  return { parsed, errors };
}

export async function importDevices(
  db: Database,
  secrets: SecretBox,
  actor: Actor,
  rows: Row[],
  onExisting: 'fail' | 'update' = 'fail',
): Promise<ImportResult> {
  const { parsed, errors } = validateRows(rows);
  if (errors.length) throw new ImportRejected(errors);
  if (!parsed.length) throw new ImportRejected([{ row: 0, field: '(file)', message: 'no rows to import', reason: 'no_rows' }]);

  return withTransaction(db, async (tx) => {
    const existing = new Set(
      (
        await tx.query<{ key: string }>(
          `SELECT 'camera:' || id AS key FROM cameras WHERE id = ANY($1) UNION ALL SELECT 'sensor:' || id FROM sensors WHERE id = ANY($2)`,
          [parsed.filter((p) => p.type === 'camera').map((p) => p.input.id), parsed.filter((p) => p.type === 'sensor').map((p) => p.input.id)],
        )
      ).rows.map((r) => r.key),
    );
    if (onExisting === 'fail') {
      const clashes = parsed.filter((p) => existing.has(`${p.type}:${p.input.id}`));
      if (clashes.length) {
        throw new ImportRejected(
          clashes.map((p) => ({ row: p.row, id: p.input.id, field: 'id', message: `${p.type} ${p.input.id} already exists`, reason: 'already_exists', params: { type: p.type, id: p.input.id } })),
        );
      }
    }
    const result: ImportResult = { cameras: 0, sensors: 0, updated: 0 };
    for (const item of parsed) {
      const isUpdate = existing.has(`${item.type}:${item.input.id}`);
      const { id, ...parsedFields } = item.input;
      // An update changes what the row's cells say and nothing else: a column left out or empty keeps
      // the stored value, not the schema's default (a re-imported list would otherwise turn every
      // camera's analysis rate back to 2 fps and re-enable the ones switched off).
      const patch = isUpdate ? Object.fromEntries(Object.entries(parsedFields).filter(([key]) => item.given.has(key))) : parsedFields;
      if (item.type === 'camera') {
        if (isUpdate) await updateCamera(tx, secrets, id, patch as Partial<CameraInput>);
        else await insertCamera(tx, secrets, item.input as CameraInput);
        result.cameras++;
      } else {
        if (isUpdate) await updateSensor(tx, secrets, id, patch as Partial<SensorInput>);
        else await insertSensor(tx, secrets, item.input as SensorInput);
        result.sensors++;
      }
      if (isUpdate) result.updated++;
      await recordAudit(tx, actor, {
        action: isUpdate ? 'update' : 'create',
        entityType: item.type,
        entityId: id,
        details: { via: 'bulk_import', row: item.row },
      });
    }
    return result;
  });
}
