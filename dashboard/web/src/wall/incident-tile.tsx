// The wall's incident tile: incidents in hand, and how many assignments are past a deadline (red),
// with the most overdue named. Asked every 15 s: the deadlines pass with the clock, not with an event.
import { useEffect, useState } from 'react';
import type { IncidentsOverdue } from '@cityops/contract/incident-figures';
import { apiOptional } from '../api.ts';
import { durationText } from '../duration-text.ts';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';

const POLL_MS = 15_000;

export function IncidentTile() {
  const i18n = useI18n();
  const { t } = i18n;
  // undefined: not asked yet or the server is away (the last answer stays); null: no incidents API.
  const [answer, setAnswer] = useState<IncidentsOverdue | null>();
  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      try {
        const latest = await apiOptional<IncidentsOverdue>('/api/incidents/overdue');
        if (!cancelled) setAnswer(latest ?? null);
      } catch {
        // A failed poll keeps the last picture: a wall never goes blank for a blip.
      }
    };
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, []);
  if (answer === null) return null;
  const overdue = answer?.overdue ?? [];
  const worst = overdue[0];
  const late = worst ? durationText(i18n, worst.overdueSeconds) : '';
  return (
    <div className={`kpi wall-incidents ${overdue.length ? 'overdue' : ''}`} data-testid="wall-incidents">
      <span className="kpi-label">{t('wall.incidents')}</span>
      <span className="wall-incident-counts">
        <span className="wall-incident-count" data-testid="wall-incidents-active">
          <span className="kpi-value">{answer ? i18n.number(answer.activeIncidents) : '—'}</span>
          <span className="wall-incident-caption">{t('wall.incidentsActive')}</span>
        </span>
        <span className={`wall-incident-count late ${overdue.length ? 'nonzero' : ''}`} data-testid="wall-incidents-overdue">
          <span className="kpi-value">{answer ? i18n.number(overdue.length) : '—'}</span>
          <span className="wall-incident-caption">{t('wall.incidentsOverdue')}</span>
        </span>
      </span>
      {worst && (
        <span className="wall-incident-worst">
          {t(`figures.kind.${worst.kind}` as MessageKey)} · {t(worst.deadline === 'acknowledge' ? 'wall.overdueAcknowledge' : 'wall.overdueArrive', { team: worst.teamName, late })}
        </span>
      )}
    </div>
  );
}
