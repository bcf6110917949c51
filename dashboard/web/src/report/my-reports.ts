// The codes of the reports this phone sent, kept in localStorage so /report lists "my reports" with their
// tracking links (no account: the code is the resident's only handle on a report). Also the phone's
// random device id, which the server uses for its per-device limit.
import type { ReportCategory, ReportReceipt } from '@cityops/contract/citizen-reports';
import { newIdempotencyKey } from '../outbox-retry.ts';

const MY_REPORTS = 'cityops.myReports';
const DEVICE_ID = 'cityops.reportDevice';
/** Older ones fall off: the list is a convenience, the code and link are what the resident keeps. */
const KEPT = 30;

export interface MyReport {
  code: string;
  trackingPath: string;
  category: ReportCategory;
  takenAt: string;
}

export function myReports(): MyReport[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(MY_REPORTS) ?? '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as MyReport[]).filter((report) => typeof report?.code === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberReport(receipt: ReportReceipt, category: ReportCategory, takenAt: string): void {
  const kept = myReports().filter((report) => report.code !== receipt.code);
  const entry: MyReport = { code: receipt.code, trackingPath: receipt.trackingPath || `/report/${encodeURIComponent(receipt.code)}`, category, takenAt };
  try {
    localStorage.setItem(MY_REPORTS, JSON.stringify([entry, ...kept].slice(0, KEPT)));
  } catch {}
}

export function deviceId(): string {
  try {
    let id = localStorage.getItem(DEVICE_ID);
    if (!id) {
      id = newIdempotencyKey();
      localStorage.setItem(DEVICE_ID, id);
    }
    return id;
  } catch {
    return newIdempotencyKey();
  }
}
