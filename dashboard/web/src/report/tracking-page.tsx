// /report/:code: what became of a resident's report, by its code (no account). The steps received → being
// handled (by which agency or team) → resolved, how many residents reported the same, the resident's own
// photos and clip, the team's note and proof photo once resolved, the reason when it was not accepted;
// and, once resolved and not yet rated, 1-5 stars and a comment. Asked again every 30 s while open.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { REPORT_LIMITS, type PublicReportState, type PublicReportView } from '@cityops/contract/citizen-reports';
import { api, ApiError } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { Link } from '../router.tsx';
import { EmptyState, Icon, Spinner } from '../ui.tsx';
import { CategoryIcon } from './category-icons.tsx';
import { categoryLabel } from './report-page.tsx';
import { errorMessage } from '../server-messages.ts';

const REFRESH_MS = 30_000;
const STEPS = ['received', 'in_progress', 'resolved'] as const;

const reportPath = (code: string) => `/api/public/reports/${encodeURIComponent(code)}`;

export function TrackingPage({ code }: { code: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [report, setReport] = useState<PublicReportView>();
  const [missing, setMissing] = useState(false);
  const [failed, setFailed] = useState(false);
  const [loadedAt, setLoadedAt] = useState<number>();

  const load = useCallback(async () => {
    try {
      const view = await api<PublicReportView>(reportPath(code));
      setReport(view);
      setMissing(false);
      setFailed(false);
      setLoadedAt(Date.now());
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && !error.unavailable) setMissing(true);
      else setFailed(true);
    }
  }, [code]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  if (missing) {
    return (
      <main className="report-main" data-testid="track-missing">
        <EmptyState icon="alert" title={t('track.notFound', { code })} detail={t('track.notFoundDetail')}>
          <Link to="/report" className="button primary">
            {t('track.back')}
          </Link>
        </EmptyState>
      </main>
    );
  }
  if (!report) {
    return (
      <main className="report-main">
        <Spinner label={failed ? t('track.loadFailed') : t('common.loading')} />
      </main>
    );
  }
  return (
    <main className="report-main" data-testid="track-page" data-state={report.state} data-code={report.code}>
      <section className="report-card">
        <div className="track-title">
          <CategoryIcon category={report.category} size={34} />
          <div>
            <h1>{t('track.title', { code: report.code })}</h1>
            <p className="muted">
              {t(categoryLabel(report.category))} · {t('track.submittedAt', { time: i18n.dateTime(report.submittedAt) })}
            </p>
          </div>
        </div>
        <p className="track-description" data-testid="track-description">
          {report.description}
        </p>
        {report.districtName && <p className="muted small">{t('track.district', { name: report.districtName })}</p>}
        <p className="muted small" data-testid="track-reported-by" data-count={report.reportedBy}>
          {report.reportedBy > 1 ? t('track.reportedBy', { count: report.reportedBy }) : t('track.reportedByOne')}
        </p>
      </section>

      <section className="report-card">
        <p className={`track-state ${report.state}`} data-testid="track-state">
          {t(`track.state.${report.state}`)}
        </p>
        {report.state === 'not_accepted' ? null : <Steps state={report.state} />}
        {report.handledBy && report.state !== 'not_accepted' && (
          <p data-testid="track-handled-by">
            <Icon name="user" size={16} /> {t('track.handledBy', { name: report.handledBy })}
          </p>
        )}
        {report.rejection && (
          <div className="track-block" data-testid="track-rejection">
            <h2>{t('track.rejection')}</h2>
            <p className="track-text">{report.rejection.reason}</p>
          </div>
        )}
        {report.resolution && (
          <div className="track-block" data-testid="track-resolution">
            <h2>{t('track.resolution')}</h2>
            <p className="muted small">{t('track.resolvedAt', { time: i18n.dateTime(report.resolution.at) })}</p>
            {report.resolution.note && (
              <p className="track-text" data-testid="track-resolution-note">
                {report.resolution.note}
              </p>
            )}
            {report.resolution.photoPath && (
              <figure>
                <img src={report.resolution.photoPath} alt={t('track.proofPhoto')} className="track-photo" data-testid="track-proof-photo" />
                <figcaption className="muted small">{t('track.proofPhoto')}</figcaption>
              </figure>
            )}
          </div>
        )}
        {report.state === 'resolved' && (report.rating ? <RatingShown rating={report.rating} /> : <RatingForm code={report.code} onRated={setReport} />)}
        {loadedAt && <p className="muted small">{t('track.updatedAt', { time: i18n.timeSeconds(loadedAt) })}</p>}
      </section>

      {(report.photoPaths.length > 0 || report.clipPath) && (
        <section className="report-card">
          {report.photoPaths.length > 0 && (
            <>
              <h2>{t('track.yourPhotos')}</h2>
              <div className="track-photos">
                {report.photoPaths.map((path) => (
                  <a key={path} href={path} target="_blank" rel="noreferrer">
                    <img src={path} alt="" className="track-photo" data-testid="track-photo" loading="lazy" />
                  </a>
                ))}
              </div>
            </>
          )}
          {report.clipPath && (
            <>
              <h2>{t('track.yourClip')}</h2>
              <video src={report.clipPath} controls playsInline preload="metadata" className="track-photo" data-testid="track-clip" />
            </>
          )}
        </section>
      )}

      <ShareLink code={report.code} />
      <Link to="/report" className="button wide" data-testid="track-back">
        {t('track.back')}
      </Link>
    </main>
  );
}

function Steps({ state }: { state: PublicReportState }) {
  const { t } = useI18n();
  const reached = STEPS.indexOf(state as (typeof STEPS)[number]);
  return (
    <ol className="track-steps" data-testid="track-steps">
      {STEPS.map((step, index) => (
        <li key={step} className={index < reached ? 'done' : index === reached ? 'current' : ''} data-testid={`track-step-${step}`} data-reached={index <= reached}>
          <span className="track-dot">{index <= reached ? <Icon name="check" size={14} /> : index + 1}</span>
          <span>{t(`track.step.${step}`)}</span>
        </li>
      ))}
    </ol>
  );
}

function RatingShown({ rating }: { rating: NonNullable<PublicReportView['rating']> }) {
  const { t } = useI18n();
  return (
    <div className="track-block" data-testid="track-rated" data-stars={rating.stars}>
      <p>
        <Stars value={rating.stars} /> {t('track.rated', { stars: rating.stars })}
      </p>
      {rating.comment && <p className="track-text">{rating.comment}</p>}
    </div>
  );
}

function Stars({ value }: { value: number }) {
  return (
    <span className="track-stars-shown" aria-hidden>
      {'★'.repeat(value)}
      <span className="muted">{'★'.repeat(5 - value)}</span>
    </span>
  );
}

function RatingForm({ code, onRated }: { code: string; onRated(view: PublicReportView): void }) {
  const { t } = useI18n();
  const [stars, setStars] = useState(0);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [thanks, setThanks] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (stars < 1) {
      setError(t('track.chooseStars'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const body = comment.trim() ? { stars, comment: comment.trim() } : { stars };
      const view = await api<PublicReportView>(`${reportPath(code)}/rating`, { method: 'POST', body });
      setThanks(true);
      onRated(view);
    } catch (failure) {
      // 409: rated already (from another tab) or reopened meanwhile: show the server's word and the fresh state.
      setError(errorMessage(failure));
      if (failure instanceof ApiError && failure.status === 409) {
        await api<PublicReportView>(reportPath(code)).then(onRated).catch(() => {});
      }
    } finally {
      setBusy(false);
    }
  };

  if (thanks) return <p className="form-ok">{t('track.thanks')}</p>;
  return (
    <form className="track-block track-rating" onSubmit={submit} data-testid="rating-form">
      <h2>{t('track.rate')}</h2>
      <div className="track-stars" role="radiogroup" aria-label={t('track.rate')}>
        {[1, 2, 3, 4, 5].map((value) => (
          <button
            key={value}
            type="button"
            role="radio"
            aria-checked={stars === value}
            aria-label={t('track.star', { count: value })}
            className={value <= stars ? 'on' : ''}
            onClick={() => {
              setStars(value);
              setError(undefined);
            }}
            data-testid={`rating-star-${value}`}
          >
            ★
          </button>
        ))}
      </div>
      <label>
        <span>{t('track.comment')}</span>
        <textarea rows={3} value={comment} maxLength={REPORT_LIMITS.commentMaxChars} onChange={(event) => setComment(event.target.value)} data-testid="rating-comment" />
      </label>
      {error && (
        <p className="form-error" role="alert" data-testid="rating-error">
          {error}
        </p>
      )}
      <button type="submit" className="button primary wide" disabled={busy} data-testid="rating-submit">
        {t('track.sendRating')}
      </button>
    </form>
  );
}

function ShareLink({ code }: { code: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const href = new URL(`/report/${encodeURIComponent(code)}`, window.location.href).href;
  const copy = () => {
    void navigator.clipboard
      ?.writeText(href)
      .then(() => setCopied(true))
      .catch(() => {});
  };
  return (
    <p className="report-link-row">
      <span className="muted small report-link">{href}</span>
      {navigator.clipboard && (
        <button type="button" className="button ghost small" onClick={copy}>
          {copied ? t('track.copied') : t('track.copyLink')}
        </button>
      )}
    </p>
  );
}
