// The registry of responding agencies, and who should get an incident: the agencies that cover its
// district and handle its kind, the more specific first (a district's own fire brigade before the city's).
// The URL a webhook or CAP agency is POSTed to may carry a token: it is stored encrypted and never
// answered, only its host.
import type { Queryable } from '@cityops/core/database/pool';
import { badRequest, notFound } from '@cityops/core/errors';
import type { SecretBox } from '@cityops/core/secret-box';
import { AGENCY_DELIVERIES, AGENCY_KINDS, type Agency, type AgencyDelivery, type AgencyKind, type RoutingProposal } from '@cityops/contract/agencies';
import type { IncidentKind, IncidentView } from '@cityops/contract/incidents';

export { AGENCY_DELIVERIES, AGENCY_KINDS, type Agency, type AgencyDelivery, type AgencyKind, type RoutingProposal };

export interface AgencyInput {
  name: string;
  kind: AgencyKind;
  districtIds: string[];
  incidentKinds: IncidentKind[];
  delivery: AgencyDelivery;
  /** webhook and cap: the URL POSTed to. Set to change it; absent keeps the stored one. */
  webhookUrl?: string;
  mqttTopic?: string | null;
  phone?: string | null;
  enabled: boolean;
}

const hostOf = (box: SecretBox, encrypted: string | null) => {
  if (!encrypted) return null;
  try {
    return new URL(box.decrypt(encrypted)).host;
  } catch {
    return null;
  }
};

const select = `SELECT a.*, COALESCE((SELECT array_agg(t.id ORDER BY t.id) FROM teams t WHERE t.agency_id = a.id), '{}') AS team_ids FROM agencies a`;

const asAgency = (box: SecretBox, row: Record<string, unknown>): Agency => ({
  id: Number(row.id),
  name: String(row.name),
  kind: row.kind as AgencyKind,
  districtIds: row.district_ids as string[],
  incidentKinds: row.incident_kinds as IncidentKind[],
  delivery: row.delivery as AgencyDelivery,
  webhookHost: hostOf(box, row.webhook_url_encrypted as string | null),
  mqttTopic: (row.mqtt_topic as string | null) ?? null,
  phone: (row.phone as string | null) ?? null,
  enabled: Boolean(row.enabled),
  teamIds: (row.team_ids as Array<string | number>).map(Number),
});

export async function listAgencies(db: Queryable, box: SecretBox): Promise<Agency[]> {
  return (await db.query(`${select} ORDER BY a.name`)).rows.map((row) => asAgency(box, row));
}

export async function getAgency(db: Queryable, box: SecretBox, id: number): Promise<Agency> {
  const result = await db.query(`${select} WHERE a.id = $1`, [id]);
  if (!result.rowCount) throw notFound('agency', id);
  return asAgency(box, result.rows[0]);
}

/** Deliveries POSTed to the agency's URL (webhook: JSON; cap: CAP XML). */
export const postsToUrl = (delivery: AgencyDelivery) => delivery === 'webhook' || delivery === 'cap';

/** The stored URL of a webhook or CAP agency, for the delivery worker only. */
export async function webhookUrlOf(db: Queryable, box: SecretBox, agencyId: number): Promise<string | null> {
  const encrypted = await encryptedUrlOf(db, agencyId);
  return encrypted ? box.decrypt(encrypted) : null;
}

async function encryptedUrlOf(db: Queryable, agencyId: number): Promise<string | null> {
  const result = await db.query(`SELECT webhook_url_encrypted FROM agencies WHERE id = $1`, [agencyId]);
  return (result.rows[0]?.webhook_url_encrypted as string | null | undefined) ?? null;
}

async function checkDistricts(db: Queryable, districtIds: string[]): Promise<void> {
  if (!districtIds.length) return;
  const known = await db.query(`SELECT id FROM districts WHERE id = ANY($1)`, [districtIds]);
  const missing = districtIds.filter((id) => !known.rows.some((row) => row.id === id));
  if (missing.length) throw badRequest(`district ${missing.join(', ')} is not registered`, 'districtIds', { reason: 'does_not_exist', params: { what: 'district', id: missing.join(', ') } });
}

export async function saveAgency(db: Queryable, box: SecretBox, input: AgencyInput, id?: number): Promise<Agency> {
  await checkDistricts(db, input.districtIds);
  const encryptedUrl = input.webhookUrl ? box.encrypt(input.webhookUrl) : null;
  const values = [input.name, input.kind, input.districtIds, input.incidentKinds, input.delivery, encryptedUrl, input.mqttTopic ?? null, input.phone ?? null, input.enabled];
  // An edit without a URL keeps the stored one; a switch to a URL delivery needs one stored or sent.
  if (postsToUrl(input.delivery) && !encryptedUrl && (id === undefined || !(await encryptedUrlOf(db, id)))) {
    throw badRequest(`a ${input.delivery} agency needs its URL`, 'webhookUrl', { reason: 'agency_url_required' });
  }
  if (id === undefined) {
    const result = await db.query(
      `INSERT INTO agencies (name, kind, district_ids, incident_kinds, delivery, webhook_url_encrypted, mqtt_topic, phone, enabled)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      values,
    );
    return getAgency(db, box, Number(result.rows[0].id));
  }
  const result = await db.query(
    `UPDATE agencies SET name = $1, kind = $2, district_ids = $3, incident_kinds = $4, delivery = $5,
       webhook_url_encrypted = COALESCE($6, webhook_url_encrypted), mqtt_topic = $7, phone = $8, enabled = $9, updated_at = now()
     WHERE id = $10`,
    [...values, id],
  );
  if (!result.rowCount) throw notFound('agency', id);
  return getAgency(db, box, id);
}

export async function deleteAgency(db: Queryable, id: number): Promise<void> {
  const result = await db.query(`DELETE FROM agencies WHERE id = $1`, [id]);
  if (!result.rowCount) throw notFound('agency', id);
}

export async function setTeamAgency(db: Queryable, teamId: number, agencyId: number | null): Promise<void> {
  const result = await db.query(`UPDATE teams SET agency_id = $2, updated_at = now() WHERE id = $1`, [teamId, agencyId]);
  if (!result.rowCount) throw notFound('team', teamId);
}

/**
 * The routing rule: enabled agencies whose districts include the incident's (or cover the whole city)
 * and whose kinds include the incident's (or all kinds); an agency naming the district or the kind
 * ranks before one that covers everything.
 */
export async function routingProposals(db: Queryable, box: SecretBox, incident: Pick<IncidentView, 'kind' | 'districtId'>): Promise<RoutingProposal[]> {
  const result = await db.query(
    `${select}
     WHERE a.enabled AND (cardinality(a.district_ids) = 0 OR $1 = ANY(a.district_ids)) AND (cardinality(a.incident_kinds) = 0 OR $2 = ANY(a.incident_kinds))
     ORDER BY COALESCE($1 = ANY(a.district_ids), false) DESC, ($2 = ANY(a.incident_kinds)) DESC, a.name`,
    [incident.districtId, incident.kind],
  );
  return result.rows.map((row) => {
    const agency = asAgency(box, row);
    return { agency, coversDistrict: incident.districtId !== null && agency.districtIds.includes(incident.districtId), handlesKind: agency.incidentKinds.includes(incident.kind) };
  });
}
