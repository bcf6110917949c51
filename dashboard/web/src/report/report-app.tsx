// The residents' pages, /report and /report/:code: public (no account, no session asked for), a light
// shell of their own (name, language switch; none of the command room's navigation), mobile first.
// The outbox starts here, so a report waiting on the phone keeps going out from either page.
import { useEffect, useSyncExternalStore } from 'react';
import { LanguageSwitch, useI18n } from '../i18n.tsx';
import { Link, matchPath, useLocation } from '../router.tsx';
import { Logo } from '../ui.tsx';
import { reportOutbox } from './report-outbox.ts';
import { ReportPage } from './report-page.tsx';
import { TrackingPage } from './tracking-page.tsx';
import './report.css';

export default function ReportApp() {
  const { t } = useI18n();
  const { path } = useLocation();
  const code = matchPath('/report/:code', path)?.code;
  useEffect(() => {
    void reportOutbox.start();
  }, []);
  useEffect(() => {
    document.title = `${t('report.brand')} · CityOps`;
  }, [t]);
  return (
    <div className="report-app">
      <header className="report-header">
        <Link to="/report" className="report-brand" data-testid="report-home">
          <Logo size={30} />
          <span>
            <strong>{t('report.brand')}</strong>
            <small>{t('report.city')}</small>
          </span>
        </Link>
        <LanguageSwitch />
      </header>
      <OfflineBanner />
      {code ? <TrackingPage key={code} code={code} /> : <ReportPage />}
    </div>
  );
}

function subscribeOnline(listener: () => void) {
  window.addEventListener('online', listener);
  window.addEventListener('offline', listener);
  return () => {
    window.removeEventListener('online', listener);
    window.removeEventListener('offline', listener);
  };
}

export function useOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine);
}

function OfflineBanner() {
  const { t } = useI18n();
  if (useOnline()) return null;
  return (
    <p className="report-offline" role="status" data-testid="report-offline">
      {t('report.offlineNow')}
    </p>
  );
}
