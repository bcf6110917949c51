// The dispatch API as the command room calls it: the ranked teams and assignments of an incident, and
// sending a team. The field team's answers (acknowledge, arrived) go through the phone's outbox instead
// (field/outbox.ts), as they must survive a lost connection.
import { api } from '../api.ts';
import type { AssignmentView, DispatchView, IncidentView } from '@cityops/contract/incidents';

export const loadDispatch = (incidentId: number) => api<DispatchView>(`/api/incidents/${incidentId}/dispatch`);

export const loadIncident = async (incidentId: number) => (await api<{ incident: IncidentView }>(`/api/incidents/${incidentId}`)).incident;

/**
 * Sends the team. Without `replace` the server refuses (409) when a team is already assigned, saying
 * who was first: sending another team instead is a second, deliberate action.
 */
export async function assignTeam(incidentId: number, teamId: number, replace = false): Promise<AssignmentView> {
  return (await api<{ assignment: AssignmentView }>(`/api/incidents/${incidentId}/assign`, { method: 'POST', body: { teamId, replace } })).assignment;
}

/** The incident's one active assignment, if a team is on it. */
export const activeAssignment = (view: Pick<DispatchView, 'assignments'> | undefined) => view?.assignments.find((assignment) => assignment.endedAt === null);
