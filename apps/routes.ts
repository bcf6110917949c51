// Every feature's REST routes, registered by the api role in this order. One line per feature plugin.
import type { FeatureRoutes } from '@cityops/core/http/route-context';
import { operationsRoutes } from '@cityops/dashboard/server/operations-routes';
import { authRoutes } from '@cityops/dashboard/server/auth-routes';
import { userRoutes } from '@cityops/dashboard/server/user-routes';
import { auditRoutes } from '@cityops/dashboard/server/audit-routes';
import { webRoutes } from '@cityops/dashboard/server/web-routes';
import { alertRoutes } from '@cityops/dashboard/server/alerts/routes';
import { evidenceRoutes } from '@cityops/dashboard/server/alerts/evidence-routes';
import { teamRoutes } from '@cityops/dashboard/server/alerts/teams-routes';
import { ruleTuningRoutes } from '@cityops/dashboard/server/alerts/tuning-routes';
import { incidentRoutes } from '@cityops/dashboard/server/incidents/routes';
import { dispatchPolicyRoutes } from '@cityops/dashboard/server/incidents/dispatch-policy-routes';
import { agencyRoutes } from '@cityops/dashboard/server/incidents/agency-routes';
import { incidentFigureRoutes } from '@cityops/dashboard/server/incidents/figures-routes';
import { leaderReportRoutes } from '@cityops/dashboard/server/leader-reports/routes';
import { deviceRoutes } from '@cityops/devices/api';
import { sensorDataRoutes } from '@cityops/ingest/sensors/api';
import { cameraIngestRoutes } from '@cityops/ingest/camera/api';
import { slotRoutes } from '@cityops/analytics/slots/api';
import { tideForecastRoutes } from '@cityops/analytics/tide-forecast/routes';
import { parkingRoutes } from '@cityops/analytics/parking/routes';
import { jointRuleRoutes } from '@cityops/analytics/joint-rules/routes';
import { citizenReportRoutes } from '@cityops/dashboard/server/citizen-reports/routes';
import { citizenReportFigureRoutes } from '@cityops/dashboard/server/citizen-reports/figures-routes';
import { openDataRoutes } from '@cityops/dashboard/server/open-data/routes';
import { privateCameraRoutes } from '@cityops/devices/private-cameras/api';
import { cameraOwnerRoutes } from '@cityops/ingest/camera-owner/routes';

export const featureRoutes: FeatureRoutes[] = [
  operationsRoutes,
  authRoutes,
  userRoutes,
  auditRoutes,
  deviceRoutes,
  sensorDataRoutes,
  tideForecastRoutes,
  parkingRoutes,
  jointRuleRoutes,
  alertRoutes,
  evidenceRoutes,
  ruleTuningRoutes,
  teamRoutes,
  incidentRoutes,
  dispatchPolicyRoutes,
  agencyRoutes,
  incidentFigureRoutes,
  leaderReportRoutes,
  citizenReportFigureRoutes,
  citizenReportRoutes,
  slotRoutes,
  cameraIngestRoutes,
  privateCameraRoutes,
  // Public by link, rate-limited: the camera owner's page API (/api/camera-owner/*).
  cameraOwnerRoutes,
  // Public, read-only, rate-limited (its own hook): /ngsi-ld/v1/* and /api/open/*.
  openDataRoutes,
  webRoutes,
];
