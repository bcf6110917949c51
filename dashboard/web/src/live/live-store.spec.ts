// The client half of "never missing an alert" (dashboard/server/REALTIME.md): events that overtake the
// sync are held and applied after it, nothing is applied twice, closed and removed alerts leave the list,
// and the wall alarm hears each new or escalated alert once.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveStore } from './live-store.ts';
import type { AlertEventMessage, AlertRemovedMessage, AlertsSync } from '@cityops/contract/alerts';
import type { IncidentView } from '@cityops/contract/incidents';
import type { Alert, DeviceHealth } from './types.ts';

function alert(id: number, lastEventId: number, patch: Partial<Alert> = {}): Alert {
  return {
    id, kind: 'sensor_level', severity: 'major', state: 'new', source: { type: 'sensor', id: `s-${id}`, zoneId: '' },
    title: { vi: `a${id}`, en: `a${id}` }, description: { vi: '', en: '' }, lat: 10.7, lon: 106.7, districtId: null,
    firstSeenAt: '2025-10-01T00:00:00Z', lastSeenAt: '2025-10-01T00:00:00Z', occurrences: 1, assignedTeamId: null,
    acknowledgedAt: null, teamAcknowledgedAt: null, assignedAt: null, resolvedAt: null, closedAt: null, autoCleared: null,
    hasSnapshot: false, lastEventId, ...patch,
  };
}
const event = (eventId: number, value: Alert, type = 'updated'): AlertEventMessage => ({ eventId, type, at: '', actor: { username: 'x' }, alert: value });

type Internals = {
  receive(message: AlertEventMessage | AlertRemovedMessage): void;
  applySync(sync: AlertsSync): void;
  applyHealth(kind: 'cameraHealth' | 'sensorHealth', id: string, health: DeviceHealth): void;
};
// Alert messages go in where the socket hands them: the store's AlertSyncClient.
const internals = (store: LiveStore): Internals => ({
  receive: (message) => store.alertFeed.receive(message),
  applySync: (sync) => store.alertFeed.applySync(sync),
  applyHealth: (kind, id, health) => (store as unknown as Internals).applyHealth(kind, id, health),
});

describe('live alert list', () => {
  it('holds events that arrive before the sync and applies only the newer ones after it', () => {
    const store = new LiveStore({ loadRegistry: false });
    const raised: number[] = [];
    store.onAlertRaised((value) => raised.push(value.id));
    internals(store).receive(event(5, alert(1, 5, { occurrences: 2 }))); // already in the snapshot
    internals(store).receive(event(7, alert(2, 7), 'raised')); // newer than the snapshot
    expect(store.openAlerts()).toHaveLength(0);
    internals(store).applySync({ mode: 'snapshot', cursor: 6, alerts: [alert(1, 5, { occurrences: 2 })], truncated: false });
    expect(store.openAlerts().map((value) => value.id).sort()).toEqual([1, 2]);
    expect(raised).toEqual([2]);
    // A duplicate delivery changes nothing.
    internals(store).receive(event(7, alert(2, 7, { occurrences: 9 })));
    expect(store.alerts.get(2)!.occurrences).toBe(1);
  });

  it('drops closed and removed alerts and replays what was missed', () => {
    const store = new LiveStore({ loadRegistry: false });
    internals(store).applySync({ mode: 'snapshot', cursor: 10, alerts: [alert(1, 3), alert(2, 4), alert(3, 10)], truncated: false });
    internals(store).applySync({
      mode: 'replay',
      cursor: 13,
      events: [event(11, alert(1, 11, { state: 'closed' })), { eventId: 12, alertId: 2 }, event(13, alert(3, 13, { state: 'acknowledged' }))],
    });
    expect([...store.alerts.keys()]).toEqual([3]);
    expect(store.alerts.get(3)!.state).toBe('acknowledged');
  });

  it('sorts the most severe first, then the newest', () => {
    const store = new LiveStore({ loadRegistry: false });
    internals(store).applySync({
      mode: 'snapshot',
      cursor: 3,
      alerts: [alert(1, 1, { severity: 'minor', lastSeenAt: '2025-10-01T10:00:00Z' }), alert(2, 2, { severity: 'critical', lastSeenAt: '2025-10-01T08:00:00Z' }), alert(3, 3, { severity: 'minor', lastSeenAt: '2025-10-01T11:00:00Z' })],
      truncated: false,
    });
    expect(store.openAlerts().map((value) => value.id)).toEqual([2, 3, 1]);
  });

  it('sounds for an escalation to critical but not for a repeat of the same severity', () => {
    const store = new LiveStore({ loadRegistry: false });
    const heard: string[] = [];
    store.onAlertRaised((value) => heard.push(`${value.id}:${value.severity}`));
    internals(store).applySync({ mode: 'snapshot', cursor: 1, alerts: [alert(1, 1)], truncated: false });
    internals(store).receive(event(2, alert(1, 2, { occurrences: 2 })));
    internals(store).receive(event(3, alert(1, 3, { severity: 'critical' })));
    expect(heard).toEqual(['1:critical']);
  });

  it('keeps a newer copy from an action answer over an older event', () => {
    const store = new LiveStore({ loadRegistry: false });
    internals(store).applySync({ mode: 'snapshot', cursor: 1, alerts: [alert(1, 1)], truncated: false });
    store.upsertAlert(alert(1, 5, { state: 'assigned' }));
    internals(store).receive(event(4, alert(1, 4, { state: 'acknowledged' })));
    expect(store.alerts.get(1)!.state).toBe('assigned');
  });
});

describe('live device health', () => {
  afterEach(() => vi.useRealTimers());

  it('hands out a new health map once per notification when a device state changed, and keeps it otherwise', () => {
    vi.useFakeTimers();
    const store = new LiveStore({ loadRegistry: false });
    let notified = 0;
    store.subscribe(() => notified++);
    const cameras = store.cameraHealth;
    const sensorsBefore = store.sensorHealth;
    internals(store).applyHealth('sensorHealth', 'tide-001', { state: 'level2' });
    const sensorsAfterFirst = store.sensorHealth;
    internals(store).applyHealth('sensorHealth', 'tide-002', { state: 'ok' });
    // Two messages before the notification: one copy, holding both, and the old map left as it was.
    expect(store.sensorHealth).toBe(sensorsAfterFirst);
    expect(sensorsAfterFirst).not.toBe(sensorsBefore);
    expect(sensorsBefore.size).toBe(0);
    expect([...store.sensorHealth.entries()]).toEqual([['tide-001', { state: 'level2' }], ['tide-002', { state: 'ok' }]]);
    expect(store.cameraHealth).toBe(cameras);
    vi.runAllTimers();
    expect(notified).toBe(1);
    // An alert change does not replace the health maps, nor does a new value in the same state.
    internals(store).applySync({ mode: 'snapshot', cursor: 1, alerts: [alert(1, 1)], truncated: false });
    internals(store).applyHealth('sensorHealth', 'tide-002', { state: 'ok', lastValue: 0.8 });
    expect(store.sensorHealth).toBe(sensorsAfterFirst);
    expect(store.sensorHealth.get('tide-002')?.lastValue).toBe(0.8);
    // The next state change does.
    internals(store).applyHealth('sensorHealth', 'tide-001', { state: 'ok' });
    expect(store.sensorHealth).not.toBe(sensorsAfterFirst);
    expect(store.sensorHealth.get('tide-001')?.state).toBe('ok');
    expect(sensorsAfterFirst.get('tide-001')?.state).toBe('level2');
    store.stop();
  });
});

function incident(id: number, patch: Partial<IncidentView> = {}): IncidentView {
  return {
    id, kind: 'fire', severity: 'major', state: 'open', kindSetBy: 'person', title: '', lat: 10.77, lon: 106.7, districtId: null, address: '',
    openedAt: '2026-12-03T10:00:00.000Z', updatedAt: '2026-12-03T10:00:00.000Z', dispatchedAt: null, onSceneAt: null, resolvedAt: null,
    closedAt: null, mergedIntoId: null, alertIds: [], callCount: 1, reportCount: 0, ...patch,
  };
}

describe('live incidents', () => {
  it('keeps the newest copy of each incident, whichever arrives last', () => {
    const store = new LiveStore({ loadRegistry: false });
    store.upsertIncidents([incident(1, { updatedAt: '2026-12-03T10:05:00.000Z', callCount: 2 })]);
    // An action's answer about an earlier change, arriving after the live event of a later one.
    store.upsertIncidents([incident(1, { updatedAt: '2026-12-03T10:01:00.000Z', callCount: 1 })]);
    expect(store.incidents.get(1)!.callCount).toBe(2);
    store.upsertIncidents([incident(1, { updatedAt: '2026-12-03T10:06:00.000Z', state: 'resolved' })]);
    expect(store.incidents.get(1)!.state).toBe('resolved');
    store.stop();
  });

  it('lists the active incidents only, the most severe first, then the newest', () => {
    const store = new LiveStore({ loadRegistry: false });
    store.upsertIncidents([
      incident(1, { severity: 'minor', openedAt: '2026-12-03T10:09:00.000Z' }),
      incident(2, { severity: 'critical', openedAt: '2026-12-03T10:00:00.000Z' }),
      incident(3, { severity: 'critical', openedAt: '2026-12-03T10:05:00.000Z', state: 'dispatched' }),
      incident(4, { severity: 'critical', state: 'resolved' }),
      incident(5, { severity: 'critical', state: 'closed', mergedIntoId: 3 }),
    ]);
    expect(store.activeIncidents().map((item) => item.id)).toEqual([3, 2, 1]);
    store.stop();
  });
});
