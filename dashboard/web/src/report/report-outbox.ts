// The residents' report outbox: a report is first stored on the phone (report-store.ts), then sent; with
// no connection, or a connection that fails, it waits and is sent when the connection returns (the
// browser's online event and a retry timer with exponential backoff; a 429 waits at least the server's
// Retry-After). Each report carries its own Idempotency-Key, so a resend after an answer lost on the way
// gets the first one's code. A refusal (400: a field is wrong; 413: too large) keeps the report on the
// phone with the server's message, for the resident to correct and send again.
import type { ReportReceipt } from '@cityops/contract/citizen-reports';
import { api, ApiError } from '../api.ts';
import { isTransient, newIdempotencyKey, retryDelayMs } from '../outbox-retry.ts';
import { deviceId, rememberReport } from './my-reports.ts';
import { addReport, removeReport, storedReports, updateReport, type QueuedReport, type ReportDraft } from './report-store.ts';

export type { QueuedReport, ReportDraft } from './report-store.ts';

// A report with photos and a clip is up to a few MB: on 2G that is minutes. A request that hangs longer
// is given up and retried (the idempotency key makes that safe even if the server got it).
const PLAIN_TIMEOUT_MS = 45_000;
const MEDIA_TIMEOUT_MS = 300_000;

function formOf(report: QueuedReport): FormData {
  const form = new FormData();
  form.append('category', report.category);
  form.append('lat', String(report.lat));
  form.append('lon', String(report.lon));
  form.append('description', report.description);
  if (report.contact.trim()) form.append('contact', report.contact.trim());
  form.append('deviceId', deviceId());
  form.append('takenAt', report.takenAt);
  report.photos.forEach((photo, index) => form.append('photo', photo, `photo-${index + 1}.jpg`));
  if (report.clip) form.append('clip', report.clip, clipName(report.clip));
  return form;
}

function clipName(clip: Blob): string {
  const extension = /mp4/.test(clip.type) ? 'mp4' : /webm/.test(clip.type) ? 'webm' : /quicktime/.test(clip.type) ? 'mov' : '3gp';
  return clip instanceof File && clip.name ? clip.name : `clip.${extension}`;
}

async function send(report: QueuedReport): Promise<ReportReceipt> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), report.photos.length || report.clip ? MEDIA_TIMEOUT_MS : PLAIN_TIMEOUT_MS);
  try {
    return await api<ReportReceipt>('/api/public/reports', {
      method: 'POST',
      rawBody: formOf(report),
      // The device in a header too: the server counts it with the address before reading the upload.
      headers: { 'idempotency-key': report.idempotencyKey, 'x-device-id': deviceId() },
      signal: controller.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw new ApiError(0, 'network', 'no answer in time');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

export class ReportOutbox {
  /** The reports on this phone: waiting to be sent, or refused and waiting for a correction. */
  reports: QueuedReport[] = [];
  /** The id of the report being sent now. */
  sendingId?: number;
  /** When the next automatic retry is due (ms), if one is scheduled. */
  retryAt?: number;
  /** What the server answered for each report sent since the page opened (by its id on the phone). */
  readonly receipts = new Map<number, ReportReceipt>();
  version = 0;

  private listeners = new Set<() => void>();
  private flushing?: Promise<void>;
  private flushAgain = false;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private failures = 0;
  private started = false;
  private readonly onOnline = () => {
    this.failures = 0;
    void this.flush();
  };

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    window.addEventListener('online', this.onOnline);
    await this.reload();
    void this.flush();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = () => this.version;

  /** Keeps the report on the phone and sends it now if it can; answers its id on the phone. */
  async queue(draft: ReportDraft, replaces?: number): Promise<number> {
    const stored = await addReport({ ...draft, idempotencyKey: newIdempotencyKey(), takenAt: new Date().toISOString(), attempts: 0 }, replaces);
    await this.reload();
    this.failures = 0;
    void this.flush();
    return stored.id;
  }

  /** A report on the phone (a refused one is loaded into the form from here; it stays stored until the corrected one is queued). */
  find(id: number): QueuedReport | undefined {
    return this.reports.find((report) => report.id === id);
  }

  /** The resident gives up on a refused report (an explicit choice, never automatic). */
  async discard(id: number): Promise<void> {
    await removeReport(id);
    await this.reload();
  }

  /** Sends what is waiting, oldest first, until none is left or the connection fails. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    clearTimeout(this.retryTimer);
    this.retryAt = undefined;
    this.flushing = (async () => {
      do {
        this.flushAgain = false;
        // One tab at a time sends (the key would make a double send harmless, not free).
        if (navigator.locks) await navigator.locks.request('cityops-report-outbox', () => this.sendWaiting());
        else await this.sendWaiting();
      } while (this.flushAgain);
    })().finally(() => {
      this.flushing = undefined;
      this.changed();
    });
    return this.flushing;
  }

  private async sendWaiting(): Promise<void> {
    const tried = new Set<number>();
    for (;;) {
      const next = (await storedReports()).find((report) => !report.refusal && !tried.has(report.id));
      if (!next) {
        this.failures = 0;
        break;
      }
      tried.add(next.id);
      if (!navigator.onLine) {
        // Nothing to try until the online event; a timer too, as onLine is not reliable everywhere.
        this.scheduleRetry();
        break;
      }
      this.sendingId = next.id;
      this.changed();
      try {
        const receipt = await send(next);
        await removeReport(next.id);
        rememberReport(receipt, next.category, next.takenAt);
        this.receipts.set(next.id, receipt);
        this.failures = 0;
      } catch (error) {
        // A server without the reports API yet (an older release answering "no route") is waited out too.
        if (isTransient(error) || (error instanceof ApiError && error.unavailable)) {
          await updateReport({ ...next, attempts: next.attempts + 1, lastError: (error as Error).message });
          this.scheduleRetry(error instanceof ApiError ? error.retryAfterSeconds : undefined);
          break;
        }
        const apiError = error as ApiError;
        await updateReport({ ...next, attempts: next.attempts + 1, refusal: { status: apiError.status, code: apiError.code, message: apiError.message, field: apiError.field, reason: apiError.reason, params: apiError.params } });
      } finally {
        this.sendingId = undefined;
        await this.reload();
      }
    }
    await this.reload();
  }

  private scheduleRetry(retryAfterSeconds?: number) {
    this.failures++;
    const delay = Math.max(retryDelayMs(this.failures), (retryAfterSeconds ?? 0) * 1000);
    clearTimeout(this.retryTimer);
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => void this.flush(), delay);
  }

  private async reload() {
    this.reports = await storedReports();
    this.changed();
  }

  private changed() {
    this.version++;
    this.listeners.forEach((listener) => listener());
  }
}

/** One outbox per page load, shared by /report and /report/:code (a report waiting keeps going out). */
export const reportOutbox = new ReportOutbox();
