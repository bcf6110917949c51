// The command-room frame: brand, navigation by role, live connection state, clock, language, user.
import { useEffect, useState, type ReactNode } from 'react';
import { LanguageSwitch, useI18n } from './i18n.tsx';
import { EscalationBanners } from './incidents/escalation-banners.tsx';
import { useLiveStatus } from './live/live-context.tsx';
import type { MessageKey } from './messages.ts';
import { Link, useLocation } from './router.tsx';
import { canEngineer, useSession, useUser } from './session.tsx';
import { ThemeToggle } from './theme.tsx';
import { Icon, Logo } from './ui.tsx';

interface NavItem {
  to: string;
  label: MessageKey;
  icon: string;
  match: (path: string) => boolean;
  engineerOnly?: boolean;
  adminOnly?: boolean;
}

const NAV: NavItem[] = [
  { to: '/', label: 'nav.operations', icon: 'map', match: (path) => path === '/' || path.startsWith('/alerts') },
  { to: '/incidents', label: 'nav.incidents', icon: 'incident', match: (path) => path.startsWith('/incidents') || path === '/hotline' },
  { to: '/sensors', label: 'nav.sensors', icon: 'sensor', match: (path) => path.startsWith('/sensors') },
  { to: '/traffic', label: 'nav.traffic', icon: 'traffic', match: (path) => path.startsWith('/traffic') },
  { to: '/analysis', label: 'nav.analysis', icon: 'camera', match: (path) => path.startsWith('/analysis') },
  { to: '/figures', label: 'nav.figures', icon: 'chart', match: (path) => path === '/figures' },
  { to: '/reports', label: 'nav.reports', icon: 'log', match: (path) => path === '/reports' },
  { to: '/engineer', label: 'nav.engineer', icon: 'tools', match: (path) => path.startsWith('/engineer'), engineerOnly: true },
  { to: '/admin', label: 'nav.admin', icon: 'user', match: (path) => path.startsWith('/admin'), adminOnly: true },
];

export function Clock({ seconds = false }: { seconds?: boolean }) {
  const i18n = useI18n();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <time className="clock" dateTime={new Date(now).toISOString()} title={i18n.timeZone}>
      {seconds ? i18n.timeSeconds(now) : i18n.time(now)}
    </time>
  );
}

export function ConnectionPill() {
  const { t } = useI18n();
  const status = useLiveStatus();
  const label: Record<typeof status, MessageKey> = {
    connecting: 'live.connecting',
    live: 'live.live',
    reconnecting: 'live.reconnecting',
    unavailable: 'live.unavailable',
  };
  return (
    <span className={`connection-pill ${status}`} data-testid="connection" data-status={status}>
      <span className="dot" />
      {t(label[status])}
    </span>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const user = useUser();
  const { logout } = useSession();
  const { path } = useLocation();
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          <Logo />
          <span className="brand-text">
            <span className="brand-name">CityOps</span>
            <span className="brand-sub">{t('app.subtitle')}</span>
          </span>
        </Link>
        <nav className="main-nav" aria-label={t('nav.label')}>
          {NAV.filter((item) => (!item.engineerOnly || canEngineer(user)) && (!item.adminOnly || user.role === 'admin')).map((item) => (
            <Link key={item.to} to={item.to} className={item.match(path) ? 'active' : ''} data-testid={`nav-${item.to.slice(1) || 'operations'}`}>
              <Icon name={item.icon} />
              {t(item.label)}
            </Link>
          ))}
          <a href="/wall" className="nav-external" target="_blank" rel="noreferrer" title={t('nav.wallHint')}>
            <Icon name="wall" />
            {t('nav.wall')}
          </a>
        </nav>
        <div className="topbar-right">
          <ConnectionPill />
          <Clock />
          <LanguageSwitch />
          <ThemeToggle />
          {/* The user's own name opens their account page: who they are, and their authenticator app. */}
          <Link to="/account" className={`user-chip${path === '/account' ? ' active' : ''}`} title={`${t('nav.account')} — ${user.username}`} data-testid="nav-account">
            <Icon name="user" />
            <span className="user-name">{user.displayName || user.username}</span>
            <span className="role-tag">{t(`role.${user.role}` as MessageKey)}</span>
          </Link>
          <button className="icon-button" onClick={() => void logout()} title={t('nav.logout')} aria-label={t('nav.logout')} data-testid="logout">
            <Icon name="logout" />
          </button>
        </div>
      </header>
      {/* Over every command-room page: a missed deadline must not wait for someone to open the incident. */}
      <EscalationBanners />
      <main className="shell-main">{children}</main>
    </div>
  );
}
