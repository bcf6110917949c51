// The team's alerts as last seen, kept on the phone (localStorage: a few kB of JSON). The field list
// shows them at once when the page opens with no connection or a slow one, marked with the time they
// were saved, until the live store has its first sync.
import type { Alert } from '../live/types.ts';

interface SavedAlerts {
  savedAt: number;
  alerts: Alert[];
}

const keyFor = (userId: number) => `cityops.field.alerts.${userId}`;

export function saveAlerts(userId: number, alerts: Alert[]): void {
  try {
    localStorage.setItem(keyFor(userId), JSON.stringify({ savedAt: Date.now(), alerts } satisfies SavedAlerts));
  } catch {}
}

export function savedAlerts(userId: number): SavedAlerts | undefined {
  try {
    const text = localStorage.getItem(keyFor(userId));
    const saved = text ? (JSON.parse(text) as SavedAlerts) : undefined;
    return saved && Array.isArray(saved.alerts) ? saved : undefined;
  } catch {
    return undefined;
  }
}
