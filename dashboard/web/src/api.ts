// The one way the dashboard talks HTTP: JSON in and out, the session cookie, and errors that carry
// the server's code, message and field. A 401 tells the session to ask for a login again.
import { storedLanguage, type Language } from './i18n-core.ts';
import { serverMessage, type RefusalPlace, type ServerParams } from './server-messages.ts';

/** A bad row of a rejected bulk import: its field, the English message, and the reason to word it by. */
export interface ImportRowRefusal {
  row: number;
  field?: string;
  message: string;
  reason?: string;
  params?: ServerParams;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Row errors of a rejected bulk import. */
    readonly rows?: ImportRowRefusal[],
    /** A 429's Retry-After, in seconds: how long the server asks to wait. */
    readonly retryAfterSeconds?: number,
    /** Why a value was refused (a schema issue's code) and its limits, to word it in the reader's language. */
    readonly reason?: string,
    readonly params?: ServerParams,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** The refusal in the reader's language (server-messages.ts); `message` keeps the server's English. */
  inLanguage(language: Language = storedLanguage(), place?: RefusalPlace): string {
    return serverMessage(this, language, place);
  }
  /** The route is not there (yet): a feature of another part that is not deployed or not built. */
  get unavailable() {
    // Its reason since the server gives one; the message for servers from before, and fastify's own default.
    return this.status === 404 && (this.reason === 'no_route' || /^no route /.test(this.message) || /^Route .* not found$/.test(this.message));
  }
}

export const UNAUTHENTICATED_EVENT = 'cityops:unauthenticated';
/** Sent on `window` with the signed-in user (`detail`) when the server says who we are anew. */
export const SESSION_USER_EVENT = 'cityops:session-user';

/**
 * Asks the server who we are and tells the session (a role changed by an admin, say): the page follows
 * without a reload. A 401 brings up the login as any call does.
 */
export async function refreshSessionUser(): Promise<void> {
  const { user } = await api<{ user: unknown }>('/api/auth/me');
  window.dispatchEvent(new CustomEvent(SESSION_USER_EVENT, { detail: user }));
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Raw body (a file, FormData) sent as is. */
  rawBody?: BodyInit;
  contentType?: string;
  signal?: AbortSignal;
  /** Extra request headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  } else if (options.contentType) {
    headers['content-type'] = options.contentType;
  }
  let response: Response;
  try {
    response = await fetch(path, { method: options.method ?? 'GET', headers, body, credentials: 'same-origin', signal: options.signal });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network', (error as Error).message || 'network error');
  }
  const text = await response.text();
  let payload: unknown = undefined;
  try {
    payload = text ? JSON.parse(text) : undefined;
  } catch {
    payload = text;
  }
  if (!response.ok) {
    const error = (payload as { error?: { code?: string; message?: string; field?: string; rows?: ApiError['rows']; reason?: string; params?: ServerParams } })?.error;
    if (response.status === 401 && !path.startsWith('/api/auth/login') && !path.startsWith('/api/auth/password')) {
      window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT));
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(
      response.status,
      error?.code ?? 'unknown',
      error?.message ?? `${response.status} ${response.statusText}`,
      error?.field,
      error?.rows,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
      error?.reason,
      error?.params,
    );
  }
  return payload as T;
}

/** Like `api`, but a route that does not exist yet gives `undefined` instead of an error. */
export async function apiOptional<T>(path: string, options: RequestOptions = {}): Promise<T | undefined> {
  try {
    return await api<T>(path, options);
  } catch (error) {
    if (error instanceof ApiError && error.unavailable) return undefined;
    throw error;
  }
}
