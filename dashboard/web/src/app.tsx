// The dashboard's root: language, session, live data, and which page a path shows (the residents'
// /report pages, public, before any session).
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { I18nProvider, useI18n } from './i18n.tsx';
import { LiveProvider } from './live/live-context.tsx';
import { LoginPage, SessionExpiredDialog } from './pages/login.tsx';
import { matchPath, navigate, useLocation } from './router.tsx';
import type { SessionUser } from '@cityops/contract/people';
import { canEngineer, SessionProvider, useSession } from './session.tsx';
import { Shell } from './shell.tsx';
import { Logo, Spinner } from './ui.tsx';
import { loadWebConfig } from './map/web-config.ts';
import { ThemeProvider } from './theme.tsx';

// Each page is its own chunk: /field on a phone never downloads MapLibre or the engineer tools.
const OperationsPage = lazy(() => import('./pages/operations.tsx'));
const SensorsPage = lazy(() => import('./pages/sensors.tsx'));
const TrafficPage = lazy(() => import('./pages/traffic.tsx'));
const AnalysisSlotsPage = lazy(() => import('./pages/analysis-slots.tsx'));
const EngineerPage = lazy(() => import('./engineer/engineer-page.tsx'));
const AdminPage = lazy(() => import('./admin/admin-page.tsx'));
const WallPage = lazy(() => import('./wall/wall-page.tsx'));
const FieldPage = lazy(() => import('./field/field-page.tsx'));
const AccountPage = lazy(() => import('./pages/account.tsx'));
const ResponseFiguresPage = lazy(() => import('./pages/response-figures.tsx'));
const ReportsPage = lazy(() => import('./leader-reports/reports-page.tsx'));
const IncidentsPage = lazy(() => import('./incidents/incidents-list.tsx'));
const IncidentPage = lazy(() => import('./incidents/incident-page.tsx'));
const HotlinePage = lazy(() => import('./incidents/hotline-form.tsx'));
const DispatchPage = lazy(() => import('./incidents/dispatch-page.tsx'));
// The residents' pages: public, their own chunk and shell.
const ReportApp = lazy(() => import('./report/report-app.tsx'));
// Public by link: no session, no live connection.
const CameraOwnerPage = lazy(() => import('./camera-owner/camera-owner-page.tsx'));

export function App() {
  const owner = matchPath('/camera-owner/:token', window.location.pathname);
  if (owner) {
    return (
      <I18nProvider>
        <ThemeProvider>
          <Suspense fallback={<Loading />}>
            <CameraOwnerPage token={owner.token} />
          </Suspense>
        </ThemeProvider>
      </I18nProvider>
    );
  }
  return (
    <I18nProvider>
      <ThemeProvider>
        <PublicOrSignedIn />
      </ThemeProvider>
    </I18nProvider>
  );
}

/** Residents' paths need no account: decided before any session is asked for, so no login appears. */
const isPublicPath = (path: string) => path === '/report' || path.startsWith('/report/');

function PublicOrSignedIn() {
  const { path } = useLocation();
  if (isPublicPath(path)) {
    return (
      <Suspense fallback={<Loading />}>
        <ReportApp />
      </Suspense>
    );
  }
  return (
    <SessionProvider>
      <Root />
    </SessionProvider>
  );
}

function Loading({ offline = false }: { offline?: boolean }) {
  const { t } = useI18n();
  return (
    <div className="page-loading" data-testid={offline ? 'offline' : 'loading'}>
      <Logo size={48} />
      <Spinner label={offline ? t('common.offlineRetrying') : t('common.loading')} />
    </div>
  );
}

/** Where a user lands after logging in, by role. */
function homeFor(user: SessionUser): string {
  return user.role === 'field' ? '/field' : '/';
}

function Root() {
  const { user, expired, offline } = useSession();
  const { path } = useLocation();

  useEffect(() => {
    if (user && path === '/login') navigate(homeFor(user), { replace: true });
    // A field user has the field view only; command-room pages would answer 403.
    if (user?.role === 'field' && !path.startsWith('/field')) navigate('/field', { replace: true });
  }, [user, path]);

  // Command-room pages open on the map, which is created once its settings arrive: ask for them with
  // the first requests, while the map's code still loads, not behind the registry's large replies.
  const signedIn = Boolean(user && !user.secondFactorPending && !user.mustChangePassword && !user.totpEnrolmentRequired);
  useEffect(() => {
    if (signedIn && user?.role !== 'field') loadWebConfig().catch(() => {});
  }, [signedIn, user?.role]);

  if (user === undefined) return <Loading offline={offline} />;
  if (user === null) return <LoginPage />;
  if (user.secondFactorPending) return <LoginPage step="code" />;
  if (user.mustChangePassword) return <LoginPage step="password" />;
  if (user.totpEnrolmentRequired) return <LoginPage step="enrol" />;

  return (
    <LiveProvider user={user}>
      <Suspense fallback={<Loading />}>{page(path, user)}</Suspense>
      {expired && <SessionExpiredDialog />}
    </LiveProvider>
  );
}

function page(path: string, user: SessionUser): ReactNode {
  if (path === '/wall' || path.startsWith('/wall/')) return <WallPage />;
  if (path === '/field' || path.startsWith('/field/')) return <FieldPage />;
  if (user.role === 'field') return <Loading />;
  let content: ReactNode;
  if (path === '/' || path === '/login' || matchPath('/alerts/:id', path)) content = <OperationsPage />;
  else if (path === '/incidents') content = <IncidentsPage />;
  else if (matchPath('/incidents/:id', path)) content = <IncidentPage />;
  else if (path === '/hotline') content = <HotlinePage />;
  else if (path.startsWith('/sensors')) content = <SensorsPage />;
  else if (path.startsWith('/traffic')) content = <TrafficPage />;
  else if (path.startsWith('/analysis')) content = <AnalysisSlotsPage />;
  else if (path === '/figures') content = <ResponseFiguresPage />;
  else if (path === '/reports') content = <ReportsPage />;
  else if (path === '/account') content = <AccountPage />;
  else if (matchPath('/incidents/:id/dispatch', path)) content = <DispatchPage incidentId={Number(matchPath('/incidents/:id/dispatch', path)!.id)} />;
  else if (path.startsWith('/engineer') && canEngineer(user)) content = <EngineerPage />;
  // The command room reads the incident and joint rules there too (the page shows them those tabs only, without edits).
  else if (path === '/engineer/incident-rules' || path === '/engineer/joint-rules') content = <EngineerPage />;
  // Non-admins get the page too: it tells them plainly they may not manage users.
  else if (path === '/admin' || path.startsWith('/admin/')) content = <AdminPage />;
  else content = <NotFound />;
  return <Shell>{content}</Shell>;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <div className="page-center">
      <h2>{t('common.notFound')}</h2>
      <button className="button primary" onClick={() => navigate('/')}>
        {t('nav.operations')}
      </button>
    </div>
  );
}
