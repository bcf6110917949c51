// Handing an incident to an agency, and getting it there. A handoff to an agency with field teams in
// CityOps is delivered at once (the dispatcher then assigns one of its teams); one to a webhook (JSON
// POST), a CAP agency (the incident's CAP 1.2 message POSTed, incident-cap.ts) or an MQTT topic (QoS 1)
// is delivered by a worker that retries with backoff (10 s, 20 s, 40 s … up to 10 min) and gives up
// after MAX_ATTEMPTS, saying so on the timeline. Each attempt is leased (next_attempt_at moved ahead)
// in a short transaction first, so a slow agency server holds no lock and two api processes never send
// one handoff twice at once. Acknowledged: by an operator (the agency called back), or when one of the
// agency's teams acknowledges its assignment on the incident.
import type { MqttClient } from 'mqtt';
import { recordAudit, systemActor, type Actor } from '@cityops/core/audit';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import { AppError, badRequest, notFound, conflict } from '@cityops/core/errors';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { counter } from '@cityops/core/metrics';
import { PeriodicTask } from '@cityops/core/periodic-task';
import type { SecretBox } from '@cityops/core/secret-box';
import type { AgencyDelivery, HandoffView } from '@cityops/contract/agencies';
import { getAgency, postsToUrl, webhookUrlOf } from './agencies.ts';
import { incidentCapOf, type IncidentCapOptions } from './incident-cap.ts';
import { publishIncident, type IncidentDeps } from './live.ts';
import { addIncidentEvent, getIncident, lockIncident } from './repository.ts';

export const MAX_ATTEMPTS = 8;
const WEBHOOK_TIMEOUT_MS = 10_000;
const deliveries = counter('cityops_incident_handoff_deliveries_total', 'handoff delivery attempts, by delivery and outcome', ['delivery', 'outcome']);
const deliverer = systemActor('handoff-delivery');

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : null);
const asHandoff = (row: Record<string, unknown>): HandoffView => ({
  id: Number(row.id),
  incidentId: Number(row.incident_id),
  agencyId: row.agency_id === null ? null : Number(row.agency_id),
  agencyName: String(row.agency_name),
  delivery: String(row.delivery),
  at: iso(row.at)!,
  by: String(row.by_name),
  attempts: Number(row.attempts),
  deliveredAt: iso(row.delivered_at),
  lastError: (row.last_error as string | null) ?? null,
  gaveUpAt: iso(row.gave_up_at),
  acknowledgedAt: iso(row.acknowledged_at),
  acknowledgedBy: (row.acknowledged_by as string | null) ?? null,
});

export async function handoffsOf(db: Queryable, incidentId: number): Promise<HandoffView[]> {
  return (await db.query(`SELECT * FROM incident_handoffs WHERE incident_id = $1 ORDER BY id`, [incidentId])).rows.map(asHandoff);
}

export async function handOff(deps: IncidentDeps & { secretBox: SecretBox }, actor: Actor, incidentId: number, agencyId: number, note?: string): Promise<HandoffView> {
  return withTransaction(deps.db, async (tx) => {
    const incident = await lockIncident(tx, incidentId);
    if (incident.state === 'closed') throw new AppError('invalid_transition', `incident ${incidentId} is closed`, 'state');
    const agency = await getAgency(tx, deps.secretBox, agencyId).catch(() => {
      throw badRequest(`agency ${agencyId} does not exist`, 'agencyId', { reason: 'does_not_exist', params: { what: 'agency', id: agencyId } });
    });
    if (!agency.enabled) throw badRequest(`${agency.name} is disabled in the registry`, 'agencyId', { reason: 'agency_disabled', params: { name: agency.name } });
    const open = await tx.query(`SELECT 1 FROM incident_handoffs WHERE incident_id = $1 AND agency_id = $2 AND gave_up_at IS NULL`, [incidentId, agencyId]);
    if (open.rowCount) throw conflict(`incident ${incidentId} was already handed to ${agency.name}`, 'agencyId', { reason: 'already_handed', params: { incident: incidentId, agency: agency.name } });
    const outbound = agency.delivery !== 'team';
    const inserted = await tx.query(
      `INSERT INTO incident_handoffs (incident_id, agency_id, agency_name, delivery, by_user_id, by_name, next_attempt_at, delivered_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN now() END, CASE WHEN $7 THEN NULL ELSE now() END) RETURNING *`,
      [incidentId, agencyId, agency.name, agency.delivery, actor.userId ?? null, actor.username, outbound],
    );
    const handoff = asHandoff(inserted.rows[0]);
    await addIncidentEvent(tx, incidentId, actor, { type: 'handoff', note: note?.trim() || undefined, data: { handoffId: handoff.id, agencyId, agencyName: agency.name, delivery: agency.delivery } });
    await recordAudit(tx, actor, { action: 'hand_off', entityType: 'incident', entityId: String(incidentId), details: { handoffId: handoff.id, agencyId, delivery: agency.delivery } });
    await publishIncident(tx, deps.live, incidentId);
    return handoff;
  });
}

/** The agency called back: an operator records when and who (the first acknowledgement stays). */
export async function acknowledgeHandoff(deps: IncidentDeps, actor: Actor, incidentId: number, handoffId: number, acknowledgedBy: string): Promise<HandoffView> {
  return withTransaction(deps.db, async (tx) => {
    await lockIncident(tx, incidentId);
    const updated = await tx.query(
      `UPDATE incident_handoffs SET acknowledged_at = COALESCE(acknowledged_at, now()), acknowledged_by = COALESCE(acknowledged_by, $3)
       WHERE id = $1 AND incident_id = $2 RETURNING *`,
      [handoffId, incidentId, acknowledgedBy.trim().slice(0, 150)],
    );
    if (!updated.rowCount) throw notFound('handoff', handoffId, `handoff ${handoffId} of incident ${incidentId} not found`);
    const handoff = asHandoff(updated.rows[0]);
    await addIncidentEvent(tx, incidentId, actor, { type: 'handoff_acknowledged', data: { handoffId, agencyName: handoff.agencyName, acknowledgedBy: handoff.acknowledgedBy } });
    await recordAudit(tx, actor, { action: 'handoff_acknowledged', entityType: 'incident', entityId: String(incidentId), details: { handoffId } });
    await publishIncident(tx, deps.live, incidentId);
    return handoff;
  });
}

/** When a team acknowledges its assignment, its agency's handoff of the incident is acknowledged too. */
export async function acknowledgeByTeam(tx: Queryable, incidentId: number, teamId: number, username: string): Promise<void> {
  const updated = await tx.query(
    `UPDATE incident_handoffs h SET acknowledged_at = now(), acknowledged_by = $3
     FROM teams t WHERE t.id = $2 AND h.agency_id = t.agency_id AND h.incident_id = $1 AND h.acknowledged_at IS NULL RETURNING h.id, h.agency_name`,
    [incidentId, teamId, username],
  );
  for (const row of updated.rows) {
    await addIncidentEvent(tx, incidentId, systemActor('dispatch'), { type: 'handoff_acknowledged', data: { handoffId: Number(row.id), agencyName: row.agency_name, acknowledgedBy: username } });
  }
}

export interface DeliveryDeps extends IncidentDeps {
  secretBox: SecretBox;
  mqtt?: () => MqttClient | undefined;
  /** Sender and links of the CAP messages `cap` agencies get. */
  cap: IncidentCapOptions;
}

/** What an agency receives: the incident as the command room sees it, and who sent it when. */
async function payloadOf(deps: DeliveryDeps, row: Record<string, unknown>): Promise<string> {
  const incident = await getIncident(deps.db, Number(row.incident_id));
  return JSON.stringify({ handoffId: Number(row.id), sentBy: String(row.by_name), handedOffAt: iso(row.at), incident });
}

async function deliverOne(deps: DeliveryDeps, row: Record<string, unknown>): Promise<void> {
  if (postsToUrl(row.delivery as AgencyDelivery)) {
    const url = row.agency_id === null ? null : await webhookUrlOf(deps.db, deps.secretBox, Number(row.agency_id));
    if (!url) throw new Error('the agency has no URL any more');
    // A CAP agency gets the incident's current CAP message: the version it was handed, or a later one on a retry.
    const [contentType, body] = row.delivery === 'cap' ? ['application/cap+xml', await incidentCapOf(deps.db, Number(row.incident_id), { ...deps.cap, firstForRecipient: true })] : ['application/json', await payloadOf(deps, row)];
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
    // The body is not read (an agency's error page has no place in our log); only its status.
    await response.body?.cancel();
    if (!response.ok) throw new Error(`the agency's server answered HTTP ${response.status}`);
    return;
  }
  const mqtt = deps.mqtt?.();
  if (!mqtt?.connected) throw new Error('not connected to the MQTT broker');
  const topic = row.agency_id === null ? null : (await deps.db.query(`SELECT mqtt_topic FROM agencies WHERE id = $1`, [row.agency_id])).rows[0]?.mqtt_topic;
  if (!topic) throw new Error('the agency has no MQTT topic any more');
  await mqtt.publishAsync(topic, await payloadOf(deps, row), { qos: 1 });
}

/** Attempts every due outbound handoff once; returns how many were attempted. */
export async function deliverDue(deps: DeliveryDeps, limit = 20): Promise<number> {
  // Lease: the due rows' next attempt moves a minute ahead, so nobody else takes them meanwhile.
  const leased = await deps.db.query(
    `UPDATE incident_handoffs SET next_attempt_at = now() + interval '1 minute', attempts = attempts + 1
     WHERE id IN (SELECT id FROM incident_handoffs WHERE delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= now()
                  ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    [limit],
  );
  for (const row of leased.rows) {
    try {
      await deliverOne(deps, row);
      await withTransaction(deps.db, async (tx) => {
        await tx.query(`UPDATE incident_handoffs SET delivered_at = now(), next_attempt_at = NULL, last_error = NULL WHERE id = $1`, [row.id]);
        await addIncidentEvent(tx, Number(row.incident_id), deliverer, { type: 'handoff_delivered', data: { handoffId: Number(row.id), agencyName: row.agency_name, attempts: Number(row.attempts) } });
        await publishIncident(tx, deps.live, Number(row.incident_id));
      });
      deliveries.inc({ delivery: String(row.delivery), outcome: 'delivered' });
    } catch (error) {
      const message = (error as Error).name === 'TimeoutError' ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` : (error as Error).message;
      const attempts = Number(row.attempts);
      const giveUp = attempts >= MAX_ATTEMPTS;
      const delayS = Math.min(600, 10 * 2 ** (attempts - 1));
      await withTransaction(deps.db, async (tx) => {
        await tx.query(
          `UPDATE incident_handoffs SET last_error = $2, next_attempt_at = CASE WHEN $3 THEN NULL ELSE now() + make_interval(secs => $4) END,
             gave_up_at = CASE WHEN $3 THEN now() END WHERE id = $1`,
          [row.id, message.slice(0, 300), giveUp, delayS],
        );
        if (giveUp) {
          await addIncidentEvent(tx, Number(row.incident_id), deliverer, { type: 'handoff_failed', data: { handoffId: Number(row.id), agencyName: row.agency_name, attempts, error: message.slice(0, 300) } });
          await publishIncident(tx, deps.live, Number(row.incident_id));
        }
      });
      deliveries.inc({ delivery: String(row.delivery), outcome: giveUp ? 'gave_up' : 'retry' });
    }
  }
  return leased.rowCount ?? 0;
}

export function createHandoffDelivery(deps: DeliveryDeps, logger: Logger, intervalMs = 1000): Component {
  const task = new PeriodicTask('handoff-delivery', () => deliverDue(deps), logger, intervalMs, Math.min(1000, intervalMs));
  return { name: 'handoff-delivery', start: () => task.start(), stop: () => task.stop() };
}
