// The residents' reports an incident holds, on its page: what each resident said (as text), their photos
// and clip, their contact (operators only: the server leaves it out for others), and for operators a
// reject with a reason the resident is shown. Loaded again whenever the incident changes (a new report,
// a rejection, a rating all move its updatedAt).
import { useEffect, useState } from 'react';
import type { ReportView } from '@cityops/contract/citizen-reports';
import type { IncidentView } from '@cityops/contract/incidents';
import { api, ApiError } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';
import { canOperate, useUser } from '../session.tsx';
import { Icon } from '../ui.tsx';

export function ReportsOfIncident({ incident }: { incident: IncidentView }) {
  const i18n = useI18n();
  const { t } = i18n;
  const user = useUser();
  const [reports, setReports] = useState<ReportView[]>([]);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let current = true;
    api<{ reports: ReportView[] }>(`/api/reports?incident=${incident.id}`).then(
      (answer) => current && setReports(answer.reports),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [incident.id, incident.updatedAt, version]);

  if (reports.length === 0) return null;
  return (
    <section className="panel incident-sources" data-testid="incident-reports">
      <h3>{t('incident.reports', { count: reports.length })}</h3>
      <ul className="source-list">
        {reports.map((report) => (
          <li key={report.id} className={`source-item report ${report.rejectedAt ? 'rejected' : ''}`} data-testid="incident-report" data-code={report.code} data-rejected={Boolean(report.rejectedAt)}>
            <div className="source-main">
              <span className="source-title">
                <Icon name="user" size={14} /> {t(`report.category.${report.category}` as MessageKey)} · {report.code} · {i18n.time(report.receivedAt)}
              </span>
              {report.description && <q className="call-said" data-testid="incident-report-description">{report.description}</q>}
              {(report.photoCount > 0 || report.hasClip) && (
                <span className="report-media">
                  {Array.from({ length: report.photoCount }, (_, index) => (
                    <a key={index} href={`/api/reports/${report.id}/photos/${index}`} target="_blank" rel="noreferrer">
                      <img src={`/api/reports/${report.id}/photos/${index}`} alt={`${report.code} ${index + 1}`} data-testid="incident-report-photo" />
                    </a>
                  ))}
                  {report.hasClip && (
                    <a href={`/api/reports/${report.id}/clip`} target="_blank" rel="noreferrer">
                      <Icon name="camera" size={14} /> {t('incident.reportClip')}
                    </a>
                  )}
                </span>
              )}
              <span className="source-meta">
                {report.contact && (
                  <span data-testid="incident-report-contact">
                    {t('incident.reportContact')}: {report.contact}
                  </span>
                )}
                {report.rating && <span>· {t('incident.reportRating', { stars: report.rating.stars })}</span>}
                {report.rejectedAt && <span className="report-rejected">{t('incident.reportRejected', { reason: report.rejectionReason ?? '', user: report.rejectedBy ?? '' })}</span>}
              </span>
              {!report.rejectedAt && canOperate(user) && <RejectReport report={report} onDone={() => setVersion((n) => n + 1)} />}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function RejectReport({ report, onDone }: { report: ReportView; onDone(): void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (!open) {
    return (
      <button type="button" className="button small" onClick={() => setOpen(true)} data-testid="incident-report-reject">
        {t('incident.reportReject')}
      </button>
    );
  }
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api(`/api/reports/${report.id}/reject`, { method: 'POST', body: { reason } });
      setOpen(false);
      onDone();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="report-reject"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label>
        {t('incident.reportRejectReason')}
        <input value={reason} onChange={(event) => setReason(event.target.value)} maxLength={500} required minLength={3} data-testid="incident-report-reject-reason" />
      </label>
      {error && <p className="form-error" role="alert">{error}</p>}
      <button type="submit" className="button small danger" disabled={busy} data-testid="incident-report-reject-confirm">
        {t('incident.reportRejectConfirm')}
      </button>
    </form>
  );
}
