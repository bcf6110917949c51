// Room names shared by publishers (any process) and the api role's socket.io server. A socket joins
// `role:<role>` and `user:<id>` at connect, `team:<id>` for each field team it belongs to and
// `district:<id>` for those teams' districts. Publishers name the rooms that may see an event.
import { CAN_VIEW, type UserRole } from '@cityops/contract/roles';

export const liveRooms = {
  role: (role: UserRole) => `role:${role}`,
  user: (userId: number | string) => `user:${userId}`,
  team: (teamId: number | string) => `team:${teamId}`,
  district: (districtId: string) => `district:${districtId}`,
  /** Command-room staff (admin, engineer, operator, viewer): everyone who watches the whole city. */
  staff: (): string[] => CAN_VIEW.map((role) => `role:${role}`),
};
