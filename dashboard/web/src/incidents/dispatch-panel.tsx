// Placeholder: the dispatch panel (teams, deadlines, escalations) is written in its own branch. This
// file only lets the incident page compile until then.
import type { IncidentView } from '@cityops/contract/incidents';
import { useI18n } from '../i18n.tsx';

export function DispatchPanel({ incident }: { incident: IncidentView }) {
  const { t } = useI18n();
  return (
    <section className="panel dispatch-panel" data-testid="dispatch-panel" data-incident-id={incident.id}>
      <h3>{t('incident.dispatch')}</h3>
    </section>
  );
}
