// Every feature's REST routes, registered in this order. One line per feature plugin.
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './context.ts';
import { operationsRoutes } from './operations-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { userRoutes } from './user-routes.ts';
import { deviceRoutes } from '@cityops/devices/api';
import { webRoutes } from './web-routes.ts';
import { alertRoutes } from './alerts/routes.ts';
import { teamRoutes } from './alerts/teams-routes.ts';
import { sensorDataRoutes } from '@cityops/ingest/sensors/api';
import { slotRoutes } from '@cityops/analytics/slots/api';
import { cameraIngestRoutes } from '@cityops/ingest/camera/api';

export const featureRoutes: FastifyPluginAsync<ApiContext>[] = [operationsRoutes, authRoutes, userRoutes, deviceRoutes, sensorDataRoutes, alertRoutes, teamRoutes, slotRoutes, cameraIngestRoutes, webRoutes];
