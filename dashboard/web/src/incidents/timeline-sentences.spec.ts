// Every timeline entry type the server writes reads as a whole sentence in both languages: no
// placeholder left, no message key, no "undefined".
import { describe, expect, it } from 'vitest';
import type { IncidentTimelineEntry } from '@cityops/contract/incidents';
import { createI18n } from '../i18n-core.ts';
import { describeEntry } from './timeline-sentences.ts';

const assignment = { assignmentId: 3, teamId: 7, teamName: 'Đội PCCC Quận 1' };
/** One entry of each type, with the data the server's writers put in it (dashboard/server/incidents). */
const ENTRIES: Array<[string, Record<string, unknown>, string | null]> = [
  ['opened', { by: 'person' }, null],
  ['opened', { by: 'call', line: '114' }, null],
  ['opened', { by: 'rule', rule: 'flooding', alertId: 5, alertKind: 'sensor_level' }, null],
  ['opened', { by: 'split', fromId: 2, alertIds: [5], callIds: [] }, 'hai vụ'],
  ['alert_linked', { alertId: 6, alertKind: 'stalled_vehicle', severity: 'major', rule: 'stalled vehicle' }, null],
  ['alert_linked', { alertId: 6, alertKind: 'congestion', by: 'person' }, null],
  ['alert_linked', { alertId: 8, alertKind: 'sensor_level', severity: 'critical', rule: 'flooding', kind: { from: 'stalled_vehicle', to: 'flooding' } }, null],
  ['call', { callId: 4, line: '115', kind: 'fire' }, 'Khói đen bốc lên'],
  ['note', {}, 'Đã báo 114'],
  ['state', { from: 'open', to: 'resolved' }, null],
  ['reopened', { from: 'resolved', to: 'open' }, 'Cháy lại'],
  ['merged', { fromId: 9, fromKind: 'fire', alertIds: [1, 2], callIds: [3] }, null],
  ['merged_into', { intoId: 1, alertIds: [], callIds: [] }, null],
  ['split', { createdId: 12, alertIds: [5], callIds: [7] }, null],
  ['edited', { kind: { from: 'other', to: 'fire' }, severity: { from: 'minor', to: 'critical' }, address: { from: '', to: '12 Lê Lợi' } }, null],
  ['edited', {}, null],
  ['assigned', { ...assignment, acknowledgeBy: '2026-12-03T10:05:00Z', arriveBy: '2026-12-03T10:20:00Z' }, null],
  ['acknowledged', assignment, null],
  ['arrived', assignment, null],
  ['reminder', { ...assignment, deadline: 'acknowledge', dueAt: '2026-12-03T10:05:00Z' }, null],
  ['supervisor_alerted', { ...assignment, deadline: 'arrive', dueAt: '2026-12-03T10:25:00Z' }, null],
  ['next_team_proposed', { ...assignment, deadline: 'arrive', proposedTeam: { teamId: 8, name: 'Đội Quận 3', distanceM: 900 } }, null],
  ['next_team_proposed', { ...assignment, deadline: 'acknowledge', proposedTeam: null }, null],
  ['team_deleted', { ...assignment, teamId: null, deadline: null, proposedTeam: null }, null],
  ['assignment_ended', { ...assignment, reason: 'resolved' }, null],
  ['alert_escalated', { alertId: 8, severity: 'critical', kind: { from: 'crowd', to: 'flooding' } }, null],
  ['something_new', {}, null],
];

const entry = ([type, data, note]: (typeof ENTRIES)[number], index: number): IncidentTimelineEntry => ({ id: index + 1, at: '2026-12-03T10:00:00Z', type, username: type === 'reminder' ? 'system:dispatch-escalation' : 'operator-lan', note, data });

describe('incident timeline sentences', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`reads every entry type as a sentence in ${language}`, () => {
      const i18n = createI18n(language, 'Asia/Ho_Chi_Minh', () => {});
      const sentences = ENTRIES.map((item, index) => describeEntry(i18n, entry(item, index)));
      for (const [index, sentence] of sentences.entries()) {
        const type = ENTRIES[index][0];
        expect(sentence, type).not.toMatch(/\{\w+\}|undefined|null|timeline\.|incidentKind\.|incidentState\./);
        expect(sentence.length, type).toBeGreaterThan(8);
      }
      expect(new Set(sentences).size).toBe(sentences.length);
    });
  }

  it('names kinds, states, lines, teams, deadlines and times in the chosen language', () => {
    const en = createI18n('en', 'Asia/Ho_Chi_Minh', () => {});
    const vi = createI18n('vi', 'Asia/Ho_Chi_Minh', () => {});
    const at = (type: string) => ENTRIES.findIndex((item) => item[0] === type);
    const sentence = (i18n: typeof en, type: string) => describeEntry(i18n, entry(ENTRIES[at(type)], at(type)));
    expect(sentence(en, 'call')).toBe('Call on line 115 Ambulance about “Fire”, logged by operator-lan');
    expect(sentence(vi, 'state')).toBe('operator-lan chuyển trạng thái từ “Mới mở” sang “Đã xử lý”');
    expect(sentence(en, 'assigned')).toBe('operator-lan assigned team Đội PCCC Quận 1: acknowledge by 17:05, arrive by 17:20');
    expect(sentence(en, 'reminder')).toBe('Reminder to team Đội PCCC Quận 1: the acknowledgement deadline passed');
    expect(sentence(en, 'edited')).toBe('operator-lan edited: kind from “Other” to “Fire”, severity from “Minor” to “Critical”, address from “—” to “12 Lê Lợi”');
    expect(sentence(vi, 'alert_linked')).toBe('Cảnh báo #6 (Xe dừng bất thường) được gắn theo quy tắc “stalled vehicle”');
    expect(sentence(en, 'something_new')).toBe('operator-lan: something_new');
  });
});
