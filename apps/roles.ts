// Where each role's wiring lives. `npm start` runs them all in one process; `--role x` runs one.
import type { Role } from '@cityops/core/config';
import type { RoleModule } from '@cityops/core/role-context';

export const roleModules: Record<Role, () => Promise<RoleModule>> = {
  api: () => import('./roles/api.ts'),
  'camera-ingest': () => import('./roles/camera-ingest.ts'),
  'sensor-ingest': () => import('./roles/sensor-ingest.ts'),
  analytics: () => import('@cityops/analytics/role'),
};
