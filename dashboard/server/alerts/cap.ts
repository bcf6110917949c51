// One alert as an OASIS Common Alerting Protocol 1.2 message (http://docs.oasis-open.org/emergency/cap/v1.2/),
// so other city and national systems can take our alerts without knowing CityOps. One <info> block
// per language (Vietnamese first), one <area> with a circle around the location or the district's
// polygon. The CAP pieces alerts and incidents share are in ../cap-xml.ts.
import { CAP_CATEGORY, KIND_NAMES } from './kinds.ts';
import type { AlertView } from '@cityops/contract/alerts';
import { nameIn } from '@cityops/contract/devices';
import { capAlert, capInfo, capReference, capTime } from '../cap-xml.ts';

/** Radius of the CAP circle around a device's point: a camera's or gauge's surroundings. */
const POINT_RADIUS_KM = 0.2;

export interface CapContext {
  /** CAP <sender>: who issues the message (config CAP_SENDER). */
  sender: string;
  /** When this version of the alert was issued: the time of its latest change. */
  sentAt: Date;
  /** The first message about this alert, which updates reference. */
  firstMessage: { eventId: number; sentAt: Date };
  district?: { id: string; name: string; geometry: unknown } | null;
  /** Link for people (the dashboard's alert page), when a public URL is configured. */
  web?: string;
}

export const capIdentifier = (alertId: number, eventId: number) => `cityops-alert-${alertId}-${eventId}`;

export function alertToCap(alert: AlertView, context: CapContext): string {
  const isFirst = alert.lastEventId === context.firstMessage.eventId;
  const ended = alert.state === 'resolved' || alert.state === 'closed';
  const infos = (['vi', 'en'] as const).map((language) =>
    capInfo({
      language,
      categories: [CAP_CATEGORY[alert.kind]],
      event: KIND_NAMES[alert.kind][language],
      responseType: ended ? 'AllClear' : 'Monitor',
      urgency: ended ? 'Past' : 'Immediate',
      severity: alert.severity,
      // Devices observed it; an operator's manual report is likely but not measured.
      certainty: alert.kind === 'manual' ? 'Likely' : 'Observed',
      eventCode: ['cityops:kind', alert.kind],
      effective: new Date(alert.firstSeenAt),
      onset: new Date(alert.firstSeenAt),
      headline: alert.title[language],
      description: alert.description[language] || alert.title[language],
      web: context.web,
      parameters: [
        ['cityops:state', alert.state],
        ['cityops:occurrences', String(alert.occurrences)],
        ['cityops:lastSeen', capTime(new Date(alert.lastSeenAt))],
        ['cityops:source', `${alert.source.type}:${alert.source.id}${alert.source.zoneId ? `#${alert.source.zoneId}` : ''}`],
        ...(alert.autoCleared ? [['cityops:autoCleared', capTime(new Date(alert.autoCleared.at))] as [string, string]] : []),
      ],
      area: {
        description: context.district ? nameIn(context.district, language) : language === 'vi' ? 'Không rõ quận' : 'District unknown',
        point: alert.lat !== null && alert.lon !== null ? { lat: alert.lat, lon: alert.lon, radiusKm: POINT_RADIUS_KM } : null,
        districtGeometry: context.district?.geometry,
      },
    }),
  );
  return capAlert({
    identifier: capIdentifier(alert.id, alert.lastEventId),
    sender: context.sender,
    sentAt: context.sentAt,
    msgType: isFirst ? 'Alert' : 'Update',
    references: isFirst ? [] : [capReference(context.sender, capIdentifier(alert.id, context.firstMessage.eventId), context.firstMessage.sentAt)],
    infos,
  });
}
