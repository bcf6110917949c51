// The field outbox: every action a field user takes (on an alert: confirm, note, photo, resolve; on an
// incident assigned to the team: acknowledge, arrived; going on or off duty; the phone's position while
// on duty) is first stored on the phone (outbox-store.ts), then sent in the order it was taken. On a
// lost or flaky connection it waits and is sent when the connection returns: the browser's online
// event, the live socket reconnecting (the provider calls flush), and a retry timer with exponential
// backoff. Each action carries its own Idempotency-Key, so a resend after an answer lost on the way is
// applied once by the server (dashboard/server/alerts/lifecycle.ts); the incident answers, the duty
// switch and positions (dated when measured) are idempotent by themselves. An action the server refuses
// (409: someone else resolved the alert meanwhile, or the server has the phone off duty; 403: it was
// given to another team; 400: a position that jumps impossibly far) is taken out of the queue and kept
// to be shown, never retried forever.
import { api, ApiError } from '../api.ts';
import { isTransient, newIdempotencyKey, retryDelayMs } from '../outbox-retry.ts';
import type { AlertEventMessage } from '@cityops/contract/alerts';
import type { AssignmentView } from '@cityops/contract/incidents';
import type { Alert } from '../live/types.ts';
import {
  appendEntries,
  dismissRefused,
  isAlertEntry,
  moveToRefused,
  queuedEntries,
  refusedEntries,
  removeEntry,
  updateEntry,
  type OutboxEntry,
  type OutboxWork,
  type RefusedEntry,
} from './outbox-store.ts';

export { isAlertEntry } from './outbox-store.ts';
export type { OutboxAction, OutboxEntry, RefusedEntry } from './outbox-store.ts';

/** What the page asks for: one step of an action (a photo, then the resolve it goes with). */
export type OutboxRequest = OutboxWork;
export type PositionReport = Extract<OutboxWork, { subject: 'position' }>['position'];

export type SubmitOutcome =
  | { status: 'sent' }
  /** Stored on the phone; it will be sent when the connection allows. */
  | { status: 'queued' }
  | { status: 'refused'; entry: RefusedEntry };

export interface OutboxOptions {
  userId: number;
  /** The alert as the server answered: applied to the live store at once. */
  onApplied(alert: Alert): void;
  /** How long submit waits for the answer before saying "queued" and letting the page go on. */
  submitWaitMs?: number;
}

// A request that hangs (a connection that looks up but carries nothing) is given up and retried; the
// idempotency key makes that safe even if the server got it. Photos get longer: ~300 kB on 2G.
const REQUEST_TIMEOUT_MS = 45_000;
const PHOTO_TIMEOUT_MS = 180_000;

/** What the server answered, for the page to show at once. */
interface Applied {
  alert?: Alert;
  assignment?: AssignmentView;
}

async function sendEntry(entry: OutboxEntry): Promise<Applied> {
  const headers = { 'idempotency-key': entry.idempotencyKey };
  const controller = new AbortController();
  const photo = 'photo' in entry ? entry.photo : undefined;
  const timer = setTimeout(() => controller.abort(), photo ? PHOTO_TIMEOUT_MS : REQUEST_TIMEOUT_MS);
  const signal = controller.signal;
  try {
    if (entry.subject === 'incident' && entry.action === 'resolve') {
      // The resolve ends the assignment: the card leaves when the server says so (incident:unassigned).
      await api(`/api/incidents/${entry.incidentId}/resolve`, { method: 'POST', ...withPhoto(entry.note, photo), headers, signal });
      return {};
    }
    if (entry.subject === 'incident') {
      return await api<{ assignment: AssignmentView }>(`/api/incidents/${entry.incidentId}/${entry.action}`, { method: 'POST', body: {}, headers, signal });
    }
    if (entry.subject === 'duty') {
      await api('/api/field/duty', { method: 'PUT', body: { onDuty: entry.onDuty }, headers, signal });
      return {};
    }
    if (entry.subject === 'position') {
      await api('/api/field/position', { method: 'POST', body: entry.position, headers, signal });
      return {};
    }
    const path = `/api/alerts/${entry.alertId}/${entry.action === 'note' ? 'notes' : entry.action === 'photo' ? 'photos' : entry.action}`;
    const result = await api<{ event: AlertEventMessage }>(path, { method: 'POST', ...withPhoto(entry.note, photo), headers, signal });
    return { alert: result.event.alert };
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw new ApiError(0, 'network', 'no answer in time');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A note alone as JSON; with a photo, both as multipart (what the photo routes read). */
function withPhoto(note: string | undefined, photo: Blob | undefined): { body: unknown } | { rawBody: FormData } {
  if (!photo) return { body: note ? { note } : {} };
  const form = new FormData();
  if (note) form.append('note', note);
  form.append('photo', photo, 'photo.jpg');
  return { rawBody: form };
}

export class Outbox {
  /** This user's queued actions, oldest first. */
  entries: OutboxEntry[] = [];
  refused: RefusedEntry[] = [];
  /** A send is in flight. */
  sending = false;
  /** When the next automatic retry is due (ms), if one is scheduled. */
  retryAt?: number;
  version = 0;

  private listeners = new Set<() => void>();
  private assignmentListeners = new Set<(assignment: AssignmentView) => void>();
  private flushing?: Promise<void>;
  private flushAgain = false;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private failures = 0;
  private stopped = false;
  /** Queued by a submit still waiting for its outcome: a refusal is answered to it, not kept. */
  private awaited = new Set<number>();
  private outcomes = new Map<number, SubmitOutcome>();
  private readonly onOnline = () => {
    this.failures = 0;
    void this.flush();
  };

  constructor(private readonly options: OutboxOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    await this.reload();
    void this.flush();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.retryTimer);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = () => this.version;

  /** Calls `listener` with the assignment the server answered an acknowledgement or arrival with. */
  onAssignmentApplied(listener: (assignment: AssignmentView) => void): () => void {
    this.assignmentListeners.add(listener);
    return () => this.assignmentListeners.delete(listener);
  }

  pendingFor(alertId: number): OutboxEntry[] {
    return this.entries.filter((entry) => isAlertEntry(entry) && entry.alertId === alertId);
  }

  pendingForIncident(incidentId: number): OutboxEntry[] {
    return this.entries.filter((entry) => entry.subject === 'incident' && entry.incidentId === incidentId);
  }

  /**
   * Queues a position report and sends it in the background. Only the newest position places a team,
   * so it replaces one still waiting on the phone: an hour without signal sends one report, not 120.
   */
  async reportPosition(position: PositionReport): Promise<void> {
    for (const entry of await queuedEntries()) {
      if (entry.userId === this.options.userId && entry.subject === 'position') await removeEntry(entry.seq);
    }
    await this.queue([{ subject: 'position', action: 'position', position }]);
  }

  /** Stores the steps and sends them in the background; a refusal is kept and shown in the bar. */
  async queue(requests: OutboxRequest[]): Promise<void> {
    await appendEntries(requests.map((request) => this.entryFor(request)));
    await this.reload();
    void this.flush();
  }

  private entryFor(request: OutboxRequest) {
    return { ...request, userId: this.options.userId, idempotencyKey: newIdempotencyKey(), queuedAt: new Date().toISOString(), attempts: 0 };
  }

  /**
   * Stores the steps (all or none, in order) and tries to send them now. Answers 'sent' when all were
   * applied, 'refused' with the first refusal, or 'queued' when they wait on the phone (no connection,
   * or no answer within submitWaitMs: they go on in the background).
   */
  async submit(requests: OutboxRequest[]): Promise<SubmitOutcome> {
    const stored = await appendEntries(requests.map((request) => this.entryFor(request)));
    stored.forEach((entry) => this.awaited.add(entry.seq));
    await this.reload();
    const flushed = this.flush();
    const waited = await Promise.race([
      flushed.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), this.options.submitWaitMs ?? 10_000)),
    ]);
    const outcomes = stored.map((entry) => this.outcomes.get(entry.seq));
    for (const entry of stored) {
      this.awaited.delete(entry.seq);
      this.outcomes.delete(entry.seq);
    }
    const refused = outcomes.find((outcome) => outcome?.status === 'refused');
    if (refused) return refused;
    if (waited && outcomes.every((outcome) => outcome?.status === 'sent')) return { status: 'sent' };
    return { status: 'queued' };
  }

  /** Sends what is queued, in order, until the queue is empty or the connection fails. */
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
        // One tab at a time sends the queue (the key would make a double send harmless, not free).
        if (navigator.locks) await navigator.locks.request('cityops-field-outbox', () => this.sendQueued());
        else await this.sendQueued();
      } while (this.flushAgain && !this.stopped);
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async dismiss(seq: number): Promise<void> {
    await dismissRefused(seq);
    await this.reload();
  }

  private async sendQueued(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const next = (await queuedEntries()).find((entry) => entry.userId === this.options.userId);
      if (!next) {
        this.failures = 0;
        break;
      }
      if (!navigator.onLine) {
        // Nothing to try until the online event; a timer too, as onLine is not reliable everywhere.
        this.scheduleRetry();
        break;
      }
      this.setSending(true);
      try {
        const applied = await sendEntry(next);
        await removeEntry(next.seq);
        this.failures = 0;
        if (this.awaited.has(next.seq)) this.outcomes.set(next.seq, { status: 'sent' });
        const { alert, assignment } = applied;
        if (alert) this.options.onApplied(alert);
        if (assignment) this.assignmentListeners.forEach((listener) => listener(assignment));
      } catch (error) {
        if (isTransient(error)) {
          await updateEntry({ ...next, attempts: next.attempts + 1, lastError: (error as Error).message });
          this.scheduleRetry();
          break;
        }
        const apiError = error as ApiError;
        const hadPhoto = 'photo' in next && Boolean(next.photo);
        const { photo: _photo, ...rest } = next as OutboxEntry & { photo?: Blob };
        const refused = { ...rest, status: apiError.status, code: apiError.code, message: apiError.message, field: apiError.field, reason: apiError.reason, params: apiError.params, refusedAt: new Date().toISOString(), hadPhoto } as RefusedEntry;
        if (this.awaited.has(next.seq)) {
          await removeEntry(next.seq);
          this.outcomes.set(next.seq, { status: 'refused', entry: refused });
        } else {
          // One refused position is enough to say what is wrong; the older ones would only pile up.
          if (next.subject === 'position') {
            for (const old of await refusedEntries()) if (old.userId === next.userId && old.subject === 'position') await dismissRefused(old.seq);
          }
          await moveToRefused(refused);
        }
      } finally {
        this.setSending(false);
        await this.reload();
      }
    }
    await this.reload();
  }

  private scheduleRetry() {
    this.failures++;
    const delay = retryDelayMs(this.failures);
    clearTimeout(this.retryTimer);
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => void this.flush(), delay);
  }

  private setSending(sending: boolean) {
    this.sending = sending;
    this.changed();
  }

  private async reload() {
    const [entries, refused] = await Promise.all([queuedEntries(), refusedEntries()]);
    this.entries = entries.filter((entry) => entry.userId === this.options.userId);
    this.refused = refused.filter((entry) => entry.userId === this.options.userId);
    this.changed();
  }

  private changed() {
    this.version++;
    this.listeners.forEach((listener) => listener());
  }
}
