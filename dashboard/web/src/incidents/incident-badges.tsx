// Small pieces every incident screen shows the same way: the state badge, the kind with its symbol,
// and the place as a person reads it (address, district).
import type { IncidentKind, IncidentState, IncidentView } from '@cityops/contract/incidents';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';

/** One symbol per kind, the same the map draws in the incident's pin (map/incident-layer.ts). */
export const KIND_SYMBOLS: Record<IncidentKind, string> = {
  flooding: '≈',
  traffic_accident: '✕',
  stalled_vehicle: '■',
  crowd: '⁂',
  fire: '▲',
  infrastructure_fault: '⚡',
  public_order: '!',
  other: '?',
};

export function IncidentStateBadge({ state }: { state: IncidentState }) {
  const { t } = useI18n();
  return (
    <span className={`incident-state ${state}`} data-testid="incident-state" data-state={state}>
      {t(`incidentState.${state}`)}
    </span>
  );
}

export function IncidentKindLabel({ kind }: { kind: IncidentKind }) {
  const { t } = useI18n();
  return (
    <span className={`incident-kind ${kind}`}>
      <span className="incident-kind-symbol" aria-hidden>
        {KIND_SYMBOLS[kind]}
      </span>
      {t(`incidentKind.${kind}`)}
    </span>
  );
}

/** "12 Lê Lợi · Quận 1", or the coordinates when that is all there is. */
export function usePlaceText(): (place: Pick<IncidentView, 'address' | 'districtId' | 'lat' | 'lon'>) => string {
  const { t, language } = useI18n();
  const live = useLive();
  return (place) => {
    const district = live.districtName(place.districtId, language) ?? '';
    const parts = [place.address, district].filter(Boolean);
    if (parts.length) return parts.join(' · ');
    if (place.lat !== null && place.lon !== null) return `${place.lat.toFixed(5)}, ${place.lon.toFixed(5)}`;
    return t('incidents.noPlace');
  };
}
