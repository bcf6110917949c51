// Where the residents' reports wait on the phone: IndexedDB (through idb.ts), so a report written with no
// signal, its shrunk photos and its clip (as Blobs) survive a reload, a closed tab and a phone restart.
// A report the server refused (400, 413) stays here with the refusal until the resident corrects it:
// nothing typed or photographed is ever dropped silently. Without IndexedDB it lives in memory.
import type { ReportCategory } from '@cityops/contract/citizen-reports';
import { committed, done, openDatabase } from '../idb.ts';

/** What the resident filled in. */
export interface ReportDraft {
  category: ReportCategory;
  lat: number;
  lon: number;
  description: string;
  /** Phone number or e-mail for follow-up; '' for none. */
  contact: string;
  /** Already shrunk on the phone (field/photo.ts). */
  photos: Blob[];
  clip?: Blob;
}

export interface ServerRefusal {
  status: number;
  code: string;
  message: string;
  field?: string;
  /** Why, as a code and parameters worded in the resident's language (server-messages.ts). */
  reason?: string;
  params?: Record<string, string | number | boolean>;
}

export interface QueuedReport extends ReportDraft {
  /** Queue order (IndexedDB key, increasing). */
  id: number;
  /** Sent as the Idempotency-Key header: a resend after a lost answer gets the first one's code. */
  idempotencyKey: string;
  /** When the resident pressed send (the report's takenAt, whatever time it reaches the server). */
  takenAt: string;
  attempts: number;
  /** The last network or server error, shown while it waits. */
  lastError?: string;
  /** Set when the server refused it: not sent again until corrected. */
  refusal?: ServerRefusal;
}

const DATABASE = 'cityops-report';
const REPORTS = 'reports';

let opening: Promise<IDBDatabase | undefined> | undefined;
function database(): Promise<IDBDatabase | undefined> {
  opening ??= openDatabase(DATABASE, 1, (db) => {
    db.createObjectStore(REPORTS, { keyPath: 'id', autoIncrement: true });
  });
  return opening;
}

const memory = { reports: new Map<number, QueuedReport>(), nextId: 1 };

/** Stores a report (in place of `replaces`, a refused one being corrected, in the same transaction). */
export async function addReport(report: Omit<QueuedReport, 'id'>, replaces?: number): Promise<QueuedReport> {
  const db = await database();
  if (!db) {
    if (replaces !== undefined) memory.reports.delete(replaces);
    const stored = { ...report, id: memory.nextId++ };
    memory.reports.set(stored.id, stored);
    return stored;
  }
  const transaction = db.transaction(REPORTS, 'readwrite');
  const store = transaction.objectStore(REPORTS);
  if (replaces !== undefined) store.delete(replaces);
  const key = done(store.add(report));
  await committed(transaction);
  return { ...report, id: Number(await key) };
}

export async function storedReports(): Promise<QueuedReport[]> {
  const db = await database();
  if (!db) return [...memory.reports.values()].sort((a, b) => a.id - b.id);
  return done(db.transaction(REPORTS).objectStore(REPORTS).getAll() as IDBRequest<QueuedReport[]>);
}

export async function updateReport(report: QueuedReport): Promise<void> {
  const db = await database();
  if (!db) {
    if (memory.reports.has(report.id)) memory.reports.set(report.id, report);
    return;
  }
  const transaction = db.transaction(REPORTS, 'readwrite');
  const store = transaction.objectStore(REPORTS);
  // Only if still there: another tab may have sent it meanwhile.
  if (await done(store.getKey(report.id))) store.put(report);
  await committed(transaction);
}

export async function removeReport(id: number): Promise<void> {
  const db = await database();
  if (!db) {
    memory.reports.delete(id);
    return;
  }
  const transaction = db.transaction(REPORTS, 'readwrite');
  transaction.objectStore(REPORTS).delete(id);
  await committed(transaction);
}
