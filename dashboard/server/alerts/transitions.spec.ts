import { describe, expect, it } from 'vitest';
import { decideTransition, type AlertAction } from './transitions.ts';
import type { AlertState } from '@cityops/contract/alerts';

const staff = (action: AlertAction, state: AlertState) => decideTransition({ action, state, asFieldTeam: false });
const field = (action: AlertAction, state: AlertState) => decideTransition({ action, state, asFieldTeam: true });

describe('alert lifecycle rules', () => {
  it('walks new → acknowledged → assigned → resolved → closed', () => {
    expect(staff('acknowledge', 'new')).toMatchObject({ allowed: true, toState: 'acknowledged' });
    expect(staff('assign', 'acknowledged')).toMatchObject({ allowed: true, toState: 'assigned' });
    expect(field('resolve', 'assigned')).toMatchObject({ allowed: true, toState: 'resolved' });
    expect(staff('close', 'resolved')).toMatchObject({ allowed: true, toState: 'closed' });
  });

  it('refuses to change a closed alert, whatever the action', () => {
    for (const action of ['acknowledge', 'assign', 'resolve', 'close', 'note', 'photo'] as const) {
      expect(staff(action, 'closed')).toMatchObject({ allowed: false });
    }
  });

  it('refuses steps out of order', () => {
    expect(staff('resolve', 'new')).toEqual({ allowed: false, reason: 'acknowledge the alert before resolving it' });
    expect(staff('close', 'assigned')).toMatchObject({ allowed: false });
    expect(staff('acknowledge', 'resolved')).toMatchObject({ allowed: false });
    expect(staff('assign', 'resolved')).toMatchObject({ allowed: false });
  });

  it('lets a field team confirm, note and resolve its alert but not assign or close', () => {
    expect(field('acknowledge', 'assigned')).toEqual({ allowed: true, toState: 'assigned', eventType: 'team_acknowledged' });
    expect(field('note', 'assigned')).toMatchObject({ allowed: true, toState: 'assigned' });
    expect(field('assign', 'assigned')).toMatchObject({ allowed: false });
    expect(field('close', 'resolved')).toMatchObject({ allowed: false });
    expect(field('resolve', 'resolved')).toMatchObject({ allowed: false });
  });
});
