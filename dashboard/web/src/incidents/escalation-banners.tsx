// Escalations on every command-room screen, not only on the incident's page: when a team missed its
// deadline and the supervisors are alerted, when the next team is proposed, or when the assigned team
// was deleted. Each banner names the incident and a team to send instead, assigned with one click. A
// banner leaves when the team answered after all, when someone sent a team, or when it is dismissed.
// The banners still open are loaded when the live connection is up (at start and after a reconnect,
// when events may have been missed), so a screen opened later shows them too.
// (The team's reminder, the ladder's first step, goes to its phones; the incident page shows it too.)
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DispatchCandidate, EscalationNotice, IncidentView, OpenEscalations } from '@cityops/contract/incidents';
import { api, ApiError } from '../api.ts';
import { formatDistance } from '../geodesy.ts';
import { useI18n } from '../i18n.tsx';
import { useLiveStatus, useServerEvent } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { Link } from '../router.tsx';
import { canOperate, useUser } from '../session.tsx';
import { Icon } from '../ui.tsx';
import { activeAssignment, assignTeam, loadDispatch, loadIncident } from './dispatch-actions.ts';
import './dispatch.css';
import { errorMessage } from '../server-messages.ts';

type SupervisorStep = Exclude<EscalationNotice['step'], 'remind'>;
const SUPERVISOR_STEPS: readonly string[] = ['supervisor', 'next_team', 'team_deleted'] satisfies SupervisorStep[];

/** Where an incident is handled: its page, with the dispatch panel. */
export const incidentDispatchPath = (incidentId: number) => `/incidents/${incidentId}`;

/** Still worth a supervisor's attention: nobody sent another team, and the late team has not answered. */
async function stillEscalated(notice: EscalationNotice): Promise<boolean> {
  const view = await loadDispatch(notice.incidentId);
  const active = activeAssignment(view);
  if (notice.step === 'team_deleted') return !active;
  if (!active || active.id !== notice.assignment.id) return false;
  return notice.deadline === 'acknowledge' ? !active.acknowledgedAt && !active.arrivedAt : !active.arrivedAt;
}

/** Adds the notice unless the incident already shows the same step or a later one (ids grow along the timeline). */
function withNotice(current: ReadonlyMap<number, EscalationNotice>, notice: EscalationNotice): ReadonlyMap<number, EscalationNotice> {
  const shown = current.get(notice.incidentId);
  return shown && shown.id >= notice.id ? current : new Map(current).set(notice.incidentId, notice);
}

export function EscalationBanners() {
  // One banner per incident: the latest step replaces the one before (supervisor, then next team).
  const [notices, setNotices] = useState<ReadonlyMap<number, EscalationNotice>>(new Map());
  // Steps dismissed here stay away when the list is loaded again; live steps that came while it loaded.
  const dismissed = useRef(new Set<number>());
  const liveWhileLoading = useRef<EscalationNotice[] | undefined>(undefined);
  const drop = useCallback((incidentId: number, assignmentId?: number) => {
    setNotices((current) => {
      const notice = current.get(incidentId);
      if (!notice || (assignmentId !== undefined && notice.assignment.id !== assignmentId)) return current;
      const next = new Map(current);
      next.delete(incidentId);
      return next;
    });
  }, []);

  useServerEvent('incident:escalation', (notice) => {
    if (!SUPERVISOR_STEPS.includes(notice.step)) return;
    liveWhileLoading.current?.push(notice);
    setNotices((current) => withNotice(current, notice));
  });
  // The open ones replace what is shown (some may have been answered while the connection was down),
  // with the live steps that arrived meanwhile on top.
  const status = useLiveStatus();
  // The supervisors' steps go to the command room only, live and loaded (a field user's phone has its reminders).
  const commandRoom = useUser().role !== 'field';
  useEffect(() => {
    if (!commandRoom || status === 'connecting' || status === 'reconnecting') return;
    let current = true;
    const live: EscalationNotice[] = [];
    liveWhileLoading.current = live;
    api<OpenEscalations>('/api/incidents/escalations')
      .then(({ escalations }) => {
        if (!current) return;
        let loaded: ReadonlyMap<number, EscalationNotice> = new Map();
        for (const notice of [...escalations, ...live]) {
          if (SUPERVISOR_STEPS.includes(notice.step) && !dismissed.current.has(notice.id)) loaded = withNotice(loaded, notice);
        }
        setNotices(loaded);
      })
      .catch(() => {})
      .finally(() => {
        if (liveWhileLoading.current === live) liveWhileLoading.current = undefined;
      });
    return () => {
      current = false;
    };
  }, [status, commandRoom]);
  // Any change of an incident with a banner (an answer, another team sent, resolved): is it still late?
  useServerEvent('incident:changed', (incident) => {
    const notice = notices.get(incident.id);
    if (!notice) return;
    stillEscalated(notice)
      .then((still) => {
        if (!still) drop(incident.id, notice.assignment.id);
      })
      .catch(() => {});
  });

  if (!notices.size) return null;
  return (
    <div className="escalation-banners" aria-live="assertive">
      {[...notices.values()].map((notice) => (
        <EscalationBanner
          key={notice.incidentId}
          notice={notice}
          onDone={() => drop(notice.incidentId, notice.assignment.id)}
          onDismiss={() => {
            dismissed.current.add(notice.id);
            drop(notice.incidentId, notice.assignment.id);
          }}
        />
      ))}
    </div>
  );
}

function EscalationBanner({ notice, onDone, onDismiss }: { notice: EscalationNotice; onDone(): void; onDismiss(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const user = useUser();
  const [incident, setIncident] = useState<IncidentView>();
  const [proposal, setProposal] = useState<Pick<DispatchCandidate, 'teamId' | 'name' | 'distanceM'> | null | undefined>(notice.proposedTeam);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    loadIncident(notice.incidentId)
      .then(setIncident)
      .catch(() => {});
  }, [notice.incidentId]);
  // The supervisor step names no team: propose the best-ranked one other than the late team.
  useEffect(() => {
    if (notice.proposedTeam !== undefined) return setProposal(notice.proposedTeam);
    loadDispatch(notice.incidentId)
      .then((view) => setProposal(view.candidates.find((candidate) => candidate.teamId !== notice.assignment.teamId) ?? null))
      .catch(() => setProposal(null));
  }, [notice]);

  const send = async () => {
    if (!proposal) return;
    setBusy(true);
    setError(undefined);
    try {
      // Replace only the late team this banner is about: if someone sent another team meanwhile, theirs stands.
      const active = activeAssignment(await loadDispatch(notice.incidentId));
      if (active && active.id !== notice.assignment.id) {
        setError(t('dispatch.firstWas', { user: active.assignedBy, team: active.teamName, time: i18n.time(active.assignedAt) }));
        return;
      }
      await assignTeam(notice.incidentId, proposal.teamId, Boolean(active));
      onDone();
    } catch (caught) {
      if (!(caught instanceof ApiError && caught.status === 401)) setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  const kind = incident ? t(`incidentKind.${incident.kind}` as MessageKey) : '';
  const place = incident?.address || (incident?.lat != null && incident.lon != null ? `${incident.lat.toFixed(5)}, ${incident.lon.toFixed(5)}` : '');
  const late = notice.deadline === 'arrive' ? t('escalation.lateArrive') : t('escalation.lateAcknowledge');
  return (
    <div className={`escalation-banner ${notice.step}`} role="alert" data-testid="escalation-banner" data-incident-id={notice.incidentId} data-step={notice.step} data-escalation-id={notice.id}>
      <Icon name="alert" size={22} />
      <div className="escalation-text">
        <strong>
          {t(`escalation.title.${notice.step}` as MessageKey, { id: notice.incidentId })}
          {kind && ` · ${kind}`}
        </strong>
        <span>
          {notice.step === 'team_deleted'
            ? t('escalation.teamDeleted', { team: notice.assignment.teamName })
            : t('escalation.late', { team: notice.assignment.teamName, late, time: i18n.time(notice.deadline === 'arrive' ? notice.assignment.arriveBy : notice.assignment.acknowledgeBy) })}
          {place && ` · ${place}`}
        </span>
        {proposal === null && <span className="small">{t('escalation.noProposal')}</span>}
        {error && <span className="escalation-error">{error}</span>}
      </div>
      <div className="escalation-actions">
        {proposal && canOperate(user) && (
          <button className="button primary small" disabled={busy} onClick={() => void send()} data-testid="escalation-assign" data-team-id={proposal.teamId}>
            {t('escalation.send', { team: proposal.name })}
            {proposal.distanceM !== null && ` (${formatDistance(i18n, proposal.distanceM)})`}
          </button>
        )}
        <Link to={incidentDispatchPath(notice.incidentId)} className="button small" data-testid="escalation-open">
          {t('escalation.open')}
        </Link>
        <button className="icon-button" onClick={onDismiss} aria-label={t('escalation.dismiss')} title={t('escalation.dismiss')} data-testid="escalation-dismiss">
          <Icon name="close" />
        </button>
      </div>
    </div>
  );
}
