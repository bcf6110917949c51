// OASIS Common Alerting Protocol 1.2 (http://docs.oasis-open.org/emergency/cap/v1.2/) messages, for
// what alerts (alerts/cap.ts) and incidents (incidents/incident-cap.ts) share: the namespace, the
// time format, the severity words, the area, and the element order of <alert> and <info>. The schema
// (CAP-v1.2.xsd) fixes that order, so it is written here once, from typed fields, and both
// messages validate or neither does (tests/incidents/cap.test.ts checks against the XSD).
import type { AlertSeverity } from '@cityops/contract/alerts';
import { element, parent } from './xml.ts';

export const CAP_NAMESPACE = 'urn:oasis:names:tc:emergency:cap:1.2';

/** Our four severities in CAP's words. */
export const CAP_SEVERITY: Record<AlertSeverity, string> = { critical: 'Extreme', major: 'Severe', minor: 'Moderate', info: 'Minor' };

export const CAP_SENDER_NAME = { vi: 'Trung tâm điều hành CityOps', en: 'CityOps operations center' } as const;

/** CAP dateTime: no fractional seconds, numeric zone; UTC written "-00:00" as the standard requires. */
export const capTime = (date: Date) => `${date.toISOString().slice(0, 19)}-00:00`;

/** One entry of <references>: "sender,identifier,sent" of an earlier message. */
export const capReference = (sender: string, identifier: string, sentAt: Date) => `${sender},${identifier},${capTime(sentAt)}`;

export interface CapAlertFields {
  identifier: string;
  sender: string;
  sentAt: Date;
  msgType: 'Alert' | 'Update' | 'Cancel';
  note?: string;
  /** Earlier messages this one updates or cancels (capReference entries). */
  references?: string[];
  /** Identifiers of the incidents the message is about (CAP <incidents>, space-separated). */
  incidents?: string[];
  infos: string[];
}

/** The whole document: status Actual, scope Public. */
export function capAlert(fields: CapAlertFields): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    parent(
      'alert',
      [
        element('identifier', fields.identifier),
        element('sender', fields.sender),
        element('sent', capTime(fields.sentAt)),
        element('status', 'Actual'),
        element('msgType', fields.msgType),
        element('scope', 'Public'),
        element('note', fields.note),
        fields.references?.length ? element('references', fields.references.join(' ')) : '',
        fields.incidents?.length ? element('incidents', fields.incidents.join(' ')) : '',
        ...fields.infos,
      ],
      { xmlns: CAP_NAMESPACE },
    )
  );
}

export interface CapInfoFields {
  language: 'vi' | 'en';
  categories: string[];
  event: string;
  responseType: string;
  urgency: 'Immediate' | 'Expected' | 'Future' | 'Past' | 'Unknown';
  severity: AlertSeverity;
  certainty: 'Observed' | 'Likely' | 'Possible' | 'Unlikely' | 'Unknown';
  eventCode: [name: string, value: string];
  effective: Date;
  onset: Date;
  headline: string;
  description: string;
  web?: string;
  parameters: Array<[name: string, value: string]>;
  area: CapAreaFields;
}

/** One <info> block, in one language. */
export function capInfo(fields: CapInfoFields): string {
  return parent('info', [
    element('language', fields.language === 'vi' ? 'vi-VN' : 'en-US'),
    ...fields.categories.map((category) => element('category', category)),
    element('event', fields.event),
    element('responseType', fields.responseType),
    element('urgency', fields.urgency),
    element('severity', CAP_SEVERITY[fields.severity]),
    element('certainty', fields.certainty),
    pair('eventCode', fields.eventCode),
    element('effective', capTime(fields.effective)),
    element('onset', capTime(fields.onset)),
    element('senderName', CAP_SENDER_NAME[fields.language]),
    // CAP asks headlines to stay short (160 characters) for SMS-like channels.
    element('headline', fields.headline.slice(0, 160)),
    element('description', fields.description),
    element('web', fields.web),
    ...fields.parameters.map((entry) => pair('parameter', entry)),
    capArea(fields.area),
  ]);
}

const pair = (name: string, [valueName, value]: [string, string]) => parent(name, [element('valueName', valueName), element('value', value)]);

export interface CapAreaFields {
  description: string;
  /** A circle of this radius around the point, when there is one; else the district's outline. */
  point: { lat: number; lon: number; radiusKm: number } | null;
  districtGeometry?: unknown;
}

export function capArea(area: CapAreaFields): string {
  const shapes: string[] = [];
  if (area.point) {
    shapes.push(element('circle', `${area.point.lat},${area.point.lon} ${area.point.radiusKm}`));
  } else {
    for (const ring of outerRings(area.districtGeometry)) shapes.push(element('polygon', ring.map(([lon, lat]) => `${lat},${lon}`).join(' ')));
  }
  // Polygons come before circles in the schema; only one kind is written here.
  return parent('area', [element('areaDesc', area.description), ...shapes]);
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
