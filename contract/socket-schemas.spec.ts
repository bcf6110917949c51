// The payload schemas accept what the server sends and refuse what it never would.
import { describe, expect, it } from 'vitest';
import type { AlertView } from './alerts.ts';
import { alertsSyncRequestSchema, serverEventSchemas } from './socket-schemas.ts';

const alert: AlertView = {
  id: 1, kind: 'crowd', severity: 'major', state: 'new', source: { type: 'camera', id: 'cam-1', zoneId: '' },
  title: { vi: 'Đám đông', en: 'Crowd' }, description: { vi: '', en: '' }, lat: null, lon: null, districtId: null,
  firstSeenAt: '2025-10-01T00:00:00Z', lastSeenAt: '2025-10-01T00:00:00Z', occurrences: 1, assignedTeamId: null,
  acknowledgedAt: null, teamAcknowledgedAt: null, assignedAt: null, resolvedAt: null, closedAt: null, autoCleared: null,
  hasSnapshot: false, lastEventId: 3,
};

describe('live payload schemas', () => {
  it('accept the alert messages the server sends', () => {
    const event = { eventId: 3, type: 'raised', at: '2025-10-01T00:00:00Z', actor: { username: 'system' }, alert };
    expect(serverEventSchemas['alert:event'].safeParse(event).success).toBe(true);
    expect(serverEventSchemas['alerts:sync'].safeParse({ mode: 'replay', cursor: 4, events: [event, { eventId: 4, alertId: 1 }] }).success).toBe(true);
    expect(serverEventSchemas['alerts:sync'].safeParse({ mode: 'snapshot', cursor: 3, alerts: [alert], truncated: false }).success).toBe(true);
    expect(serverEventSchemas['alert:event'].safeParse({ ...event, alert: { ...alert, kind: 'alien' } }).success).toBe(false);
  });

  it('refuse an alerts:sync request with anything but a whole cursor', () => {
    expect(alertsSyncRequestSchema.safeParse({ after: 12 }).success).toBe(true);
    expect(alertsSyncRequestSchema.safeParse({}).success).toBe(true);
    expect(alertsSyncRequestSchema.safeParse({ after: 'yesterday' }).success).toBe(false);
    expect(alertsSyncRequestSchema.safeParse({ after: 1, more: true }).success).toBe(false);
  });
});
