// Where each role's entry lives. `npm start` runs them all in one process; `--role x` runs one.
import type { Role } from './config.ts';
import type { RoleModule } from './role-context.ts';

export const roleModules: Record<Role, () => Promise<RoleModule>> = {
  api: () => import('@cityops/dashboard/server/role'),
  'camera-ingest': () => import('@cityops/ingest/camera/role'),
  'sensor-ingest': () => import('@cityops/ingest/sensors/role'),
  analytics: () => import('@cityops/analytics/role'),
};
