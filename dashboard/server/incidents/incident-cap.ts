// One incident as an OASIS CAP 1.2 message: what GET /api/incidents/:id/cap answers and what a `cap`
// agency receives (handoffs.ts). Each version of the incident (each change, repository.ts) is its own
// message: the first is an Alert, later ones Updates referencing the first; a resolved or closed
// incident is an Update saying AllClear, and one merged into another is a Cancel pointing there (the
// other incident's messages carry on). A Vietnamese and an English <info>; the area is a circle around
// the incident's point, else its district's outline. What callers said stays out: it may name people.
import type { Queryable } from '@cityops/core/database/pool';
import type { IncidentKind, IncidentView } from '@cityops/contract/incidents';
import { capAlert, capInfo, capReference, capTime } from '../cap-xml.ts';
import { getIncident, incidentCapFacts, type IncidentCapFacts } from './repository.ts';

/** A hotline place is a street address, less exact than a device's: a wider circle than an alert's 0.2 km. */
const POINT_RADIUS_KM = 0.3;

export const KIND_NAMES: Record<IncidentKind, { vi: string; en: string }> = {
  flooding: { vi: 'Ngập nước', en: 'Flooding' },
  traffic_accident: { vi: 'Tai nạn giao thông', en: 'Traffic accident' },
  stalled_vehicle: { vi: 'Xe dừng bất thường', en: 'Stalled vehicle' },
  crowd: { vi: 'Tụ tập đông người', en: 'Crowd' },
  fire: { vi: 'Cháy', en: 'Fire' },
  infrastructure_fault: { vi: 'Sự cố hạ tầng', en: 'Infrastructure fault' },
  public_order: { vi: 'An ninh trật tự', en: 'Public order' },
  other: { vi: 'Sự việc khác', en: 'Other incident' },
};

/** CAP 1.2 <category> values; flooding is "Met" as for the gauges' alerts (rain and tide). */
const CAP_CATEGORIES: Record<IncidentKind, string[]> = {
  flooding: ['Met'],
  traffic_accident: ['Transport', 'Rescue'],
  stalled_vehicle: ['Transport'],
  crowd: ['Safety'],
  fire: ['Fire'],
  infrastructure_fault: ['Infra'],
  public_order: ['Security'],
  other: ['Other'],
};

export const incidentCapIdentifier = (incidentId: number, eventId: number) => `cityops-incident-${incidentId}-${eventId}`;
/** The name of the incident itself in CAP <incidents>, the same in every version. */
const incidentName = (incidentId: number) => `cityops-incident-${incidentId}`;

export interface IncidentCapOptions {
  /** CAP <sender> (config CAP_SENDER). */
  sender: string;
  /** The dashboard's public URL (config PUBLIC_URL), for the incident page link. */
  publicUrl?: string;
  /**
   * The recipient has had no message about this incident before (an agency it is handed to): an
   * Alert then, not an Update referencing a message it never received.
   */
  firstForRecipient?: boolean;
}

export function incidentToCap(incident: IncidentView, facts: IncidentCapFacts, options: IncidentCapOptions): string {
  const isFirst = facts.latest.eventId === facts.first.eventId || Boolean(options.firstForRecipient);
  const ended = incident.state === 'resolved' || incident.state === 'closed';
  const merged = incident.mergedIntoId !== null;
  const web = options.publicUrl ? `${options.publicUrl.replace(/\/$/, '')}/incidents/${incident.id}` : undefined;
  const infos = (['vi', 'en'] as const).map((language) => {
    const kindName = KIND_NAMES[incident.kind][language];
    const place = [incident.address, facts.district?.name].filter(Boolean).join(', ');
    const headline = place ? `${kindName}: ${place}` : kindName;
    return capInfo({
      language,
      categories: CAP_CATEGORIES[incident.kind],
      event: kindName,
      // People are told to keep away from the place while it is handled; "other" may be anything.
      responseType: ended ? 'AllClear' : incident.kind === 'other' ? 'Monitor' : 'Avoid',
      urgency: ended ? 'Past' : 'Immediate',
      severity: incident.severity,
      // Seen by a device or by the team on scene; otherwise as callers told it.
      certainty: incident.alertIds.length > 0 || incident.onSceneAt !== null ? 'Observed' : 'Likely',
      eventCode: ['cityops:kind', incident.kind],
      effective: new Date(incident.openedAt),
      onset: new Date(incident.openedAt),
      headline,
      description: incident.title || headline,
      web,
      parameters: [
        ['cityops:incidentId', String(incident.id)],
        ['cityops:state', incident.state],
        ['cityops:severity', incident.severity],
        ['cityops:alerts', String(incident.alertIds.length)],
        ...Object.entries(facts.callsByLine).map(([line, calls]) => [`cityops:hotline:${line}`, String(calls)] as [string, string]),
        ...(incident.resolvedAt ? [['cityops:resolved', capTime(new Date(incident.resolvedAt))] as [string, string]] : []),
        ...(merged ? [['cityops:mergedInto', String(incident.mergedIntoId)] as [string, string]] : []),
      ],
      area: {
        description: place || (language === 'vi' ? 'Không rõ địa điểm' : 'Place unknown'),
        point: incident.lat !== null && incident.lon !== null ? { lat: incident.lat, lon: incident.lon, radiusKm: POINT_RADIUS_KM } : null,
        districtGeometry: facts.district?.geometry,
      },
    });
  });
  return capAlert({
    identifier: incidentCapIdentifier(incident.id, facts.latest.eventId),
    sender: options.sender,
    sentAt: facts.latest.at,
    msgType: merged ? 'Cancel' : isFirst ? 'Alert' : 'Update',
    note: merged ? `Merged into incident ${incident.mergedIntoId}; its messages carry on.` : undefined,
    references: isFirst ? [] : [capReference(options.sender, incidentCapIdentifier(incident.id, facts.first.eventId), facts.first.at)],
    incidents: [incidentName(incident.id), ...(merged ? [incidentName(incident.mergedIntoId!)] : [])],
    infos,
  });
}

/** The incident's current CAP message, read from the database. */
export async function incidentCapOf(db: Queryable, incidentId: number, options: IncidentCapOptions): Promise<string> {
  const incident = await getIncident(db, incidentId);
  return incidentToCap(incident, await incidentCapFacts(db, incident), options);
}
