// Simulated cameras and sensors for the embedded start (SIMULATE=true).
import { ComponentGroup, type Component } from '@cityops/core/lifecycle';
import type { RoleContext } from '@cityops/core/role-context';
import { createCameraSimulation } from './camera/simulator/embedded.ts';
import { createSensorSimulation } from './sensors/embedded-simulation.ts';

export async function createSimulation(context: RoleContext): Promise<Component> {
  const parts: Component[] = [];
  if (context.config.SIMULATED_CAMERAS > 0) parts.push(createCameraSimulation(context));
  if (context.config.SIMULATED_SENSORS > 0) parts.push(createSensorSimulation(context));
  return new ComponentGroup(parts);
}
