// Administration (admins only): users, field teams, the agencies incidents are handed to and the audit log. The server
// refuses every change here to other roles; this page says so plainly instead of showing empty tables
// when a non-admin opens the URL.
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';
import { Link, useLocation } from '../router.tsx';
import { useUser } from '../session.tsx';
import { EmptyState, Icon } from '../ui.tsx';
import { AgenciesPanel } from './agencies-panel.tsx';
import { AuditPanel } from './audit-panel.tsx';
import { TeamsPanel } from './teams-panel.tsx';
import { UsersPanel } from './users-panel.tsx';

const TABS: { to: string; label: MessageKey; icon: string }[] = [
  { to: '/admin', label: 'admin.users', icon: 'user' },
  { to: '/admin/teams', label: 'admin.teams', icon: 'field' },
  { to: '/admin/agencies', label: 'admin.agencies', icon: 'incident' },
  { to: '/admin/audit', label: 'audit.tab', icon: 'log' },
];

export default function AdminPage() {
  const { t } = useI18n();
  const user = useUser();
  const { path } = useLocation();
  if (user.role !== 'admin') {
    return (
      <div className="page" data-testid="admin-refused">
        <EmptyState icon="alert" title={t('admin.refused')} detail={t('admin.refusedDetail', { role: t(`role.${user.role}` as MessageKey) })} />
      </div>
    );
  }
  return (
    <div className="page admin-page" data-testid="admin-page">
      <nav className="sub-nav" aria-label={t('nav.admin')}>
        {TABS.map((tab) => (
          <Link key={tab.to} to={tab.to} className={path === tab.to ? 'active' : ''} data-testid={`admin-tab-${tab.to.split('/')[2] ?? 'users'}`}>
            <Icon name={tab.icon} size={16} /> {t(tab.label)}
          </Link>
        ))}
      </nav>
      {path === '/admin/teams' ? <TeamsPanel /> : path === '/admin/agencies' ? <AgenciesPanel /> : path === '/admin/audit' ? <AuditPanel /> : <UsersPanel />}
    </div>
  );
}
