// Log in, and the forced change of a one-time password. The same form opens over the page when a
// session expires, so whatever was on screen stays there.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api.ts';
import { LanguageSwitch, useI18n } from '../i18n.tsx';
import type { Language } from '../i18n-core.ts';
import { useSession, type TotpEnrolment } from '../session.tsx';
import { Logo } from '../ui.tsx';
import { TotpQrCode } from './totp-qr-code.tsx';
import { errorMessage } from '../server-messages.ts';

function errorText(error: unknown, t: ReturnType<typeof useI18n>['t'], language: Language): string {
  if (error instanceof ApiError) {
    if (error.code === 'invalid_credentials') return t('login.wrong');
    if (error.code === 'too_many_attempts') return t('login.throttled');
    if (error.code === 'invalid_code') return t('totp.wrong');
    if (error.code === 'network') return t('common.offline');
    return error.inLanguage(language);
  }
  return errorMessage(error, language);
}

export function LoginForm({ onDone, compact = false }: { onDone?: () => void; compact?: boolean }) {
  const { t, language } = useI18n();
  const { login } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await login(username.trim(), password);
      onDone?.();
    } catch (caught) {
      setError(errorText(caught, t, language));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="login-form" onSubmit={submit} data-testid="login-form">
      {!compact && <h1>{t('login.title')}</h1>}
      <label>
        <span>{t('login.username')}</span>
        <input autoFocus autoComplete="username" name="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
      </label>
      <label>
        <span>{t('login.password')}</span>
        <input type="password" autoComplete="current-password" name="password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button className="button primary wide" disabled={busy} type="submit">
        {busy ? t('common.working') : t('login.submit')}
      </button>
    </form>
  );
}

export function ChangePasswordForm() {
  const { t, language } = useI18n();
  const { changePassword, logout, user } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (next.length < 10) return setError(t('password.tooShort'));
    if (next !== repeat) return setError(t('password.mismatch'));
    if (next === current) return setError(t('password.same'));
    setBusy(true);
    setError(undefined);
    try {
      await changePassword(current, next);
    } catch (caught) {
      setError(caught instanceof ApiError && caught.field === 'currentPassword' ? t('password.currentWrong') : errorText(caught, t, language));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="login-form" onSubmit={submit} data-testid="password-form">
      <h1>{t('password.title')}</h1>
      <p className="muted">{t('password.explain', { user: user?.displayName || user?.username || '' })}</p>
      <label>
        <span>{t('password.current')}</span>
        <input type="password" autoComplete="current-password" name="currentPassword" value={current} onChange={(e) => setCurrent(e.target.value)} required />
      </label>
      <label>
        <span>{t('password.new')}</span>
        <input type="password" autoComplete="new-password" name="newPassword" value={next} onChange={(e) => setNext(e.target.value)} required minLength={10} />
      </label>
      <label>
        <span>{t('password.repeat')}</span>
        <input type="password" autoComplete="new-password" name="repeatPassword" value={repeat} onChange={(e) => setRepeat(e.target.value)} required />
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button className="button primary wide" disabled={busy} type="submit">
        {busy ? t('common.working') : t('password.submit')}
      </button>
      <button className="button ghost wide" type="button" onClick={() => void logout()}>
        {t('nav.logout')}
      </button>
    </form>
  );
}

/** One code input, shared by the login's second step and the enrolment's confirmation. */
function CodeInput({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const { t } = useI18n();
  return (
    <label>
      <span>{t('totp.code')}</span>
      <input autoFocus name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} value={value} onChange={(e) => onChange(e.target.value.replace(/\D/g, ''))} required />
    </label>
  );
}

/** The second step of a login: the authenticator's code. */
export function SecondFactorForm() {
  const { t, language } = useI18n();
  const { verifyCode, logout } = useSession();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await verifyCode(code);
    } catch (caught) {
      setError(errorText(caught, t, language));
      setCode('');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="login-form" onSubmit={submit} data-testid="code-form">
      <h1>{t('totp.title')}</h1>
      <p className="muted">{t('totp.explain')}</p>
      <CodeInput value={code} onChange={setCode} />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button className="button primary wide" disabled={busy} type="submit">
        {busy ? t('common.working') : t('totp.submit')}
      </button>
      <button className="button ghost wide" type="button" onClick={() => void logout()}>
        {t('nav.logout')}
      </button>
    </form>
  );
}

/**
 * Enrolment of an authenticator: the secret is shown once (QR code, grouped text and otpauth:// link),
 * then a first code confirms it. The same form serves the enrolment REQUIRE_2FA forces at login and the
 * one an admin or engineer chooses on the account page (`embedded`: no sign-out, a smaller heading).
 */
export function TotpEnrolmentForm({ embedded = false }: { embedded?: boolean }) {
  const { t, language } = useI18n();
  const { startTotpEnrolment, confirmTotpEnrolment, logout } = useSession();
  const [enrolment, setEnrolment] = useState<TotpEnrolment>();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (caught) {
      setError(errorText(caught, t, language));
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => (enrolment ? confirmTotpEnrolment(code) : setEnrolment(await startTotpEnrolment())));
  };
  const Heading = embedded ? 'h2' : 'h1';
  return (
    <form className={`login-form${embedded ? ' embedded' : ''}`} onSubmit={submit} data-testid="enrol-form">
      <Heading>{t('totp.enrolTitle')}</Heading>
      <p className="muted">{t(embedded ? 'totp.enrolExplainOptional' : 'totp.enrolExplain')}</p>
      {enrolment && (
        <>
          <TotpQrCode uri={enrolment.otpauthUri} />
          <label>
            <span>{t('totp.secret')}</span>
            <input readOnly name="secret" className="mono" value={enrolment.secret.replace(/(.{4})/g, '$1 ').trim()} onFocus={(e) => e.target.select()} />
          </label>
          <a href={enrolment.otpauthUri} data-testid="otpauth-link">
            {t('totp.openInApp')}
          </a>
          <CodeInput value={code} onChange={setCode} />
        </>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button className="button primary wide" disabled={busy} type="submit">
        {busy ? t('common.working') : enrolment ? t('totp.submit') : t('totp.enrolStart')}
      </button>
      {!embedded && (
        <button className="button ghost wide" type="button" onClick={() => void logout()}>
          {t('nav.logout')}
        </button>
      )}
    </form>
  );
}

export function LoginPage({ step = 'login' }: { step?: 'login' | 'code' | 'password' | 'enrol' }) {
  const { t } = useI18n();
  return (
    <div className="login-page">
      <div className="login-backdrop" aria-hidden />
      <div className="login-card">
        <div className="login-brand">
          <Logo size={44} />
          <div>
            <div className="brand-name">CityOps</div>
            <div className="brand-sub">{t('app.subtitle')}</div>
          </div>
        </div>
        {step === 'code' ? <SecondFactorForm /> : step === 'password' ? <ChangePasswordForm /> : step === 'enrol' ? <TotpEnrolmentForm /> : <LoginForm />}
        <div className="login-footer">
          <LanguageSwitch />
          <span className="muted small">{t('login.footer')}</span>
        </div>
      </div>
    </div>
  );
}

/** Opens over the current page when the session expired; the page below keeps its state. */
export function SessionExpiredDialog() {
  const { t } = useI18n();
  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" data-testid="session-expired">
      <div className="modal login-card">
        <h2>{t('login.expired')}</h2>
        <p className="muted">{t('login.expiredExplain')}</p>
        <LoginForm compact />
      </div>
    </div>
  );
}
