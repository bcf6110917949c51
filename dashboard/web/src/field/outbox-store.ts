// Where the field outbox keeps its actions on the phone: IndexedDB, so a queued action (and its
// photo, stored as a Blob) survives a reload, a closed tab and a phone restart. The only module of the
// field view that touches IndexedDB (through idb.ts); outbox.ts sees plain async functions. Without
// IndexedDB (some private modes) the queue lives in memory: actions still queue and send, they just do not survive a reload.
import { committed, done, openDatabase } from '../idb.ts';

export type AlertAction = 'acknowledge' | 'note' | 'photo' | 'resolve';
/** The assigned team's answers on an incident (dashboard/server/incidents/dispatch.ts), and its resolution. */
export type IncidentAnswer = 'acknowledge' | 'arrive' | 'resolve';
export type OutboxAction = AlertAction | IncidentAnswer | 'duty' | 'position';

/** What an entry asks the server to do. Entries stored before incidents existed have no `subject`: they are on an alert. */
export type OutboxWork =
  | {
      subject?: 'alert';
      alertId: number;
      /** The alert's title when the action was taken, to name it in a refusal after it left the list. */
      alertTitle?: string;
      action: AlertAction;
      note?: string;
      photo?: Blob;
    }
  | {
      subject: 'incident';
      incidentId: number;
      /** What the incident was when answered, to name it in a refusal after it left the list. */
      incidentTitle?: string;
      action: IncidentAnswer;
      /** Only on resolve: what the team did, and the photo of the fix. */
      note?: string;
      photo?: Blob;
    }
  | { subject: 'duty'; action: 'duty'; onDuty: boolean }
  | { subject: 'position'; action: 'position'; position: { lat: number; lon: number; accuracyM?: number; measuredAt: string } };

interface EntryBookkeeping {
  /** Queue order (IndexedDB key, increasing): actions are sent in this order. */
  seq: number;
  /** Who queued it: only that user's session sends it. */
  userId: number;
  /** Sent as the Idempotency-Key header: a resend after a lost answer is applied once. */
  idempotencyKey: string;
  queuedAt: string;
  attempts: number;
  /** The last network or server error, shown while it waits. */
  lastError?: string;
}

export type OutboxEntry = EntryBookkeeping & OutboxWork;

/** Omit over each member of a union (the built-in Omit keeps only the keys all members share). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An action the server refused after it was queued, kept until the user has seen it. */
export type RefusedEntry = OmitEach<OutboxEntry, 'photo'> & {
  status: number;
  code: string;
  message: string;
  /** The refusal's field, reason and parameters, to word it in the reader's language (server-messages.ts). */
  field?: string;
  reason?: string;
  params?: Record<string, string | number | boolean>;
  refusedAt: string;
  hadPhoto: boolean;
};

export const isAlertEntry = <T extends { subject?: string }>(entry: T): entry is Extract<T, { subject?: 'alert' }> => entry.subject === undefined || entry.subject === 'alert';

const DATABASE = 'cityops-field';
const QUEUE = 'outbox';
const REFUSED = 'refused';

let opening: Promise<IDBDatabase | undefined> | undefined;

function database(): Promise<IDBDatabase | undefined> {
  opening ??= openDatabase(DATABASE, 1, (db) => {
    db.createObjectStore(QUEUE, { keyPath: 'seq', autoIncrement: true });
    db.createObjectStore(REFUSED, { keyPath: 'seq' });
  });
  return opening;
}

/** In memory when IndexedDB is not available. */
const memory = { queue: new Map<number, OutboxEntry>(), refused: new Map<number, RefusedEntry>(), nextSeq: 1 };

/** Appends the actions in one transaction (all or none, in this order); returns them with their seq. */
export async function appendEntries(entries: OmitEach<OutboxEntry, 'seq'>[]): Promise<OutboxEntry[]> {
  const db = await database();
  if (!db) {
    return entries.map((entry) => {
      const stored = { ...entry, seq: memory.nextSeq++ } as OutboxEntry;
      memory.queue.set(stored.seq, stored);
      return stored;
    });
  }
  const transaction = db.transaction(QUEUE, 'readwrite');
  const store = transaction.objectStore(QUEUE);
  const seqs = entries.map((entry) => done(store.add(entry)));
  await committed(transaction);
  const keys = await Promise.all(seqs);
  return entries.map((entry, index) => ({ ...entry, seq: Number(keys[index]) }) as OutboxEntry);
}

export async function queuedEntries(): Promise<OutboxEntry[]> {
  const db = await database();
  if (!db) return [...memory.queue.values()].sort((a, b) => a.seq - b.seq);
  return done(db.transaction(QUEUE).objectStore(QUEUE).getAll() as IDBRequest<OutboxEntry[]>);
}

export async function updateEntry(entry: OutboxEntry): Promise<void> {
  const db = await database();
  if (!db) {
    if (memory.queue.has(entry.seq)) memory.queue.set(entry.seq, entry);
    return;
  }
  const transaction = db.transaction(QUEUE, 'readwrite');
  const store = transaction.objectStore(QUEUE);
  // Only if still queued: another tab may have sent it meanwhile.
  if (await done(store.getKey(entry.seq))) store.put(entry);
  await committed(transaction);
}

export async function removeEntry(seq: number): Promise<void> {
  const db = await database();
  if (!db) {
    memory.queue.delete(seq);
    return;
  }
  const transaction = db.transaction(QUEUE, 'readwrite');
  transaction.objectStore(QUEUE).delete(seq);
  await committed(transaction);
}

/** Takes the action out of the queue and keeps the refusal, in one transaction. */
export async function moveToRefused(refused: RefusedEntry): Promise<void> {
  const db = await database();
  if (!db) {
    memory.queue.delete(refused.seq);
    memory.refused.set(refused.seq, refused);
    return;
  }
  const transaction = db.transaction([QUEUE, REFUSED], 'readwrite');
  transaction.objectStore(QUEUE).delete(refused.seq);
  transaction.objectStore(REFUSED).put(refused);
  await committed(transaction);
}

export async function refusedEntries(): Promise<RefusedEntry[]> {
  const db = await database();
  if (!db) return [...memory.refused.values()].sort((a, b) => a.seq - b.seq);
  return done(db.transaction(REFUSED).objectStore(REFUSED).getAll() as IDBRequest<RefusedEntry[]>);
}

export async function dismissRefused(seq: number): Promise<void> {
  const db = await database();
  if (!db) {
    memory.refused.delete(seq);
    return;
  }
  const transaction = db.transaction(REFUSED, 'readwrite');
  transaction.objectStore(REFUSED).delete(seq);
  await committed(transaction);
}
