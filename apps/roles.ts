// Where each role's wiring lives. `npm start` runs them all in one process; `--role x` runs one.
import type { Role } from '@cityops/core/config';
import type { Component } from '@cityops/core/lifecycle';
import type { RoleContext } from '@cityops/core/role-context';
import type { InProcessFrameChannel } from '@cityops/ingest/frame/in-process-frame-channel';

/**
 * What roles running in the same process share in memory. Only shortcuts for what also crosses a
 * wire: a role started alone gets none of it and works the same, over PostgreSQL and MQTT.
 */
export interface SameProcess {
  /** camera-ingest → analytics raw frames (FRAME_TRANSPORT=auto, both roles in this process). */
  localFrames?: InProcessFrameChannel;
}

export interface ProcessRoleModule {
  createRole(context: RoleContext, sameProcess: SameProcess): Promise<Component>;
}

export const roleModules: Record<Role, () => Promise<ProcessRoleModule>> = {
  api: () => import('./roles/api.ts'),
  'camera-ingest': () => import('./roles/camera-ingest.ts'),
  'sensor-ingest': () => import('./roles/sensor-ingest.ts'),
  analytics: () => import('@cityops/analytics/role'),
};
