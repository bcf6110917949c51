// The chart period shared by the sensor and traffic pages: kept in the URL (`?hours=`), so a wall
// display or a link opens on the same period.
import { useI18n } from './i18n.tsx';
import { setQueryParam, useLocation } from './router.tsx';

const PERIOD_HOURS = [6, 12, 24, 48, 168];
const DEFAULT_HOURS = 24;

/** The period from the URL; anything not offered falls back to the default. */
export function usePeriodHours(): number {
  const hours = Number(useLocation().query.get('hours') ?? DEFAULT_HOURS);
  return PERIOD_HOURS.includes(hours) ? hours : DEFAULT_HOURS;
}

export function PeriodSelect({ hours }: { hours: number }) {
  const { t } = useI18n();
  return (
    <select value={hours} onChange={(e) => setQueryParam('hours', e.target.value)} aria-label={t('traffic.period')}>
      {PERIOD_HOURS.map((value) => (
        <option key={value} value={value}>
          {t('common.hours', { count: value })}
        </option>
      ))}
    </select>
  );
}
