// Dispatch on the incident page: the teams that could go, ranked as the server ranks them (those that
// handle the kind, then free before busy, then nearest), sent with one click; the active assignment with
// its deadlines counting down and the team's answers; the escalation steps a missed deadline took. When
// another dispatcher was first, their choice is shown, never overwritten: sending another team instead
// is a second, deliberate action (replace).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AssignmentView, DispatchCandidate, DispatchView, IncidentView } from '@cityops/contract/incidents';
import { ApiError } from '../api.ts';
import { compassLabel, formatDistance } from '../geodesy.ts';
import { useI18n, type I18n } from '../i18n.tsx';
import { useServerEvent } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { canOperate, useUser } from '../session.tsx';
import { Icon, Spinner } from '../ui.tsx';
import { Deadline } from './deadline.tsx';
import { activeAssignment, assignTeam, loadDispatch } from './dispatch-actions.ts';
import './dispatch.css';
import { errorMessage } from '../server-messages.ts';

/** Teams move: their distances are asked for again this often while the panel is open. */
const CANDIDATES_REFRESH_MS = 30_000;
/** A position older than this is shown as stale (the server stops using it at 15 minutes). */
const STALE_POSITION_MS = 5 * 60_000;

interface Outcome {
  ok: boolean;
  text: string;
}

export function DispatchPanel({ incident }: { incident: IncidentView }) {
  const i18n = useI18n();
  const { t } = i18n;
  const user = useUser();
  const mayAssign = canOperate(user);
  const [view, setView] = useState<DispatchView>();
  const [loadError, setLoadError] = useState<string>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [assigning, setAssigning] = useState<number>();
  const [replacing, setReplacing] = useState<DispatchCandidate>();
  /** Once the team is on scene, the other teams are folded away until asked for. */
  const [unfolded, setUnfolded] = useState(false);

  const reload = useCallback(async () => {
    try {
      const fresh = await loadDispatch(incident.id);
      setView(fresh);
      setLoadError(undefined);
      return fresh;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) setLoadError(errorMessage(error));
      return undefined;
    }
  }, [incident.id]);

  // One reload for a burst of live events (an assignment sends several).
  const pending = useRef<ReturnType<typeof setTimeout>>(undefined);
  const reloadSoon = useCallback(() => {
    clearTimeout(pending.current);
    pending.current = setTimeout(() => void reload(), 150);
  }, [reload]);
  useEffect(() => () => clearTimeout(pending.current), []);

  useEffect(() => {
    void reload();
    const timer = setInterval(() => void reload(), CANDIDATES_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload, incident.updatedAt, incident.state]);
  useServerEvent('incident:changed', (changed) => changed.id === incident.id && reloadSoon());
  useServerEvent('incident:escalation', (notice) => notice.incidentId === incident.id && reloadSoon());

  const active = activeAssignment(view);
  const past = view?.assignments.filter((assignment) => assignment.endedAt !== null).reverse() ?? [];
  const closed = incident.state === 'resolved' || incident.state === 'closed';

  const assign = async (candidate: DispatchCandidate, replace: boolean) => {
    setAssigning(candidate.teamId);
    setOutcome(undefined);
    try {
      const assignment = await assignTeam(incident.id, candidate.teamId, replace);
      setReplacing(undefined);
      setOutcome({ ok: true, text: t('dispatch.assigned', { team: assignment.teamName, time: i18n.time(assignment.acknowledgeBy) }) });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // Someone was first: show whom they sent, from the server's state, not from our stale list.
        setReplacing(undefined);
        const current = activeAssignment(await reload());
        setOutcome(current ? { ok: false, text: t('dispatch.firstWas', { user: current.assignedBy, team: current.teamName, time: i18n.time(current.assignedAt) }) } : { ok: false, text: errorMessage(error) });
      } else if (!(error instanceof ApiError && error.status === 401)) {
        setOutcome({ ok: false, text: errorMessage(error) });
      }
    } finally {
      setAssigning(undefined);
      void reload();
    }
  };

  return (
    <section className="panel dispatch-panel" data-testid="dispatch-panel" data-incident-id={incident.id}>
      <header className="panel-header">
        <h2>
          <Icon name="field" /> {t('dispatch.title')}
        </h2>
        {view && (
          <span className="small muted" data-testid="dispatch-policy">
            {t('dispatch.policy', { acknowledge: duration(i18n, view.policy.acknowledgeSeconds), arrive: duration(i18n, view.policy.arriveSeconds) })}
          </span>
        )}
      </header>
      <div className="dispatch-body">
        {!view && !loadError && <Spinner label={t('common.loading')} />}
        {loadError && (
          <p className="form-error" role="alert">
            {loadError}
          </p>
        )}
        {view && (active ? <ActiveAssignment assignment={active} ladder={view.policy.ladder} /> : <p className="muted dispatch-none" data-testid="no-assignment">{closed ? t('dispatch.closed') : t('dispatch.none')}</p>)}
        {outcome && (
          <div className={outcome.ok ? 'form-ok' : 'form-error'} role="status" data-testid="dispatch-outcome" data-ok={outcome.ok}>
            {outcome.text}
          </div>
        )}
        {view && !closed && active?.arrivedAt && !unfolded && (
          <button className="button ghost small dispatch-unfold" onClick={() => setUnfolded(true)} data-testid="dispatch-unfold">
            {t('dispatch.showCandidates')}
          </button>
        )}
        {view && !closed && (!active?.arrivedAt || unfolded) && (
          <>
            <h3 className="dispatch-heading">{t('dispatch.candidates')}</h3>
            {view.candidates.length === 0 ? (
              <p className="muted">{t('dispatch.noTeams')}</p>
            ) : (
              <ol className="candidate-list">
                {view.candidates.map((candidate, index) => {
                  const isCurrent = active?.teamId === candidate.teamId;
                  return (
                    <li
                      key={candidate.teamId}
                      className={`candidate${index === 0 && !active ? ' proposed' : ''}${isCurrent ? ' current' : ''}`}
                      data-testid="dispatch-candidate"
                      data-team-id={candidate.teamId}
                      data-rank={index + 1}
                    >
                      <span className="candidate-rank">{index + 1}</span>
                      <CandidateFacts candidate={candidate} proposed={index === 0 && !active} />
                      <div className="candidate-action">
                        {isCurrent ? (
                          <span className="state-badge assigned">{t('dispatch.isAssigned')}</span>
                        ) : mayAssign && !active ? (
                          <button className="button primary small" disabled={assigning !== undefined} onClick={() => void assign(candidate, false)} data-testid="dispatch-assign">
                            {t('dispatch.assign')}
                          </button>
                        ) : mayAssign ? (
                          <button className="button small" disabled={assigning !== undefined} onClick={() => setReplacing(candidate)} data-testid="dispatch-replace">
                            {t('dispatch.replace')}
                          </button>
                        ) : null}
                      </div>
                      {replacing?.teamId === candidate.teamId && active && (
                        <div className="replace-confirm" data-testid="replace-confirm">
                          <span>{t('dispatch.replaceQuestion', { team: candidate.name, current: active.teamName })}</span>
                          <div className="action-row">
                            <button className="button danger small" disabled={assigning !== undefined} onClick={() => void assign(candidate, true)} data-testid="replace-confirm-yes">
                              {t('dispatch.replaceConfirm', { team: candidate.name })}
                            </button>
                            <button className="button ghost small" onClick={() => setReplacing(undefined)}>
                              {t('common.cancel')}
                            </button>
                          </div>
                        </div>
                      )}
                    </li>
                  );
                })}
              </ol>
            )}
          </>
        )}
        {past.length > 0 && (
          <>
            <h3 className="dispatch-heading">{t('dispatch.earlier')}</h3>
            <ul className="past-assignments">
              {past.map((assignment) => (
                <li key={assignment.id} className="small" data-testid="past-assignment">
                  <strong>{assignment.teamName}</strong> · {i18n.dateTime(assignment.assignedAt)} · {endReason(i18n, assignment)}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}

function CandidateFacts({ candidate, proposed }: { candidate: DispatchCandidate; proposed: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const positionAge = candidate.positionAt ? Date.now() - new Date(candidate.positionAt).getTime() : undefined;
  return (
    <div className="candidate-facts">
      <div className="candidate-name">
        <strong>{candidate.name}</strong>
        {proposed && <span className="proposed-tag">{t('dispatch.proposed')}</span>}
      </div>
      <div className="candidate-tags">
        <span className={`tag ${candidate.handlesKind ? 'good' : 'weak'}`} data-testid="candidate-kind">
          {candidate.handlesKind ? t('dispatch.handlesKind') : t('dispatch.otherKinds')}
        </span>
        <span className={`tag ${candidate.busy ? 'weak' : 'good'}`} data-testid="candidate-busy">
          {candidate.busy ? t('dispatch.busy', { count: candidate.busy }) : t('dispatch.free')}
        </span>
      </div>
      <div className="candidate-where small">
        {candidate.distanceM !== null && candidate.bearingDeg !== null ? (
          <>
            {/* The arrow points the way the team drives (its bearing to the incident); the words say where it is now. */}
            <span className="bearing-arrow" style={{ transform: `rotate(${candidate.bearingDeg}deg)` }} aria-hidden>
              ↑
            </span>
            <span data-testid="candidate-distance" data-metres={candidate.distanceM}>
              {t('dispatch.teamAt', { distance: formatDistance(i18n, candidate.distanceM), direction: compassLabel(i18n, (candidate.bearingDeg + 180) % 360) })}
            </span>
            <span className={positionAge !== undefined && positionAge > STALE_POSITION_MS ? 'stale' : 'muted'}>
              {' · '}
              {t('dispatch.positionAge', { ago: i18n.ago(candidate.positionAt!) })}
            </span>
          </>
        ) : (
          <span className="muted">{t('dispatch.noPosition')}</span>
        )}
      </div>
    </div>
  );
}

function ActiveAssignment({ assignment, ladder }: { assignment: AssignmentView; ladder: DispatchView['policy']['ladder'] }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <div
      className={`assignment-card${assignment.escalationSteps > 0 ? ' escalated' : ''}`}
      data-testid="active-assignment"
      data-assignment-id={assignment.id}
      data-team-id={assignment.teamId ?? ''}
      data-acknowledged={Boolean(assignment.acknowledgedAt)}
      data-arrived={Boolean(assignment.arrivedAt)}
    >
      <div className="assignment-head">
        <strong data-testid="assigned-team">{assignment.teamName}</strong>
        <span className="small muted">{t('dispatch.assignedBy', { user: assignment.assignedBy, time: i18n.time(assignment.assignedAt) })}</span>
      </div>
      <Deadline label={t('deadline.acknowledge')} by={assignment.acknowledgeBy} doneAt={assignment.acknowledgedAt} doneBy={assignment.acknowledgedBy} testId="deadline-acknowledge" />
      <Deadline label={t('deadline.arrive')} by={assignment.arriveBy} doneAt={assignment.arrivedAt} testId="deadline-arrive" />
      {assignment.escalationSteps > 0 && assignment.escalatedFor && (
        <div className="ladder" data-testid="escalation-ladder" data-steps={assignment.escalationSteps}>
          <span className="small">{t(assignment.escalatedFor === 'acknowledge' ? 'dispatch.lateAcknowledge' : 'dispatch.lateArrive')}</span>
          <ol>
            {ladder.map((step, index) => (
              <li key={step} className={index < assignment.escalationSteps ? 'taken' : ''}>
                {t(`escalation.step.${step}` as MessageKey)}
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}

function endReason(i18n: I18n, assignment: AssignmentView): string {
  const reason = assignment.endReason ?? 'released';
  return i18n.t(`dispatch.ended.${reason}` as MessageKey, { time: i18n.time(assignment.endedAt!) });
}

/** 60 → "1 min", 5400 → "1 h 30 min". */
function duration(i18n: I18n, seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  if (!hours) return i18n.t('duration.minutes', { minutes: Math.max(1, minutes) });
  return minutes ? i18n.t('duration.hoursMinutes', { hours, minutes }) : i18n.t('duration.hours', { hours });
}
