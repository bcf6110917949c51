// The reports page: the daily and weekly operations reports made so far (newest period first), each as
// PDF and CSV, and a form to make one now for a day or a week in Vietnamese or English.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { LEADER_REPORT_KINDS, REPORT_LANGUAGES, type LeaderReport, type LeaderReportKind, type LeaderReportList, type ReportLanguage } from '@cityops/contract/leader-reports';
import { api, apiOptional } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { EmptyState, ErrorNote, Icon, Spinner, Unavailable } from '../ui.tsx';
import './reports-page.css';

const DAY_MS = 86_400_000;
/** Vietnam keeps UTC+7 all year: the city's yesterday, as the server counts report days. */
const cityYesterday = () => new Date(Date.now() + 7 * 3_600_000 - DAY_MS).toISOString().slice(0, 10);

export default function ReportsPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const [reports, setReports] = useState<LeaderReport[] | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>();
  const [kind, setKind] = useState<LeaderReportKind>('daily');
  const [day, setDay] = useState(cityYesterday);
  const [language, setLanguage] = useState<ReportLanguage>(i18n.language);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [made, setMade] = useState<LeaderReport>();

  const load = useCallback(async () => {
    try {
      const answer = await apiOptional<LeaderReportList>('/api/leader-reports');
      setReports(answer ? answer.reports : null);
      setLoadError(undefined);
    } catch (failure) {
      setLoadError(failure);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const dayText = (value: string) => new Intl.DateTimeFormat(i18n.language === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'UTC', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(`${value}T00:00:00Z`));
  const periodText = (report: LeaderReport) => {
    if (report.kind === 'daily') return dayText(report.day);
    const lastDay = new Date(Date.parse(`${report.day}T00:00:00Z`) + 6 * DAY_MS).toISOString().slice(0, 10);
    return `${dayText(report.day)} – ${dayText(lastDay)}`;
  };

  const generate = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setMade(undefined);
    try {
      const answer = await api<{ report: LeaderReport }>('/api/leader-reports', { method: 'POST', body: { kind, day, language } });
      setMade(answer.report);
      await load();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page leader-reports-page" data-testid="leader-reports">
      <header className="page-header">
        <div>
          <h1>{t('leaderReports.title')}</h1>
          <p className="muted">{t('leaderReports.subtitle')}</p>
        </div>
      </header>

      <section className="panel">
        <form className="leader-report-form" onSubmit={(event) => void generate(event)} data-testid="leader-report-form">
          <label className="inline-field">
            <span className="muted small">{t('leaderReports.kind')}</span>
            <select value={kind} onChange={(event) => setKind(event.target.value as LeaderReportKind)} data-testid="leader-report-kind">
              {LEADER_REPORT_KINDS.map((value) => (
                <option key={value} value={value}>
                  {t(`leaderReports.kind.${value}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            <span className="muted small">{t('leaderReports.day')}</span>
            <input type="date" value={day} max={cityYesterday()} required onChange={(event) => setDay(event.target.value)} data-testid="leader-report-day" />
          </label>
          <label className="inline-field">
            <span className="muted small">{t('leaderReports.language')}</span>
            <select value={language} onChange={(event) => setLanguage(event.target.value as ReportLanguage)} data-testid="leader-report-language">
              {REPORT_LANGUAGES.map((value) => (
                <option key={value} value={value}>
                  {t(`leaderReports.language.${value}`)}
                </option>
              ))}
            </select>
          </label>
          <button className="button primary" type="submit" disabled={busy} data-testid="leader-report-generate">
            <Icon name="plus" /> {busy ? t('leaderReports.generating') : t('leaderReports.generate')}
          </button>
        </form>
        <ErrorNote error={error} />
        {made && (
          <p className="muted small" role="status" data-testid="leader-report-made">
            {t('leaderReports.generated', { period: periodText(made) })}
          </p>
        )}
      </section>

      <section className="panel table-panel">
        <header className="panel-header">
          <h2>
            {t('leaderReports.list')} <span className="panel-count">{reports?.length ?? 0}</span>
          </h2>
        </header>
        {loadError ? (
          <ErrorNote error={loadError} />
        ) : reports === undefined ? (
          <Spinner label={t('common.loading')} />
        ) : reports === null ? (
          <Unavailable what="feature.leaderReports" />
        ) : reports.length === 0 ? (
          <EmptyState icon="log" title={t('leaderReports.none')} detail={t('leaderReports.noneDetail')} />
        ) : (
          <div className="table-scroll">
            <table className="data-table" data-testid="leader-report-table">
              <thead>
                <tr>
                  <th>{t('leaderReports.period')}</th>
                  <th>{t('leaderReports.kind')}</th>
                  <th>{t('leaderReports.language')}</th>
                  <th>{t('leaderReports.createdAt')}</th>
                  <th>{t('leaderReports.createdBy')}</th>
                  <th>{t('leaderReports.files')}</th>
                </tr>
              </thead>
              <tbody>
                {reports.map((report) => (
                  <tr key={report.id} className={made?.id === report.id ? 'selected' : ''} data-testid="leader-report-row" data-kind={report.kind} data-language={report.language} data-day={report.day}>
                    <td>{periodText(report)}</td>
                    <td>{t(`leaderReports.kind.${report.kind}`)}</td>
                    <td>{t(`leaderReports.language.${report.language}`)}</td>
                    <td>{i18n.dateTime(report.createdAt)}</td>
                    <td>{report.createdBy ?? t('leaderReports.schedule')}</td>
                    <td className="leader-report-files">
                      <a className="button small" href={`/api/leader-reports/${report.id}/pdf`} download data-testid="leader-report-pdf">
                        <Icon name="download" /> PDF
                      </a>{' '}
                      <a className="button small" href={`/api/leader-reports/${report.id}/csv`} download data-testid="leader-report-csv">
                        <Icon name="download" /> CSV
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
