// The incidents API as the screens call it (dashboard/server/incidents/README.md lists the routes).
// Each action answers with the incident's new view, which the caller hands to the live store at once;
// the `incident:changed` echo that follows is then a no-op.
import type { AlertSeverity, AlertView } from '@cityops/contract/alerts';
import type { HotlineCallView, HotlineLine, IncidentKind, IncidentState, IncidentTimelineEntry, IncidentView } from '@cityops/contract/incidents';
import { api } from '../api.ts';

export interface IncidentDetail {
  incident: IncidentView;
  timeline: IncidentTimelineEntry[];
  alerts: AlertView[];
  calls: HotlineCallView[];
}

export interface NearbyIncident {
  incident: IncidentView;
  distanceM: number | null;
}

export interface IncidentQuery {
  states?: readonly IncidentState[];
  kinds?: readonly IncidentKind[];
  before?: number;
  limit?: number;
}

export async function listIncidents(query: IncidentQuery): Promise<{ incidents: IncidentView[]; nextBefore: number | null }> {
  const params = new URLSearchParams();
  if (query.states?.length) params.set('state', query.states.join(','));
  if (query.kinds?.length) params.set('kind', query.kinds.join(','));
  if (query.before) params.set('before', String(query.before));
  params.set('limit', String(query.limit ?? 100));
  return api(`/api/incidents?${params}`);
}

export const loadIncident = (id: number) => api<IncidentDetail>(`/api/incidents/${id}`);

/** A place as the hotline form holds it: a point, or a district (with an address). */
export interface PlaceQuery {
  lat?: number;
  lon?: number;
  districtId?: string;
}

export async function nearbyIncidents(place: PlaceQuery, signal?: AbortSignal): Promise<NearbyIncident[]> {
  const params = new URLSearchParams();
  if (place.lat !== undefined && place.lon !== undefined) {
    params.set('lat', String(place.lat));
    params.set('lon', String(place.lon));
  } else if (place.districtId) params.set('districtId', place.districtId);
  else return [];
  return (await api<{ incidents: NearbyIncident[] }>(`/api/incidents/nearby?${params}`, { signal })).incidents;
}

const post = async (path: string, body: unknown) => (await api<{ incident: IncidentView }>(path, { method: 'POST', body })).incident;

export const addIncidentNote = (id: number, note: string) => post(`/api/incidents/${id}/notes`, { note });

export const changeIncidentState = (id: number, state: IncidentState, note?: string) => post(`/api/incidents/${id}/state`, note?.trim() ? { state, note: note.trim() } : { state });

export const editIncident = async (id: number, patch: { kind?: IncidentKind; severity?: AlertSeverity }) =>
  (await api<{ incident: IncidentView }>(`/api/incidents/${id}`, { method: 'PATCH', body: patch })).incident;

export const mergeIntoIncident = (id: number, incidentIds: number[]) => post(`/api/incidents/${id}/merge`, { incidentIds });

export async function splitIncident(id: number, input: { alertIds: number[]; callIds: number[]; kind?: IncidentKind }): Promise<{ from: IncidentView; created: IncidentView }> {
  return api(`/api/incidents/${id}/split`, { method: 'POST', body: input });
}

export interface CallInput {
  line: HotlineLine;
  callerName?: string;
  callerNumber?: string;
  kind: IncidentKind;
  said: string;
  lat?: number;
  lon?: number;
  districtId?: string;
  address?: string;
  incidentId?: number;
}

export async function logHotlineCall(input: CallInput): Promise<{ call: HotlineCallView; incident: IncidentView; joined: boolean }> {
  return api('/api/hotline/calls', { method: 'POST', body: input });
}
