// Incident changes reach the command room live: the incident's view, sent at commit of the change
// (inside its transaction, so a rolled-back change is never shown and changes arrive in commit order).
import type { Queryable } from '@cityops/core/database/pool';
import type { LivePublisher } from '@cityops/core/live/publisher';
import { liveRooms } from '@cityops/core/live/rooms';
import { getIncident } from './repository.ts';

export async function publishIncident(tx: Queryable, live: LivePublisher | undefined, incidentId: number): Promise<void> {
  if (!live) return;
  await live.publishIn(tx, liveRooms.staff(), 'incident:changed', await getIncident(tx, incidentId));
}
