// Users: who may sign in, with which role, and when they last did. New users and password resets get
// a one-time password from the server, shown here once and never again (only its hash is stored).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';
import type { User } from '@cityops/contract/people';
import { USER_ROLES, type UserRole } from '@cityops/contract/roles';
import { canUseSecondFactor, useUser } from '../session.tsx';
import { ErrorNote, Spinner } from '../ui.tsx';

export interface AdminUser extends User {
  createdAt: string;
  lastLoginAt: string | null;
}

/** Users for the administration screens (teams pick their members from it too). */
export function useAdminUsers() {
  const [users, setUsers] = useState<AdminUser[]>();
  const [error, setError] = useState<unknown>();
  const reload = useCallback(async () => {
    try {
      setUsers((await api<{ users: AdminUser[] }>('/api/users')).users);
    } catch (failure) {
      setError(failure);
    }
  }, []);
  useEffect(() => void reload(), [reload]);
  return { users, error, reload };
}

function OneTimePassword({ username, password, onClose }: { username: string; password: string; onClose: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div className="one-time-password" role="status" data-testid="one-time-password-box">
      <div>
        <strong>{t('admin.oneTimeTitle', { user: username })}</strong>
        <code className="one-time-value" data-testid="one-time-password">
          {password}
        </code>
        <p className="muted small">{t('admin.oneTimeExplain')}</p>
      </div>
      <div className="action-row">
        <button className="button small" type="button" onClick={() => void navigator.clipboard?.writeText(password).then(() => setCopied(true))}>
          {copied ? t('admin.copied') : t('admin.copy')}
        </button>
        <button className="button small ghost" type="button" onClick={onClose} data-testid="one-time-password-close">
          {t('common.close')}
        </button>
      </div>
    </div>
  );
}

export function UsersPanel() {
  const i18n = useI18n();
  const { t } = i18n;
  const me = useUser();
  const { users, error: loadError, reload } = useAdminUsers();
  const [draft, setDraft] = useState({ username: '', displayName: '', role: 'field' as UserRole });
  const [shown, setShown] = useState<{ username: string; password: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      await reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const body = { username: draft.username.trim(), role: draft.role, ...(draft.displayName.trim() ? { displayName: draft.displayName.trim() } : {}) };
      const created = await api<{ user: User; oneTimePassword: string }>('/api/users', { method: 'POST', body });
      setShown({ username: created.user.username, password: created.oneTimePassword });
      setDraft({ username: '', displayName: '', role: draft.role });
    });
  };
  const change = (user: AdminUser, body: { role?: UserRole; disabled?: boolean }) => {
    if (body.disabled && !window.confirm(t('admin.confirmDisable', { user: user.username }))) return;
    void run(async () => {
      await api(`/api/users/${user.id}`, { method: 'PATCH', body });
    });
  };
  const reset = (user: AdminUser) => {
    if (!window.confirm(t('admin.confirmReset', { user: user.username }))) return;
    void run(async () => {
      const { oneTimePassword } = await api<{ oneTimePassword: string }>(`/api/users/${user.id}/password-reset`, { method: 'POST' });
      setShown({ username: user.username, password: oneTimePassword });
    });
  };

  /** A lost phone: the authenticator goes, the user's sessions end (the server does both, and audits it). */
  const resetTwoFactor = (user: AdminUser) => {
    if (!window.confirm(t('admin.confirmTwoFactorReset', { user: user.username }))) return;
    void run(async () => {
      await api(`/api/users/${user.id}/totp-reset`, { method: 'POST' });
    });
  };

  return (
    <>
      <form className="panel admin-create" onSubmit={create} data-testid="user-create">
        <h2>{t('admin.newUser')}</h2>
        <div className="admin-create-row">
          <label className="form-field">
            <span>{t('admin.username')}</span>
            <input name="new-username" value={draft.username} onChange={(e) => setDraft({ ...draft, username: e.target.value })} required pattern="[a-z0-9._\-]{3,64}" title={t('admin.usernameHint')} autoComplete="off" />
          </label>
          <label className="form-field">
            <span>{t('admin.displayName')}</span>
            <input name="new-display-name" value={draft.displayName} onChange={(e) => setDraft({ ...draft, displayName: e.target.value })} maxLength={200} />
          </label>
          <label className="form-field">
            <span>{t('admin.role')}</span>
            <select name="new-role" value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as UserRole })}>
              {USER_ROLES.map((role) => (
                <option key={role} value={role}>
                  {t(`role.${role}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
          <button className="button primary" type="submit" disabled={busy} data-testid="user-create-submit">
            {t('admin.create')}
          </button>
        </div>
        {shown && <OneTimePassword username={shown.username} password={shown.password} onClose={() => setShown(undefined)} />}
        <ErrorNote error={error} />
      </form>

      <section className="panel table-panel">
        <header className="panel-header">
          <h2>
            {t('admin.users')} <span className="panel-count">{users?.length ?? ''}</span>
          </h2>
        </header>
        <ErrorNote error={loadError} />
        {!users ? (
          <Spinner label={t('common.loading')} />
        ) : (
          <div className="table-scroll">
            <table className="data-table" data-testid="user-table">
              <thead>
                <tr>
                  <th>{t('admin.username')}</th>
                  <th>{t('admin.displayName')}</th>
                  <th>{t('admin.role')}</th>
                  <th>{t('admin.lastLogin')}</th>
                  <th>{t('admin.state')}</th>
                  <th>{t('admin.twoFactor')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {users.map((user) => {
                  const self = user.id === me.id;
                  return (
                    <tr key={user.id} data-testid="user-row" data-username={user.username} data-disabled={user.disabled}>
                      <td className="mono">
                        {user.username} {self && <span className="muted small">({t('admin.you')})</span>}
                      </td>
                      <td>{user.displayName}</td>
                      <td>
                        {/* An admin cannot demote themselves: the server refuses it too. */}
                        <select value={user.role} disabled={busy || self} onChange={(e) => change(user, { role: e.target.value as UserRole })} aria-label={t('admin.role')} data-testid={`role-${user.username}`}>
                          {USER_ROLES.map((role) => (
                            <option key={role} value={role}>
                              {t(`role.${role}` as MessageKey)}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>{user.lastLoginAt ? `${i18n.dateTime(user.lastLoginAt)} (${i18n.ago(user.lastLoginAt)})` : <span className="muted">{t('admin.never')}</span>}</td>
                      <td>
                        <span className={`state-chip ${user.disabled ? 'offline' : 'ok'}`}>{t(user.disabled ? 'admin.disabledState' : 'admin.active')}</span>
                        {user.mustChangePassword && <span className="muted small"> · {t('admin.mustChange')}</span>}
                      </td>
                      <td>
                        {/* On is shown for any role (a demoted engineer may still have one, and needs the reset); off only where it could be on. */}
                        {user.totpEnabled || canUseSecondFactor(user) ? (
                          <span className={`state-chip ${user.totpEnabled ? 'ok' : 'offline'}`} data-testid={`totp-${user.username}`} data-enabled={user.totpEnabled}>
                            {t(user.totpEnabled ? 'admin.twoFactorOn' : 'admin.twoFactorOff')}
                          </span>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                      <td className="action-cell">
                        {!self && (
                          <button className={`button small ${user.disabled ? '' : 'danger'}`} disabled={busy} onClick={() => change(user, { disabled: !user.disabled })} data-testid={`${user.disabled ? 'enable' : 'disable'}-${user.username}`}>
                            {t(user.disabled ? 'admin.enable' : 'admin.disable')}
                          </button>
                        )}
                        <button className="button small ghost" disabled={busy} onClick={() => reset(user)} data-testid={`reset-${user.username}`}>
                          {t('admin.resetPassword')}
                        </button>
                        {user.totpEnabled && (
                          <button className="button small ghost" disabled={busy} onClick={() => resetTwoFactor(user)} data-testid={`reset-totp-${user.username}`}>
                            {t('admin.resetTwoFactor')}
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
