// The alert lifecycle: new → acknowledged → assigned (to a field team) → resolved → closed.
// Pure rules, no I/O: which action is allowed in which state, and by whom.
import type { AlertState } from '@cityops/contract/alerts';

export const ALERT_ACTIONS = ['acknowledge', 'assign', 'resolve', 'close', 'note', 'photo'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

export interface TransitionRequest {
  action: AlertAction;
  state: AlertState;
  /** A field user acting on an alert assigned to their team (otherwise: command-room staff). */
  asFieldTeam: boolean;
}

export type TransitionOutcome =
  | { allowed: true; toState: AlertState; eventType: string }
  | { allowed: false; reason: string };

const refuse = (reason: string): TransitionOutcome => ({ allowed: false, reason });

export function decideTransition({ action, state, asFieldTeam }: TransitionRequest): TransitionOutcome {
  if (state === 'closed') return refuse(`the alert is closed; it cannot be changed (${action})`);
  switch (action) {
    case 'acknowledge':
      // A field team confirms it has taken the job: the alert stays assigned, the time is recorded.
      if (asFieldTeam) {
        return state === 'assigned'
          ? { allowed: true, toState: 'assigned', eventType: 'team_acknowledged' }
          : refuse(`a field team acknowledges an assigned alert; this one is ${state}`);
      }
      return state === 'new'
        ? { allowed: true, toState: 'acknowledged', eventType: 'acknowledged' }
        : refuse(`only a new alert can be acknowledged; this one is ${state}`);
    case 'assign':
      if (asFieldTeam) return refuse('field teams cannot assign alerts');
      // Assigning a new alert acknowledges it on the way; reassigning moves it to another team.
      return state === 'new' || state === 'acknowledged' || state === 'assigned'
        ? { allowed: true, toState: 'assigned', eventType: 'assigned' }
        : refuse(`a ${state} alert cannot be assigned`);
    case 'resolve':
      if (asFieldTeam && state !== 'assigned') return refuse(`a field team resolves an alert assigned to it; this one is ${state}`);
      return state === 'acknowledged' || state === 'assigned'
        ? { allowed: true, toState: 'resolved', eventType: 'resolved' }
        : refuse(state === 'new' ? 'acknowledge the alert before resolving it' : `a ${state} alert cannot be resolved`);
    case 'close':
      if (asFieldTeam) return refuse('field teams cannot close alerts');
      return state === 'resolved'
        ? { allowed: true, toState: 'closed', eventType: 'closed' }
        : refuse(`only a resolved alert can be closed; this one is ${state}`);
    case 'note':
    case 'photo':
      return { allowed: true, toState: state, eventType: action };
  }
}
