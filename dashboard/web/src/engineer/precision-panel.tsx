// How often each camera's or sensor's rule was right (/engineer/precision): the alerts resolved in the
// period and the false alarms operators marked among them, worst first, with the hours of the day the
// false alarms come at. Where a rule should be tuned, and when.
import { useEffect, useState } from 'react';
import type { AlertPrecisionRow } from '@cityops/contract/alerts';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { ErrorNote } from '../ui.tsx';
import { RuleProposals } from './rule-proposals.tsx';

const PERIODS = [7, 30, 90];

export function PrecisionPanel() {
  const { t, name: nameOf } = useI18n();
  const live = useLive();
  const [days, setDays] = useState(30);
  const [rows, setRows] = useState<AlertPrecisionRow[]>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let current = true;
    setError(undefined);
    api<{ rows: AlertPrecisionRow[] }>(`/api/alerts/precision?days=${days}`)
      .then((answer) => current && setRows(answer.rows))
      .catch((caught) => current && setError(caught));
    return () => {
      current = false;
    };
  }, [days]);

  const deviceName = (row: AlertPrecisionRow) =>
    nameOf((row.sourceType === 'camera' ? live.camera(row.sourceId) : row.sourceType === 'sensor' ? live.sensor(row.sourceId) : undefined) ?? { name: row.sourceId });

  return (
    <>
      <section className="panel table-panel precision-panel" data-testid="precision-panel">
        <header className="panel-header">
          <h2>{t('precision.title')}</h2>
          <select value={days} onChange={(e) => setDays(Number(e.target.value))} aria-label={t('precision.title')} data-testid="precision-days">
            {PERIODS.map((period) => (
              <option key={period} value={period}>
                {t('precision.days', { days: period })}
              </option>
            ))}
          </select>
        </header>
        <p className="muted small precision-hint">{t('precision.hint', { days })}</p>
        <ErrorNote error={error} />
        {rows && rows.length === 0 && <p className="muted precision-hint">{t('precision.empty')}</p>}
        {rows && rows.length > 0 && (
          <div className="table-scroll">
            <table className="data-table" data-testid="precision-table">
              <thead>
                <tr>
                  <th>{t('precision.source')}</th>
                  <th>{t('precision.rule')}</th>
                  <th className="numeric">{t('precision.resolved')}</th>
                  <th className="numeric">{t('precision.falseAlarms')}</th>
                  <th className="numeric">{t('precision.precision')}</th>
                  <th>{t('precision.byHour')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={`${row.sourceType}:${row.sourceId}:${row.kind}`} data-testid="precision-row" data-source-id={row.sourceId} data-kind={row.kind}>
                    <td>{deviceName(row)}</td>
                    <td>{t(`kind.${row.kind}` as MessageKey)}</td>
                    <td className="numeric">{row.resolved}</td>
                    <td className="numeric">{row.falseAlarms}</td>
                    <td className={`numeric precision-value ${row.precision !== null && row.precision < 0.5 ? 'poor' : ''}`} data-testid="precision-value">
                      {row.precision === null ? '—' : `${Math.round(row.precision * 100)} %`}
                    </td>
                    <td>
                      <HourStrip falseAlarms={row.falseAlarmsByHour} resolved={row.resolvedByHour} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <RuleProposals days={days} />
    </>
  );
}

/** 24 cells, one per hour: darker the more false alarms; the count written in the cell. */
function HourStrip({ falseAlarms, resolved }: { falseAlarms: number[]; resolved: number[] }) {
  const most = Math.max(1, ...falseAlarms);
  return (
    <div className="hour-strip" aria-hidden={false}>
      {falseAlarms.map((count, hour) => (
        <span
          key={hour}
          className="hour-cell"
          title={`${String(hour).padStart(2, '0')}:00 · ${count} / ${resolved[hour]}`}
          style={{ background: count ? `rgba(255, 59, 78, ${0.25 + (0.75 * count) / most})` : undefined }}
          data-hour={hour}
          data-false-alarms={count}
        >
          {count || ''}
        </span>
      ))}
    </div>
  );
}
