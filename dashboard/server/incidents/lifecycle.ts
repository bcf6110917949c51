// What people do with an incident: open one by hand, move it along its states, add a note, relabel it,
// link or unlink an alert, merge incidents into one and split sources off into a new one. Each action
// is checked, applied, put on the timeline, audited and sent live in one transaction.
import { recordAudit, type Actor } from '@cityops/core/audit';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import { AppError, badRequest, notFound, conflict } from '@cityops/core/errors';
import { counter } from '@cityops/core/metrics';
import { districtAt } from '@cityops/devices/district-repository';
import type { AlertSeverity } from '@cityops/contract/alerts';
import { ACTIVE_INCIDENT_STATES, type IncidentKind, type IncidentState, type IncidentView } from '@cityops/contract/incidents';
import { publishIncident, type IncidentDeps } from './live.ts';
import { assertAssignedTeamMember, endActiveAssignment } from './dispatch.ts';
import { addIncidentPhoto, assertProofOfFix } from './photos.ts';
import type { CheckedPhoto } from '../photo-upload.ts';
import { once, type IdempotentRequest, type Replayable } from '../idempotency.ts';

export type { IncidentDeps };
import {
  addIncidentEvent,
  getIncident,
  insertIncident,
  linkAlertRow,
  lockIncident,
  moveSources,
  relabelIncident,
  sourcesSummary,
  touchIncident,
  writeIncidentState,
} from './repository.ts';

const actions = counter('cityops_incident_actions_total', 'actions people took on incidents, by action and outcome', ['action', 'outcome']);

/** Where each state may go by a person's action (dispatch and arrival also come from assignments). */
const NEXT_STATES: Record<IncidentState, readonly IncidentState[]> = {
  open: ['dispatched', 'on_scene', 'resolved', 'closed'],
  dispatched: ['on_scene', 'resolved', 'closed'],
  on_scene: ['resolved', 'closed'],
  resolved: ['closed', 'open'],
  closed: [],
};

export interface PlaceInput {
  lat?: number;
  lon?: number;
  districtId?: string;
  address?: string;
}

/**
 * A place people can find: coordinates, or a district with an address. Unknown districts are refused;
 * coordinates without a district get the district that holds them (devices/district-repository.ts).
 */
export async function checkPlace(db: Queryable, place: PlaceInput): Promise<{ lat: number | null; lon: number | null; districtId: string | null; address: string }> {
  const address = place.address?.trim() ?? '';
  const hasPoint = place.lat !== undefined && place.lon !== undefined;
  if ((place.lat === undefined) !== (place.lon === undefined)) throw badRequest('give both lat and lon, or neither', place.lat === undefined ? 'lat' : 'lon', { reason: 'lat_lon_pair' });
  if (place.districtId !== undefined) {
    const known = await db.query(`SELECT 1 FROM districts WHERE id = $1`, [place.districtId]);
    if (!known.rowCount) throw badRequest(`district "${place.districtId}" is not registered`, 'districtId', { reason: 'does_not_exist', params: { what: 'district', id: place.districtId } });
  }
  if (!hasPoint && !(place.districtId && address)) throw badRequest('say where: click on the map (coordinates), or give a district and an address', 'place', { reason: 'place_required' });
  let districtId = place.districtId ?? null;
  if (hasPoint && !districtId) districtId = await districtAt(db, place.lat!, place.lon!);
  return { lat: hasPoint ? place.lat! : null, lon: hasPoint ? place.lon! : null, districtId, address };
}

/** Runs one action in its transaction, once per Idempotency-Key (a resend gets the first answer). */
async function act<T>(
  deps: IncidentDeps,
  action: string,
  work: (tx: Queryable) => Promise<{ result: T; changed: number[] }>,
  idempotency?: IdempotentRequest,
): Promise<Replayable<T>> {
  try {
    const outcome = await withTransaction(deps.db, (tx) =>
      once(tx, idempotency, async () => {
        const done = await work(tx);
        for (const id of new Set(done.changed)) await publishIncident(tx, deps.live, id);
        return done.result;
      }),
    );
    actions.inc({ action, outcome: outcome.replayed ? 'replayed' : 'done' });
    return outcome;
  } catch (error) {
    actions.inc({ action, outcome: error instanceof AppError ? error.code : 'error' });
    throw error;
  }
}

export interface NewIncidentInput extends PlaceInput {
  kind: IncidentKind;
  severity: AlertSeverity;
  title?: string;
  note?: string;
  alertIds?: number[];
}

/** An incident opened by an operator (a patrol's radio call, something seen on the wall). */
export async function openIncident(deps: IncidentDeps, actor: Actor, input: NewIncidentInput, idempotency?: IdempotentRequest): Promise<Replayable<IncidentView>> {
  return act(deps, 'open', async (tx) => {
    const place = await checkPlace(tx, input);
    const id = await insertIncident(tx, { kind: input.kind, kindSetBy: 'person', severity: input.severity, title: input.title?.trim(), ...place, createdBy: actor.userId });
    await addIncidentEvent(tx, id, actor, { type: 'opened', note: input.note?.trim() || undefined, data: { by: 'person' } });
    for (const alertId of input.alertIds ?? []) await linkByPerson(tx, id, alertId, actor);
    await recordAudit(tx, actor, { action: 'open', entityType: 'incident', entityId: String(id), details: { kind: input.kind, severity: input.severity, alertIds: input.alertIds ?? [] } });
    return { result: await getIncident(tx, id), changed: [id] };
  }, idempotency);
}

async function linkByPerson(tx: Queryable, incidentId: number, alertId: number, actor: Actor): Promise<void> {
  const alert = await tx.query(`SELECT severity, last_seen_at, kind FROM alerts WHERE id = $1`, [alertId]);
  if (!alert.rowCount) throw badRequest(`alert ${alertId} does not exist`, 'alertIds', { reason: 'does_not_exist', params: { what: 'alert', id: alertId } });
  const current = await tx.query(`SELECT incident_id FROM incident_alerts WHERE alert_id = $1 FOR UPDATE`, [alertId]);
  if (current.rowCount) {
    throw conflict(`alert ${alertId} already belongs to incident ${current.rows[0].incident_id}: split it off or merge the incidents`, 'alertIds', { reason: 'alert_in_other_incident', params: { alert: alertId, incident: current.rows[0].incident_id } });
  }
  await linkAlertRow(tx, incidentId, alertId, null);
  await touchIncident(tx, incidentId, { sourceAt: alert.rows[0].last_seen_at, severity: alert.rows[0].severity });
  await addIncidentEvent(tx, incidentId, actor, { type: 'alert_linked', data: { alertId, alertKind: alert.rows[0].kind, by: 'person' } });
}

/** Moves the incident to another state; reopening needs a reason. */
export async function changeState(deps: IncidentDeps, actor: Actor, id: number, to: IncidentState, note?: string, idempotency?: IdempotentRequest): Promise<Replayable<IncidentView>> {
  const reason = note?.trim() || undefined;
  return act(deps, to === 'open' ? 'reopen' : to, async (tx) => {
    const incident = await lockIncident(tx, id);
    if (!NEXT_STATES[incident.state].includes(to)) {
      throw new AppError('invalid_transition', `incident ${id} is ${incident.state.replace('_', ' ')}; it cannot become ${to.replace('_', ' ')}`, 'state');
    }
    if (to === 'open' && !reason) throw badRequest('say why the incident is reopened', 'note', { reason: 'reopen_reason_required' });
    if (to === 'resolved') await assertProofOfFix(tx, incident);
    await writeIncidentState(tx, id, to);
    // Resolved or closed, the team's job is done: its assignment ends (and its deadlines with it).
    if (to === 'resolved' || to === 'closed') await endActiveAssignment(tx, deps, actor, id, to);
    await addIncidentEvent(tx, id, actor, { type: to === 'open' ? 'reopened' : 'state', note: reason, data: { from: incident.state, to } });
    await recordAudit(tx, actor, { action: to === 'open' ? 'reopen' : 'change_state', entityType: 'incident', entityId: String(id), details: { from: incident.state, to, ...(reason ? { noteChars: reason.length } : {}) } });
    return { result: await getIncident(tx, id), changed: [id] };
  }, idempotency);
}

export async function addNote(deps: IncidentDeps, actor: Actor, id: number, text: string, idempotency?: IdempotentRequest): Promise<Replayable<IncidentView>> {
  const note = text.trim();
  if (!note) throw badRequest('a note needs text', 'note', { reason: 'note_required' });
  return act(deps, 'note', async (tx) => {
    const incident = await lockIncident(tx, id);
    if (incident.state === 'closed') throw new AppError('invalid_transition', `incident ${id} is closed`, 'state');
    await addIncidentEvent(tx, id, actor, { type: 'note', note });
    await tx.query(`UPDATE incidents SET updated_at = now() WHERE id = $1`, [id]);
    await recordAudit(tx, actor, { action: 'note', entityType: 'incident', entityId: String(id), details: { noteChars: note.length } });
    return { result: await getIncident(tx, id), changed: [id] };
  }, idempotency);
}

/** What a person may correct: kind (then no rule relabels it), severity, title, place. */
export async function editIncident(
  deps: IncidentDeps,
  actor: Actor,
  id: number,
  patch: { kind?: IncidentKind; severity?: AlertSeverity; title?: string; place?: PlaceInput },
  idempotency?: IdempotentRequest,
): Promise<Replayable<IncidentView>> {
  return act(deps, 'edit', async (tx) => {
    const before = await lockIncident(tx, id);
    if (before.state === 'closed') throw new AppError('invalid_transition', `incident ${id} is closed`, 'state');
    if (patch.kind) await relabelIncident(tx, id, patch.kind, 'person');
    if (patch.place) {
      const place = await checkPlace(tx, patch.place);
      await tx.query(`UPDATE incidents SET lat = $2, lon = $3, district_id = $4, address = $5 WHERE id = $1`, [id, place.lat, place.lon, place.districtId, place.address]);
    }
    await tx.query(`UPDATE incidents SET severity = COALESCE($2, severity), title = COALESCE($3, title), updated_at = now() WHERE id = $1`, [
      id,
      patch.severity ?? null,
      patch.title?.trim() ?? null,
    ]);
    const after = await getIncident(tx, id);
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const field of ['kind', 'severity', 'title', 'lat', 'lon', 'districtId', 'address'] as const) {
      if (before[field] !== after[field]) changes[field] = { from: before[field], to: after[field] };
    }
    await addIncidentEvent(tx, id, actor, { type: 'edited', data: changes });
    await recordAudit(tx, actor, { action: 'edit', entityType: 'incident', entityId: String(id), details: changes });
    return { result: after, changed: [id] };
  }, idempotency);
}

/** Links alerts an operator says belong here (refused for an alert another incident holds). */
export async function linkAlerts(deps: IncidentDeps, actor: Actor, id: number, alertIds: number[], idempotency?: IdempotentRequest): Promise<Replayable<IncidentView>> {
  return act(deps, 'link', async (tx) => {
    const incident = await lockIncident(tx, id);
    if (!ACTIVE_INCIDENT_STATES.includes(incident.state)) throw new AppError('invalid_transition', `incident ${id} is ${incident.state}; reopen it first`, 'state');
    for (const alertId of alertIds) await linkByPerson(tx, id, alertId, actor);
    await recordAudit(tx, actor, { action: 'link_alerts', entityType: 'incident', entityId: String(id), details: { alertIds } });
    return { result: await getIncident(tx, id), changed: [id] };
  }, idempotency);
}

/** Merges other incidents into this one: their alerts and calls move here, they close pointing here. */
export async function mergeIncidents(deps: IncidentDeps, actor: Actor, intoId: number, fromIds: number[], note?: string, idempotency?: IdempotentRequest): Promise<Replayable<IncidentView>> {
  const sources = [...new Set(fromIds)];
  if (!sources.length) throw badRequest('name the incidents to merge into this one', 'incidentIds', { reason: 'merge_sources_required' });
  if (sources.includes(intoId)) throw badRequest(`incident ${intoId} cannot be merged into itself`, 'incidentIds', { reason: 'merge_into_itself', params: { id: intoId } });
  return act(deps, 'merge', async (tx) => {
    // Locked in id order, so two merges of the same incidents in opposite directions cannot deadlock.
    const ordered = [intoId, ...sources].sort((a, b) => a - b);
    const locked = new Map<number, IncidentView>();
    for (const id of ordered) locked.set(id, await lockIncident(tx, id));
    const into = locked.get(intoId)!;
    if (!ACTIVE_INCIDENT_STATES.includes(into.state)) throw new AppError('invalid_transition', `incident ${intoId} is ${into.state}; merge into an active incident`, 'state');
    for (const fromId of sources) {
      const from = locked.get(fromId)!;
      if (from.state === 'closed') throw new AppError('invalid_transition', `incident ${fromId} is closed${from.mergedIntoId ? ` (merged into ${from.mergedIntoId})` : ''}`, 'incidentIds');
      const moved = await moveSources(tx, fromId, intoId);
      await touchIncident(tx, intoId, { sourceAt: new Date(from.openedAt), severity: from.severity });
      await writeIncidentState(tx, fromId, 'closed', { mergedIntoId: intoId });
      await addIncidentEvent(tx, fromId, actor, { type: 'merged_into', note: note?.trim() || undefined, data: { intoId, ...moved } });
      await addIncidentEvent(tx, intoId, actor, { type: 'merged', note: note?.trim() || undefined, data: { fromId, fromKind: from.kind, ...moved } });
    }
    await recordAudit(tx, actor, { action: 'merge', entityType: 'incident', entityId: String(intoId), details: { fromIds: sources } });
    return { result: await getIncident(tx, intoId), changed: ordered };
  }, idempotency);
}

/** Splits alerts and calls off into a new incident (they were two situations after all). */
export async function splitIncident(
  deps: IncidentDeps,
  actor: Actor,
  id: number,
  input: { alertIds: number[]; callIds: number[]; kind?: IncidentKind; note?: string },
  idempotency?: IdempotentRequest,
): Promise<Replayable<{ from: IncidentView; created: IncidentView }>> {
  if (!input.alertIds.length && !input.callIds.length) throw badRequest('name the alerts or calls to split off', 'alertIds', { reason: 'split_items_required' });
  return act(deps, 'split', async (tx) => {
    const from = await lockIncident(tx, id);
    if (!ACTIVE_INCIDENT_STATES.includes(from.state)) throw new AppError('invalid_transition', `incident ${id} is ${from.state}; reopen it first`, 'state');
    const missingAlerts = input.alertIds.filter((alertId) => !from.alertIds.includes(alertId));
    if (missingAlerts.length) throw badRequest(`alert ${missingAlerts.join(', ')} is not part of incident ${id}`, 'alertIds', { reason: 'not_part_of_incident', params: { what: 'alert', id: missingAlerts.join(', '), incident: id } });
    const place = await firstPlace(tx, input.alertIds, input.callIds, id);
    const createdId = await insertIncident(tx, { kind: input.kind ?? from.kind, kindSetBy: 'person', severity: from.severity, ...place, createdBy: actor.userId });
    const moved = await moveSources(tx, id, createdId, { alertIds: input.alertIds, callIds: input.callIds });
    const missingCalls = input.callIds.filter((callId) => !moved.callIds.includes(callId));
    if (missingCalls.length) throw badRequest(`call ${missingCalls.join(', ')} is not part of incident ${id}`, 'callIds', { reason: 'not_part_of_incident', params: { what: 'call', id: missingCalls.join(', '), incident: id } });
    if (from.alertIds.length === moved.alertIds.length && from.callCount === moved.callIds.length) {
      throw badRequest(`that is everything incident ${id} has: relabel it instead of splitting`, 'alertIds', { reason: 'split_everything', params: { id } });
    }
    // Each side takes the worst severity and newest time of what it holds now.
    for (const side of [id, createdId]) {
      const summary = await sourcesSummary(tx, side);
      if (summary.severity) await tx.query(`UPDATE incidents SET severity = $2 WHERE id = $1`, [side, summary.severity]);
      if (summary.lastAt) await tx.query(`UPDATE incidents SET last_source_at = $2, updated_at = now() WHERE id = $1`, [side, summary.lastAt]);
    }
    const note = input.note?.trim() || undefined;
    await addIncidentEvent(tx, createdId, actor, { type: 'opened', note, data: { by: 'split', fromId: id, ...moved } });
    await addIncidentEvent(tx, id, actor, { type: 'split', note, data: { createdId, ...moved } });
    await recordAudit(tx, actor, { action: 'split', entityType: 'incident', entityId: String(id), details: { createdId, ...moved } });
    return { result: { from: await getIncident(tx, id), created: await getIncident(tx, createdId) }, changed: [id, createdId] };
  }, idempotency);
}

/** The place of the first placed source split off (alerts first), else the incident's own. */
async function firstPlace(tx: Queryable, alertIds: number[], callIds: number[], incidentId: number) {
  const result = await tx.query(
    `SELECT 1 AS preference, id, lat, lon, district_id, '' AS address FROM alerts WHERE id = ANY($1) AND lat IS NOT NULL
     UNION ALL SELECT 2, id, lat, lon, district_id, address FROM hotline_calls WHERE id = ANY($2) AND (lat IS NOT NULL OR district_id IS NOT NULL)
     UNION ALL SELECT 3, id, lat, lon, district_id, address FROM incidents WHERE id = $3
     ORDER BY preference, id LIMIT 1`,
    [alertIds, callIds, incidentId],
  );
  const row = result.rows[0];
  if (!row) throw notFound('incident', incidentId);
  return { lat: row.lat, lon: row.lon, districtId: row.district_id, address: row.address };
}

/**
 * Resolves with what the team brings back: a note and a photo (required as proof for some kinds). A
 * field user may resolve only an incident assigned to one of their teams.
 */
export async function resolveWithProof(
  deps: IncidentDeps,
  actor: Actor,
  user: { id: number; role: string },
  id: number,
  proof: { photo?: CheckedPhoto; note?: string },
  idempotency?: IdempotentRequest,
): Promise<Replayable<IncidentView>> {
  const note = proof.note?.trim() || undefined;
  return act(deps, 'resolve', async (tx) => {
    const incident = await lockIncident(tx, id);
    if (user.role === 'field') await assertAssignedTeamMember(tx, id, user.id);
    if (!NEXT_STATES[incident.state].includes('resolved')) {
      throw new AppError('invalid_transition', `incident ${id} is ${incident.state.replace('_', ' ')}; it cannot become resolved`, 'state');
    }
    const photoId = proof.photo ? await addIncidentPhoto(tx, id, proof.photo, actor) : undefined;
    await assertProofOfFix(tx, incident);
    await writeIncidentState(tx, id, 'resolved');
    await endActiveAssignment(tx, deps, actor, id, 'resolved');
    await addIncidentEvent(tx, id, actor, { type: 'state', note, data: { from: incident.state, to: 'resolved', ...(photoId ? { photoId } : {}) } });
    await recordAudit(tx, actor, { action: 'resolve', entityType: 'incident', entityId: String(id), details: { from: incident.state, ...(photoId ? { photoId } : {}), ...(note ? { noteChars: note.length } : {}) } });
    return { result: await getIncident(tx, id), changed: [id] };
  }, idempotency);
}

/** A photo added to the timeline (by the assigned team, or the command room). */
export async function addPhoto(
  deps: IncidentDeps,
  actor: Actor,
  user: { id: number; role: string },
  id: number,
  photo: CheckedPhoto,
  note?: string,
  idempotency?: IdempotentRequest,
): Promise<Replayable<IncidentView>> {
  return act(deps, 'photo', async (tx) => {
    const incident = await lockIncident(tx, id);
    if (incident.state === 'closed') throw new AppError('invalid_transition', `incident ${id} is closed`, 'state');
    if (user.role === 'field') await assertAssignedTeamMember(tx, id, user.id);
    const photoId = await addIncidentPhoto(tx, id, photo, actor);
    await addIncidentEvent(tx, id, actor, { type: 'photo', note: note?.trim() || undefined, data: { photoId } });
    await recordAudit(tx, actor, { action: 'photo', entityType: 'incident', entityId: String(id), details: { photoId } });
    return { result: await getIncident(tx, id), changed: [id] };
  }, idempotency);
}
