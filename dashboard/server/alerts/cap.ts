// One alert as an OASIS Common Alerting Protocol 1.2 message (http://docs.oasis-open.org/emergency/cap/v1.2/),
// so other city and national systems can take our alerts without knowing CityOps. One <info> block
// per language (Vietnamese first), one <area> with a circle around the location or the district's
// polygon.
import { CAP_CATEGORY, KIND_NAMES } from './kinds.ts';
import type { AlertSeverity, AlertView } from '@cityops/contract/alerts';
import { element, parent } from './xml.ts';

export const CAP_NAMESPACE = 'urn:oasis:names:tc:emergency:cap:1.2';

const CAP_SEVERITY: Record<AlertSeverity, string> = { critical: 'Extreme', major: 'Severe', minor: 'Moderate', info: 'Minor' };
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

/** CAP dateTime: no fractional seconds, numeric zone; UTC written "-00:00" as the standard requires. */
export const capTime = (date: Date) => `${date.toISOString().slice(0, 19)}-00:00`;

export function alertToCap(alert: AlertView, context: CapContext): string {
  const isFirst = alert.lastEventId === context.firstMessage.eventId;
  const ended = alert.state === 'resolved' || alert.state === 'closed';
  const infos = (['vi', 'en'] as const).map((language) =>
    parent('info', [
      element('language', language === 'vi' ? 'vi-VN' : 'en-US'),
      element('category', CAP_CATEGORY[alert.kind]),
      element('event', KIND_NAMES[alert.kind][language]),
      element('responseType', ended ? 'AllClear' : 'Monitor'),
      element('urgency', ended ? 'Past' : 'Immediate'),
      element('severity', CAP_SEVERITY[alert.severity]),
      // Devices observed it; an operator's manual report is likely but not measured.
      element('certainty', alert.kind === 'manual' ? 'Likely' : 'Observed'),
      parent('eventCode', [element('valueName', 'cityops:kind'), element('value', alert.kind)]),
      element('effective', capTime(new Date(alert.firstSeenAt))),
      element('onset', capTime(new Date(alert.firstSeenAt))),
      element('senderName', language === 'vi' ? 'Trung tâm điều hành CityOps' : 'CityOps operations center'),
      element('headline', alert.title[language].slice(0, 160)),
      element('description', alert.description[language] || alert.title[language]),
      element('web', context.web),
      parameter('cityops:state', alert.state),
      parameter('cityops:occurrences', String(alert.occurrences)),
      parameter('cityops:lastSeen', capTime(new Date(alert.lastSeenAt))),
      parameter('cityops:source', `${alert.source.type}:${alert.source.id}${alert.source.zoneId ? `#${alert.source.zoneId}` : ''}`),
      ...(alert.autoCleared ? [parameter('cityops:autoCleared', capTime(new Date(alert.autoCleared.at)))] : []),
      area(alert, context, language),
    ]),
  );
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    parent(
      'alert',
      [
        element('identifier', capIdentifier(alert.id, alert.lastEventId)),
        element('sender', context.sender),
        element('sent', capTime(context.sentAt)),
        element('status', 'Actual'),
        element('msgType', isFirst ? 'Alert' : 'Update'),
        element('scope', 'Public'),
        isFirst ? '' : element('references', `${context.sender},${capIdentifier(alert.id, context.firstMessage.eventId)},${capTime(context.firstMessage.sentAt)}`),
        ...infos,
      ],
      { xmlns: CAP_NAMESPACE },
    )
  );
}

const parameter = (name: string, value: string) => parent('parameter', [element('valueName', name), element('value', value)]);

function area(alert: AlertView, context: CapContext, language: 'vi' | 'en'): string {
  const place = context.district?.name ?? (language === 'vi' ? 'Không rõ quận' : 'District unknown');
  const shapes: string[] = [];
  if (alert.lat !== null && alert.lon !== null) {
    shapes.push(element('circle', `${alert.lat},${alert.lon} ${POINT_RADIUS_KM}`));
  } else {
    for (const ring of outerRings(context.district?.geometry)) shapes.push(element('polygon', ring.map(([lon, lat]) => `${lat},${lon}`).join(' ')));
  }
  return parent('area', [element('areaDesc', place), ...shapes]);
}

/** Outer rings of a GeoJSON Polygon or MultiPolygon (CAP polygons are closed rings of 4+ points, lat,lon). */
function outerRings(geometry: unknown): number[][][] {
  const shape = geometry as { type?: string; coordinates?: unknown; geometry?: unknown } | null | undefined;
  if (!shape) return [];
  if (shape.type === 'Feature') return outerRings(shape.geometry);
  const rings =
    shape.type === 'Polygon' ? [(shape.coordinates as number[][][])[0]] : shape.type === 'MultiPolygon' ? (shape.coordinates as number[][][][]).map((polygon) => polygon[0]) : [];
  return rings.filter((ring) => Array.isArray(ring) && ring.length >= 4);
}
