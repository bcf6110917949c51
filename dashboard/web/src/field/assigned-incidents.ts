// The incidents assigned to the user's teams, as the phone holds them: the server's list (GET
// /api/field/incidents) when the page opens and whenever the live connection comes back, kept current
// by the live events to the team's room (incident:assignment, incident:unassigned, the reminder of
// incident:escalation) and by the answers the outbox got. A copy is kept on the phone, so the list shows
// at once on a page opened with no connection.
import { useCallback, useEffect, useState } from 'react';
import type { AssignmentMessage, AssignmentView, EscalationNotice } from '@cityops/contract/incidents';
import { api, ApiError } from '../api.ts';
import { useLiveStatus, useServerEvent } from '../live/live-context.tsx';
import { useUser } from '../session.tsx';
import { useOutbox } from './outbox-view.tsx';

export interface AssignedIncidents {
  items: AssignmentMessage[];
  /** The reminders the team got while this page was open, by assignment id: shown until answered. */
  reminders: ReadonlyMap<number, EscalationNotice>;
  /** Set while the list shown is the copy saved on the phone (ms). */
  savedAt?: number;
}

const keyFor = (userId: number) => `cityops.field.incidents.${userId}`;

function saved(userId: number): { savedAt: number; items: AssignmentMessage[] } | undefined {
  try {
    const copy = JSON.parse(localStorage.getItem(keyFor(userId)) ?? 'null') as { savedAt: number; items: AssignmentMessage[] } | null;
    return copy && Array.isArray(copy.items) ? copy : undefined;
  } catch {
    return undefined;
  }
}

/** Soonest deadline first: the one to acknowledge, else the one to reach. */
const deadlineOf = (assignment: AssignmentView) => (assignment.acknowledgedAt ? assignment.arriveBy : assignment.acknowledgeBy);
const byDeadline = (a: AssignmentMessage, b: AssignmentMessage) => deadlineOf(a.assignment).localeCompare(deadlineOf(b.assignment));

/** The incoming assignment, keeping the answers the held copy already has: an answer and an older live message may cross. */
function keepNewer(current: AssignmentView, incoming: AssignmentView): AssignmentView {
  const answers = (assignment: AssignmentView) => Number(Boolean(assignment.acknowledgedAt)) + Number(Boolean(assignment.arrivedAt));
  return answers(current) > answers(incoming) ? { ...incoming, acknowledgedAt: current.acknowledgedAt, acknowledgedBy: current.acknowledgedBy, arrivedAt: current.arrivedAt } : incoming;
}

export function useAssignedIncidents(): AssignedIncidents {
  const user = useUser();
  const status = useLiveStatus();
  const outbox = useOutbox();
  const [state, setState] = useState<AssignedIncidents>(() => {
    const copy = saved(user.id);
    return { items: copy?.items ?? [], reminders: new Map(), savedAt: copy?.savedAt };
  });

  const update = useCallback(
    (change: (items: AssignmentMessage[]) => AssignmentMessage[]) =>
      setState((current) => {
        const items = change(current.items).sort(byDeadline);
        try {
          localStorage.setItem(keyFor(user.id), JSON.stringify({ savedAt: Date.now(), items }));
        } catch {}
        // A reminder leaves with its assignment, or once the late deadline was met.
        const reminders = new Map([...current.reminders].filter(([id, notice]) => {
          const item = items.find((candidate) => candidate.assignment.id === id);
          return item && !(notice.deadline === 'acknowledge' ? item.assignment.acknowledgedAt : item.assignment.arrivedAt);
        }));
        return { ...current, items, reminders };
      }),
    [user.id],
  );

  // The whole list at open and after every reconnection: events sent while away are not replayed.
  useEffect(() => {
    if (status !== 'live') return;
    let cancelled = false;
    api<{ assigned: AssignmentMessage[] }>('/api/field/incidents')
      .then((answer) => {
        if (cancelled) return;
        update(() => answer.assigned);
        setState((current) => ({ ...current, savedAt: undefined }));
      })
      .catch((error) => {
        // A user who may not do field work (403) simply has no incidents here.
        if (error instanceof ApiError && error.status === 403) update(() => []);
      });
    return () => {
      cancelled = true;
    };
  }, [status, update]);

  useServerEvent('incident:assignment', (message) =>
    update((items) => {
      const others = items.filter((item) => item.incident.id !== message.incident.id);
      if (message.assignment.endedAt) return others;
      const previous = items.find((item) => item.assignment.id === message.assignment.id);
      return [...others, { ...message, assignment: previous ? keepNewer(previous.assignment, message.assignment) : message.assignment }];
    }),
  );
  useServerEvent('incident:unassigned', (message) => update((items) => items.filter((item) => item.assignment.id !== message.assignmentId)));
  useServerEvent('incident:escalation', (notice) => {
    if (notice.step !== 'remind') return;
    update((items) => items.map((item) => (item.assignment.id === notice.assignment.id ? { ...item, assignment: keepNewer(item.assignment, notice.assignment) } : item)));
    setState((current) => ({ ...current, reminders: new Map(current.reminders).set(notice.assignment.id, notice) }));
    // A phone in a pocket: make it felt, where the browser allows it.
    navigator.vibrate?.([400, 150, 400, 150, 400]);
  });
  useEffect(
    () => outbox.onAssignmentApplied((assignment) => update((items) => items.map((item) => (item.assignment.id === assignment.id ? { ...item, assignment: keepNewer(item.assignment, assignment) } : item)))),
    [outbox, update],
  );

  return state;
}

/** The deadline the team is late for, from the assignment itself (so it survives a reload) or a reminder. */
export function lateFor(assignment: AssignmentView, now: number): 'acknowledge' | 'arrive' | undefined {
  if (!assignment.acknowledgedAt && (assignment.escalatedFor === 'acknowledge' || Date.parse(assignment.acknowledgeBy) < now)) return 'acknowledge';
  if (!assignment.arrivedAt && (assignment.escalatedFor === 'arrive' || Date.parse(assignment.arriveBy) < now)) return 'arrive';
  return undefined;
}
