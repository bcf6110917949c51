// REST routes of the device registry: districts, cameras, sensors, bulk import.
// Engineers and admins write; command-room roles read. Every write is audited in its transaction.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { CAN_ENGINEER, CAN_VIEW } from '@cityops/contract/roles';
import { withTransaction } from '@cityops/core/database/pool';
import { AppError } from '@cityops/core/errors';
import type { RouteContext } from '@cityops/core/http/route-context';
import {
  cameraInput,
  cameraPatch,
  cameraView,
  districtId,
  districtInput,
  deviceId,
  MAX_CAMERA_RANGE_METERS,
  placeCameraView,
  SENSOR_KINDS,
  sensorInput,
  sensorPatch,
  sensorView,
} from './schemas.ts';
import { deleteCamera, getCamera, insertCamera, listCameras, listCamerasAround, updateCamera } from './camera-repository.ts';
import { camerasForPlace, DEFAULT_CAMERAS_FOR_PLACE } from '@cityops/contract/field-of-view';
import { deleteSensor, getSensor, insertSensor, listSensors, updateSensor } from './sensor-repository.ts';
import { deleteDistrict, listDistricts, upsertDistrict } from './district-repository.ts';
import { ImportRejected, importDevices, rowsFromCsv, rowsFromGeoJson } from './bulk-import.ts';
import { announceBulkDeviceChange, announceDeviceChange } from './change-notices.ts';

const idParams = z.object({ id: deviceId });
const ok = z.object({ ok: z.boolean() });

export const deviceRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db, secretBox } = context;

  // ---- districts ----
  app.get(
    '/api/districts',
    {
      config: { roles: CAN_VIEW },
      schema: { tags: ['devices'], querystring: z.object({ geometry: z.coerce.boolean().default(false) }) },
    },
    async (request) => ({ districts: await listDistricts(db, request.query.geometry) }),
  );

  app.put(
    '/api/districts/:id',
    { config: { roles: CAN_ENGINEER }, schema: { tags: ['devices'], params: z.object({ id: districtId }), body: districtInput.omit({ id: true }) } },
    async (request) =>
      withTransaction(db, async (tx) => {
        const district = await upsertDistrict(tx, { id: request.params.id, name: request.body.name, nameEn: request.body.nameEn ?? null, geometry: request.body.geometry ?? null });
        await recordAudit(tx, request.actor, { action: 'upsert', entityType: 'district', entityId: district.id });
        await announceDeviceChange(tx, { type: 'district', id: district.id, change: 'updated' });
        return { district };
      }),
  );

  app.delete(
    '/api/districts/:id',
    { config: { roles: CAN_ENGINEER }, schema: { tags: ['devices'], params: z.object({ id: districtId }), response: { 200: ok } } },
    async (request) =>
      withTransaction(db, async (tx) => {
        await deleteDistrict(tx, request.params.id);
        await recordAudit(tx, request.actor, { action: 'delete', entityType: 'district', entityId: request.params.id });
        return { ok: true };
      }),
  );

  // ---- cameras ----
  app.get(
    '/api/cameras',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['devices'],
        summary: 'Registered cameras (credentials are never returned)',
        querystring: z.object({ districtId: z.string().optional(), enabled: z.coerce.boolean().optional() }),
        response: { 200: z.object({ cameras: z.array(cameraView) }) },
      },
    },
    async (request) => ({ cameras: await listCameras(db, request.query) }),
  );

  app.get(
    '/api/cameras/for-place',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['devices'],
        summary: 'The cameras that see a place (inside their field of view) first, then the nearest ones',
        querystring: z.object({ lat: z.coerce.number().min(-90).max(90), lon: z.coerce.number().min(-180).max(180) }),
        response: { 200: z.object({ cameras: z.array(placeCameraView) }) },
      },
    },
    async (request) => {
      const place = request.query;
      const around = await listCamerasAround(db, place, Math.max(MAX_CAMERA_RANGE_METERS, DEFAULT_CAMERAS_FOR_PLACE.nearRadiusMeters));
      return {
        cameras: camerasForPlace(around, place).map(({ camera, sees, distanceMeters }) => ({
          id: camera.id,
          name: camera.name,
          nameEn: camera.nameEn,
          sees,
          distanceMeters: Math.round(distanceMeters),
        })),
      };
    },
  );

  app.get(
    '/api/cameras/:id',
    { config: { roles: CAN_VIEW }, schema: { tags: ['devices'], params: idParams, response: { 200: z.object({ camera: cameraView }) } } },
    async (request) => ({ camera: await getCamera(db, request.params.id) }),
  );

  app.post(
    '/api/cameras',
    {
      config: { roles: CAN_ENGINEER },
      schema: { tags: ['devices'], summary: 'Register a camera', body: cameraInput, response: { 201: z.object({ camera: cameraView }) } },
    },
    async (request, reply) => {
      const camera = await withTransaction(db, async (tx) => {
        const created = await insertCamera(tx, secretBox, request.body);
        await recordAudit(tx, request.actor, { action: 'create', entityType: 'camera', entityId: created.id, details: { name: created.name } });
        await announceDeviceChange(tx, { type: 'camera', id: created.id, change: 'created' });
        return created;
      });
      return reply.code(201).send({ camera });
    },
  );

  app.patch(
    '/api/cameras/:id',
    {
      config: { roles: CAN_ENGINEER },
      schema: { tags: ['devices'], params: idParams, body: cameraPatch, response: { 200: z.object({ camera: cameraView }) } },
    },
    async (request) =>
      withTransaction(db, async (tx) => {
        const camera = await updateCamera(tx, secretBox, request.params.id, request.body);
        // Field names only: values may include a password.
        await recordAudit(tx, request.actor, { action: 'update', entityType: 'camera', entityId: camera.id, details: { fields: Object.keys(request.body) } });
        await announceDeviceChange(tx, { type: 'camera', id: camera.id, change: 'updated' });
        return { camera };
      }),
  );

  app.delete(
    '/api/cameras/:id',
    { config: { roles: CAN_ENGINEER }, schema: { tags: ['devices'], params: idParams, response: { 200: ok } } },
    async (request) =>
      withTransaction(db, async (tx) => {
        await deleteCamera(tx, request.params.id);
        await recordAudit(tx, request.actor, { action: 'delete', entityType: 'camera', entityId: request.params.id });
        await announceDeviceChange(tx, { type: 'camera', id: request.params.id, change: 'deleted' });
        return { ok: true };
      }),
  );

  // ---- sensors ----
  app.get(
    '/api/sensors',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['devices'],
        summary: 'Registered sensors (device credentials are never returned)',
        querystring: z.object({ districtId: z.string().optional(), kind: z.enum(SENSOR_KINDS).optional() }),
        response: { 200: z.object({ sensors: z.array(sensorView) }) },
      },
    },
    async (request) => ({ sensors: await listSensors(db, request.query) }),
  );

  app.get(
    '/api/sensors/:id',
    { config: { roles: CAN_VIEW }, schema: { tags: ['devices'], params: idParams, response: { 200: z.object({ sensor: sensorView }) } } },
    async (request) => ({ sensor: await getSensor(db, request.params.id) }),
  );

  app.post(
    '/api/sensors',
    {
      config: { roles: CAN_ENGINEER },
      schema: { tags: ['devices'], summary: 'Register a sensor', body: sensorInput, response: { 201: z.object({ sensor: sensorView }) } },
    },
    async (request, reply) => {
      const sensor = await withTransaction(db, async (tx) => {
        const created = await insertSensor(tx, secretBox, request.body);
        await recordAudit(tx, request.actor, { action: 'create', entityType: 'sensor', entityId: created.id, details: { kind: created.kind } });
        await announceDeviceChange(tx, { type: 'sensor', id: created.id, change: 'created' });
        return created;
      });
      return reply.code(201).send({ sensor });
    },
  );

  app.patch(
    '/api/sensors/:id',
    {
      config: { roles: CAN_ENGINEER },
      schema: { tags: ['devices'], params: idParams, body: sensorPatch, response: { 200: z.object({ sensor: sensorView }) } },
    },
    async (request) =>
      withTransaction(db, async (tx) => {
        const sensor = await updateSensor(tx, secretBox, request.params.id, request.body);
        await recordAudit(tx, request.actor, { action: 'update', entityType: 'sensor', entityId: sensor.id, details: { fields: Object.keys(request.body) } });
        await announceDeviceChange(tx, { type: 'sensor', id: sensor.id, change: 'updated' });
        return { sensor };
      }),
  );

  app.delete(
    '/api/sensors/:id',
    { config: { roles: CAN_ENGINEER }, schema: { tags: ['devices'], params: idParams, response: { 200: ok } } },
    async (request) =>
      withTransaction(db, async (tx) => {
        await deleteSensor(tx, request.params.id);
        await recordAudit(tx, request.actor, { action: 'delete', entityType: 'sensor', entityId: request.params.id });
        await announceDeviceChange(tx, { type: 'sensor', id: request.params.id, change: 'deleted' });
        return { ok: true };
      }),
  );

  // ---- bulk import ----
  app.post(
    '/api/devices/import',
    {
      config: { roles: CAN_ENGINEER },
      schema: {
        tags: ['devices'],
        summary: 'Import cameras and sensors from CSV or GeoJSON; all rows or none',
        description:
          'Body is the file itself: Content-Type text/csv or application/geo+json (or application/json). ' +
          'CSV needs a header with a `type` column (camera|sensor). On any bad row nothing is imported and ' +
          'the 400 answer lists every bad row with its field and reason. With onExisting=update, a row for an ' +
          'existing device changes only the columns it fills; the others keep their stored values.',
        querystring: z.object({ onExisting: z.enum(['fail', 'update']).default('fail') }),
      },
    },
    async (request) => {
      const contentType = request.headers['content-type'] ?? '';
      const body = request.body;
      let rows;
      try {
        rows = contentType.includes('csv')
          ? rowsFromCsv(typeof body === 'string' ? body : String(body ?? ''))
          : rowsFromGeoJson(typeof body === 'string' ? JSON.parse(body) : body);
      } catch (error) {
        if (error instanceof ImportRejected) throw error;
        throw new AppError('invalid_file', `could not read the file: ${(error as Error).message}`);
      }
      const result = await importDevices(db, secretBox, request.actor, rows, request.query.onExisting);
      await announceBulkDeviceChange(db);
      return { imported: result };
    },
  );

  // Text bodies for CSV and GeoJSON uploads.
  app.addContentTypeParser(['text/csv', 'application/geo+json'], { parseAs: 'string', bodyLimit: 20 * 1024 * 1024 }, (_request, body, done) =>
    done(null, body),
  );
};
