// The active alerts as an Atom feed (RFC 4287): the simplest way for another system or a feed
// reader to follow them. Each entry links to its CAP document, as CAP feeds customarily do.
import { KIND_NAMES } from './kinds.ts';
import type { AlertView } from '@cityops/contract/alerts';
import { nameIn, type PlaceNames } from '@cityops/contract/devices';
import { element, emptyElement, parent } from '../xml.ts';

export function activeAlertsAtom(alerts: AlertView[], options: { baseUrl: string; language: 'vi' | 'en'; generatedAt: Date; districts?: ReadonlyMap<string, PlaceNames> }): string {
  const { baseUrl, language } = options;
  const updated = alerts.reduce((latest, alert) => (alert.lastSeenAt > latest ? alert.lastSeenAt : latest), options.generatedAt.toISOString());
  const entries = alerts.map((alert) =>
    parent('entry', [
      element('id', `urn:cityops:alert:${alert.id}`),
      element('title', `[${alert.severity}] ${alert.title[language]}`),
      element('updated', alert.lastSeenAt),
      element('published', alert.firstSeenAt),
      element('summary', alert.description[language] || alert.title[language]),
      emptyElement('category', { term: alert.kind, label: KIND_NAMES[alert.kind][language] }),
      ...districtCategory(alert.districtId, options.districts, language),
      emptyElement('link', { rel: 'alternate', type: 'application/cap+xml', href: `${baseUrl}/api/alerts/${alert.id}/cap` }),
      ...(alert.lat !== null && alert.lon !== null ? [element('georss:point', `${alert.lat} ${alert.lon}`)] : []),
    ]),
  );
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    parent(
      'feed',
      [
        element('id', 'urn:cityops:alerts:active'),
        element('title', language === 'vi' ? 'CityOps: cảnh báo đang mở' : 'CityOps: active alerts'),
        element('updated', updated),
        parent('author', [element('name', 'CityOps')]),
        emptyElement('link', { rel: 'self', type: 'application/atom+xml', href: `${baseUrl}/api/alerts/feed.atom?lang=${language}` }),
        ...entries,
      ],
      { xmlns: 'http://www.w3.org/2005/Atom', 'xmlns:georss': 'http://www.georss.org/georss', 'xml:lang': language },
    )
  );
}

/** The alert's district as a category in its own scheme, named in the feed's language. */
function districtCategory(id: string | null, districts: ReadonlyMap<string, PlaceNames> | undefined, language: 'vi' | 'en'): string[] {
  if (!id) return [];
  const district = districts?.get(id);
  return [emptyElement('category', { scheme: 'urn:cityops:district', term: id, label: district ? nameIn(district, language) : id })];
}
