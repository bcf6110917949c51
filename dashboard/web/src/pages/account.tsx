// My account: who I am, and — for admins and engineers — the authenticator app (TOTP) I may set up
// of my own accord when REQUIRE_2FA does not force it. Removing one is an admin's reset (a lost phone),
// so there is no "turn off" here: a stolen session must not be able to drop the second factor.
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';
import { canUseSecondFactor, useUser } from '../session.tsx';
import { ThemeChoice } from '../theme.tsx';
import { TotpEnrolmentForm } from './login.tsx';

export default function AccountPage() {
  const { t } = useI18n();
  const user = useUser();
  const enabled = Boolean(user.totpEnabled);
  return (
    <div className="page account-page" data-testid="account-page">
      <header className="page-header">
        <h1>{t('account.title')}</h1>
      </header>
      <section className="panel account-panel">
        <dl className="account-facts">
          <dt>{t('account.username')}</dt>
          <dd className="mono">{user.username}</dd>
          <dt>{t('account.displayName')}</dt>
          <dd>{user.displayName}</dd>
          <dt>{t('account.role')}</dt>
          <dd>{t(`role.${user.role}` as MessageKey)}</dd>
        </dl>
      </section>
      <section className="panel account-panel" data-testid="account-theme">
        <header className="panel-header">
          <h2>{t('theme.label')}</h2>
          <ThemeChoice />
        </header>
        <p className="account-note muted">{t('theme.explain')}</p>
      </section>
      {canUseSecondFactor(user) && (
        <section className="panel account-panel" data-testid="account-two-factor">
          <header className="panel-header">
            <h2>{t('account.twoFactor')}</h2>
            <span className={`state-chip ${enabled ? 'ok' : 'offline'}`} data-testid="totp-state" data-enabled={enabled}>
              {t('account.twoFactorState', { state: t(enabled ? 'account.on' : 'account.off') })}
            </span>
          </header>
          {enabled ? <p className="account-note muted">{t('account.twoFactorOnDetail')}</p> : <TotpEnrolmentForm embedded />}
        </section>
      )}
    </div>
  );
}
