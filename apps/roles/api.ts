// The api role: the web server (dashboard/server) serving every feature's routes (../routes.ts).
import type { Component } from '@cityops/core/lifecycle';
import type { RoleContext } from '@cityops/core/role-context';
import { ApiRole } from '@cityops/dashboard/server/role';
import { featureRoutes } from '../routes.ts';

export async function createRole(context: RoleContext): Promise<Component> {
  return new ApiRole(context, featureRoutes);
}
