// Incident changes reach the command room live: the incident's view, sent at commit of the change
// (inside its transaction, so a rolled-back change is never shown and changes arrive in commit order).
import type { Database, Queryable } from '@cityops/core/database/pool';
import type { LivePublisher } from '@cityops/core/live/publisher';
import { liveRooms } from '@cityops/core/live/rooms';
import { getIncident, getIncidents } from './repository.ts';

/** What every incident action needs: the database, and the live publisher (absent in tools without clients). */
export interface IncidentDeps {
  db: Database;
  live?: LivePublisher;
}

export async function publishIncident(tx: Queryable, live: LivePublisher | undefined, incidentId: number): Promise<void> {
  if (!live) return;
  await live.publishIn(tx, liveRooms.staff(), 'incident:changed', await getIncident(tx, incidentId));
}

/** Several incidents changed in one transaction: their views read and sent in two statements, not two per incident. */
export async function publishIncidents(tx: Queryable, live: LivePublisher | undefined, incidentIds: Iterable<number>): Promise<void> {
  if (!live) return;
  await live.publishEachIn(tx, liveRooms.staff(), 'incident:changed', await getIncidents(tx, [...new Set(incidentIds)]));
}
