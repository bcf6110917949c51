// Who may see which alert. Command-room staff see every alert; a field user sees the alerts assigned
// to one of their teams, and the evidence (snapshot, clips) of the alerts of an incident their team is
// sent to now. Used by REST routes, live snapshots and replays alike.
import { CAN_VIEW, type UserRole } from '@cityops/contract/roles';
import type { Queryable } from '@cityops/core/database/pool';
import { forbidden } from '@cityops/core/errors';
import { isAlertOfTeamsIncident } from '../incidents/dispatch.ts';
import { teamsOfUser } from './teams.ts';

/** null = sees everything; otherwise the team ids whose alerts the user sees. */
export type AlertScope = number[] | null;

export async function alertScopeOf(db: Queryable, user: { id: number; role: UserRole }): Promise<AlertScope> {
  if (CAN_VIEW.includes(user.role)) return null;
  return (await teamsOfUser(db, user.id)).map((team) => team.teamId);
}

export const canSee = (scope: AlertScope, alert: { assignedTeamId: number | null }) =>
  scope === null || (alert.assignedTeamId !== null && scope.includes(alert.assignedTeamId));

export function assertCanSee(scope: AlertScope, alert: { id: number; assignedTeamId: number | null }): void {
  if (!canSee(scope, alert)) throw forbidden(`alert ${alert.id} is not assigned to your team`);
}

/**
 * Refuses an alert's evidence (its snapshot and clips) the user may not see (403): the alert's own
 * visibility, and for a field team also the alerts of an incident it is sent to now (the phone's
 * incident card shows them).
 */
export async function assertCanSeeEvidence(db: Queryable, scope: AlertScope, alert: { id: number; assignedTeamId: number | null }): Promise<void> {
  if (canSee(scope, alert) || (scope?.length && (await isAlertOfTeamsIncident(db, alert.id, scope)))) return;
  assertCanSee(scope, alert);
}
