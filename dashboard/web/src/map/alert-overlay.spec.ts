import { describe, expect, it } from 'vitest';
import type { Alert } from '../live/types.ts';
import { alertMarkers, sameMarkers } from './alert-overlay.ts';

function alert(id: number, patch: Partial<Alert> = {}): Alert {
  return {
    id, kind: 'sensor_level', severity: 'major', state: 'new', source: { type: 'sensor', id: `s-${id}`, zoneId: '' },
    title: { vi: `Báo động ${id}`, en: `Alarm ${id}` }, description: { vi: '', en: '' }, lat: 10.7, lon: 106.7, districtId: null,
    firstSeenAt: '2025-10-01T00:00:00Z', lastSeenAt: '2025-10-01T00:00:00Z', occurrences: 1, assignedTeamId: null,
    acknowledgedAt: null, teamAcknowledgedAt: null, assignedAt: null, resolvedAt: null, closedAt: null, autoCleared: null,
    hasSnapshot: false, lastEventId: id, ...patch,
  };
}

describe('alert markers on the map overlay', () => {
  it('draws alerts that have a place, titled in the screen language or else in Vietnamese', () => {
    const markers = alertMarkers([alert(1), alert(2, { lat: null, lon: null }), alert(3, { title: { vi: 'Chỉ tiếng Việt', en: '' } })], 'en');
    expect(markers).toEqual([
      { id: 1, lon: 106.7, lat: 10.7, severity: 'major', title: 'Alarm 1' },
      { id: 3, lon: 106.7, lat: 10.7, severity: 'major', title: 'Chỉ tiếng Việt' },
    ]);
  });

  it('skips the redraw for a live change the markers do not show, not for one they do', () => {
    const before = alertMarkers([alert(1), alert(2)], 'vi');
    // Acknowledged, seen again: the same markers in new objects.
    expect(sameMarkers(before, alertMarkers([alert(1, { state: 'acknowledged' }), alert(2, { occurrences: 5 })], 'vi'))).toBe(true);
    expect(sameMarkers(before, alertMarkers([alert(1, { severity: 'critical' }), alert(2)], 'vi'))).toBe(false);
    expect(sameMarkers(before, alertMarkers([alert(1)], 'vi'))).toBe(false);
    expect(sameMarkers(before, alertMarkers([alert(1), alert(2)], 'en'))).toBe(false);
  });
});
