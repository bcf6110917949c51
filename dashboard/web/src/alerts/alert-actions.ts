// Operator and field actions on an alert, through the alerts API. Each returns the updated alert,
// which is applied to the live store at once (the socket echo arrives later and is a no-op).
import { api } from '../api.ts';
import type { AlertEventMessage, FalseAlarmReason } from '@cityops/contract/alerts';
import type { Team } from '@cityops/contract/people';
import type { Alert } from '../live/types.ts';

export type AlertAction = 'acknowledge' | 'assign' | 'resolve' | 'close';

export async function actOnAlert(alertId: number, action: AlertAction, input: { note?: string; teamId?: number; falseAlarmReason?: FalseAlarmReason }): Promise<Alert> {
  const body: Record<string, unknown> = {};
  if (input.note?.trim()) body.note = input.note.trim();
  if (action === 'assign') body.teamId = input.teamId;
  if (action === 'resolve' && input.falseAlarmReason) body.falseAlarm = { reason: input.falseAlarmReason };
  const result = await api<{ event: AlertEventMessage }>(`/api/alerts/${alertId}/${action}`, { method: 'POST', body });
  return result.event.alert;
}

/** Attaches a photo (from the phone camera) to an alert as evidence. */
export async function attachPhoto(alertId: number, photo: Blob, note?: string): Promise<Alert> {
  const form = new FormData();
  if (note) form.append('note', note);
  form.append('photo', photo, (photo as File).name || 'photo.jpg');
  const result = await api<{ event: AlertEventMessage }>(`/api/alerts/${alertId}/photos`, { method: 'POST', rawBody: form });
  return result.event.alert;
}

let teamsPromise: Promise<Team[]> | undefined;
export function loadTeams(): Promise<Team[]> {
  teamsPromise ??= api<{ teams: Team[] }>('/api/teams')
    .then((result) => result.teams)
    .catch((error) => {
      teamsPromise = undefined;
      throw error;
    });
  return teamsPromise;
}
