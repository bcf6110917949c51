// Who is logged in. An expired session does not throw the operator out of the page: the login form
// opens over it, so a note being typed or a selected alert is still there after logging in again.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { SessionUser } from '@cityops/contract/people';
import { SECOND_FACTOR_ROLES } from '@cityops/contract/roles';
import { api, ApiError, SESSION_USER_EVENT, UNAUTHENTICATED_EVENT } from './api.ts';

/** A new authenticator secret, shown once. */
export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
}

export const canOperate = (user: SessionUser | undefined) => user?.role === 'admin' || user?.role === 'operator';
export const canEngineer = (user: SessionUser | undefined) => user?.role === 'admin' || user?.role === 'engineer';
/** Admins and engineers may set up an authenticator app (the server decides the same from the same list). */
export const canUseSecondFactor = (user: SessionUser | undefined) => Boolean(user) && SECOND_FACTOR_ROLES.includes(user!.role);
export const canView = (user: SessionUser | undefined) => Boolean(user) && user!.role !== 'field';

interface SessionState {
  /** undefined while the first /api/auth/me is in flight. */
  user: SessionUser | null | undefined;
  /** The session ended while a page was open (idle timeout, server restart without the session). */
  expired: boolean;
  /** The server could not be reached while finding out who is logged in; retrying. */
  offline: boolean;
  login(username: string, password: string): Promise<SessionUser>;
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  verifyCode(code: string): Promise<void>;
  startTotpEnrolment(): Promise<TotpEnrolment>;
  confirmTotpEnrolment(code: string): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

// A field user's phone remembers who is logged in, so the field view opens with no connection (its
// outbox keeps actions until they can be sent). Only a name and role: the server still checks the
// session cookie on every request, and a 401 brings the login back.
const REMEMBERED_FIELD_USER = 'cityops.fieldUser';

function rememberFieldUser(user: SessionUser | null) {
  try {
    if (user?.role === 'field') localStorage.setItem(REMEMBERED_FIELD_USER, JSON.stringify(user));
    else localStorage.removeItem(REMEMBERED_FIELD_USER);
  } catch {}
}

function rememberedFieldUser(): SessionUser | undefined {
  try {
    const text = localStorage.getItem(REMEMBERED_FIELD_USER);
    return text ? (JSON.parse(text) as SessionUser) : undefined;
  } catch {
    return undefined;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  const [offline, setOffline] = useState(false);

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      try {
        const { user } = await api<{ user: SessionUser }>('/api/auth/me');
        if (!cancelled) {
          setUser(user);
          rememberFieldUser(user);
          setOffline(false);
        }
      } catch (error) {
        if (cancelled) return;
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          setUser(null);
          rememberFieldUser(null);
        } else {
          // The server is unreachable at load: say so and try again rather than showing a login that
          // cannot work. The field view opens meanwhile for the field user this phone remembers.
          const remembered = window.location.pathname.startsWith('/field') ? rememberedFieldUser() : undefined;
          if (remembered) setUser((current) => current ?? remembered);
          setOffline(true);
          setTimeout(load, 3000);
        }
      }
    };
    void load();
    return () => {
      cancelled = true;
    };
  }, []);

  // The server told us who we are anew (an admin changed our role): the whole page follows.
  useEffect(() => {
    const onUser = (event: Event) => {
      const next = (event as CustomEvent<SessionUser>).detail;
      setUser(next);
      rememberFieldUser(next);
    };
    window.addEventListener(SESSION_USER_EVENT, onUser);
    return () => window.removeEventListener(SESSION_USER_EVENT, onUser);
  }, []);

  useEffect(() => {
    const onUnauthenticated = () => setExpired((wasExpired) => wasExpired || true);
    window.addEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    const { user } = await api<{ user: SessionUser }>('/api/auth/login', { method: 'POST', body: { username, password } });
    setUser(user);
    rememberFieldUser(user);
    setExpired(false);
    return user;
  }, []);

  const changePassword = useCallback(async (currentPassword: string, newPassword: string) => {
    await api('/api/auth/password', { method: 'POST', body: { currentPassword, newPassword } });
    const { user } = await api<{ user: SessionUser }>('/api/auth/me');
    setUser(user);
  }, []);

  const verifyCode = useCallback(async (code: string) => {
    const { user } = await api<{ user: SessionUser }>('/api/auth/totp/verify', { method: 'POST', body: { code } });
    setUser(user);
    rememberFieldUser(user);
  }, []);

  const startTotpEnrolment = useCallback(() => api<TotpEnrolment>('/api/auth/totp/enrol', { method: 'POST' }), []);

  const confirmTotpEnrolment = useCallback(async (code: string) => {
    const { user } = await api<{ user: SessionUser }>('/api/auth/totp/confirm', { method: 'POST', body: { code } });
    setUser(user);
  }, []);

  const logout = useCallback(async () => {
    await api('/api/auth/logout', { method: 'POST' }).catch(() => {});
    rememberFieldUser(null);
    setUser(null);
    setExpired(false);
  }, []);

  const value = useMemo(
    () => ({ user, expired: expired && Boolean(user), offline, login, changePassword, verifyCode, startTotpEnrolment, confirmTotpEnrolment, logout }),
    [user, expired, offline, login, changePassword, verifyCode, startTotpEnrolment, confirmTotpEnrolment, logout],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The logged-in user; only for components rendered behind the login. */
export function useUser(): SessionUser {
  const { user } = useSession();
  if (!user) throw new Error('useUser without a logged-in user');
  return user;
}
