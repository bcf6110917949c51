// /field: the phone view of a field team. The duty switch (sharing the phone's position while on duty);
// the incidents assigned to the team, with their deadlines, acknowledged and arrived from here
// (assigned-incident-list.tsx); the team's assigned alerts, nearest first among equals, with the
// distance from here and a link to the phone's map app; confirm, add a note and a photo, resolve.
// Small on the wire: no map library, photos shrunk on the phone before upload, notes kept as drafts.
// Works without a connection: the list shown from the copy saved on the phone, every action kept in
// the outbox (outbox.ts) and sent, in order and once, when the connection returns.
import { useEffect, useMemo, useRef, useState } from 'react';
import { loadTeams } from '../alerts/alert-actions.ts';
import { SeverityBadge, StateBadge } from '../alerts/alerts-panel.tsx';
import { ApiError } from '../api.ts';
import { useDraft } from '../drafts.ts';
import { LanguageSwitch, useI18n } from '../i18n.tsx';
import { useLive, useLiveStatus } from '../live/live-context.tsx';
import type { Team } from '@cityops/contract/people';
import { SEVERITY_RANK, type Alert } from '../live/types.ts';
import type { MessageKey } from '../messages.ts';
import { matchPath, navigate, useLocation } from '../router.tsx';
import { useSession, useUser } from '../session.tsx';
import { ConnectionPill } from '../shell.tsx';
import { EmptyState, Icon, Logo } from '../ui.tsx';
import { EvidencePanel } from '../media/evidence-panel.tsx';
import { distanceMetres } from '../geodesy.ts';
import { AssignedIncidentList } from './assigned-incident-list.tsx';
import { useAssignedIncidents } from './assigned-incidents.ts';
import { DutyProvider, DutySwitch } from './duty.tsx';
import type { OutboxRequest } from './outbox.ts';
import { actionLabel, OutboxBar, OutboxProvider, PendingBadge, refusalReason, useOutbox } from './outbox-view.tsx';
import { usePhonePosition, type PhonePosition } from './phone-position.ts';
import { shrinkPhoto } from './photo.ts';
import { saveAlerts, savedAlerts } from './saved-alerts.ts';
import { errorMessage } from '../server-messages.ts';

function Distance({ alert, position }: { alert: Alert; position?: PhonePosition }) {
  const i18n = useI18n();
  if (!position || alert.lat == null || alert.lon == null) return null;
  const metres = distanceMetres(position, { lat: alert.lat, lon: alert.lon });
  return <span className="distance">{metres < 1000 ? `${i18n.number(Math.round(metres / 10) * 10)} m` : `${i18n.number(metres / 1000, 1)} km`}</span>;
}

/** geo: opens the phone's own map app (no map tiles downloaded by CityOps on a slow link). */
const mapLink = (alert: Alert) => `geo:${alert.lat},${alert.lon}?q=${alert.lat},${alert.lon}`;

export default function FieldPage() {
  const { path } = useLocation();
  const alertId = Number(matchPath('/field/alerts/:id', path)?.id) || undefined;
  const user = useUser();
  const [teams, setTeams] = useState<Team[]>();
  const status = useLiveStatus();
  useEffect(() => {
    if (teams !== undefined) return;
    // With no connection the teams stay unknown (not "no team") and are asked again when the socket is back.
    loadTeams()
      .then(setTeams)
      .catch((error) => {
        if (!(error instanceof ApiError && error.code === 'network')) setTeams([]);
      });
  }, [teams, status]);
  const myTeams = teams?.filter((team) => team.members.some((member) => member.userId === user.id)) ?? [];
  return (
    <OutboxProvider>
      <DutyProvider>
        <div className="field">
          <FieldHeader teams={myTeams} />
          <OutboxBar />
          {alertId ? <FieldAlert alertId={alertId} /> : <FieldList hasTeam={teams === undefined || myTeams.length > 0 || user.role !== 'field'} />}
        </div>
      </DutyProvider>
    </OutboxProvider>
  );
}

/**
 * The team's open alerts: live once the store has synced (and then saved on the phone), before that
 * the copy saved last time, so a page opened offline or on a slow link shows the work at once.
 */
function useFieldAlerts(): { alerts: Alert[]; savedAt?: number } {
  const user = useUser();
  const live = useLive();
  const synced = live.syncedAt > 0;
  const alerts = live.openAlerts();
  const [saved] = useState(() => savedAlerts(user.id));
  useEffect(() => {
    if (synced) saveAlerts(user.id, alerts);
  }, [synced, alerts, user.id]);
  if (synced || !saved) return { alerts };
  return { alerts: saved.alerts, savedAt: saved.savedAt };
}

function FieldHeader({ teams }: { teams: Team[] }) {
  const { t } = useI18n();
  const user = useUser();
  const { logout } = useSession();
  return (
    <header className="field-header">
      <Logo size={30} />
      <div className="field-who">
        <strong>{teams.map((team) => team.name).join(', ') || user.displayName || user.username}</strong>
        <span>{t('field.title')}</span>
      </div>
      <ConnectionPill />
      <LanguageSwitch />
      <button className="icon-button" onClick={() => void logout()} aria-label={t('nav.logout')}>
        <Icon name="logout" />
      </button>
    </header>
  );
}

function FieldList({ hasTeam }: { hasTeam: boolean }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const { alerts, savedAt } = useFieldAlerts();
  const incidents = useAssignedIncidents();
  const { position, error } = usePhonePosition();
  const sorted = useMemo(() => {
    const distance = (alert: Alert) => (position && alert.lat != null && alert.lon != null ? distanceMetres(position, { lat: alert.lat, lon: alert.lon }) : Infinity);
    return [...alerts].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || distance(a) - distance(b) || b.lastSeenAt.localeCompare(a.lastSeenAt));
  }, [alerts, position]);

  return (
    <main className="field-main">
      <DutySwitch />
      <AssignedIncidentList incidents={incidents} position={position} />
      <div className="field-summary">
        {/* "0 assigned alerts" under the team's incidents would read as "nothing to do". */}
        {(sorted.length > 0 || incidents.items.length === 0) && <h1>{t('field.assigned', { count: sorted.length })}</h1>}
        <span className="muted small">{position ? t('field.located', { metres: Math.round(position.accuracy) }) : error ? t('field.noLocation') : t('field.locating')}</span>
      </div>
      {savedAt && (
        <p className="field-saved-copy small" data-testid="field-saved-copy">
          {t('field.savedCopy', { time: i18n.dateTime(savedAt) })}
        </p>
      )}
      {!hasTeam && <p className="form-error">{t('field.noTeam')}</p>}
      {sorted.length === 0 && incidents.items.length > 0 ? null : sorted.length === 0 ? (
        <EmptyState icon="check" title={t('field.none')} detail={t('field.noneDetail')} />
      ) : (
        <ul className="field-list">
          {sorted.map((alert) => (
            <li key={alert.id}>
              <button className={`field-card ${alert.severity}`} onClick={() => navigate(`/field/alerts/${alert.id}`)} data-testid="field-alert" data-alert-id={alert.id}>
                <span className="field-card-top">
                  <SeverityBadge severity={alert.severity} />
                  <StateBadge state={alert.state} />
                  <Distance alert={alert} position={position} />
                </span>
                <PendingBadge alertId={alert.id} />
                <span className="field-card-title">{alert.title[language] || alert.title.vi}</span>
                <span className="field-card-meta">
                  {t(`kind.${alert.kind}` as MessageKey)} · {i18n.ago(alert.lastSeenAt)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

function FieldAlert({ alertId }: { alertId: number }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const live = useLive();
  const outbox = useOutbox();
  const { alerts } = useFieldAlerts();
  const alert = live.alerts.get(alertId) ?? alerts.find((candidate) => candidate.id === alertId);
  const { position } = usePhonePosition();
  const [note, setNote, clearNote] = useDraft(`field-note-${alertId}`);
  const [photo, setPhoto] = useState<File>();
  /** The note and photo as they are now, for an action finishing after they changed. */
  const latest = useRef({ note, photo });
  latest.current = { note, photo };
  // A new key empties the file input once its photo is in the outbox.
  const [photoInput, setPhotoInput] = useState(0);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const pending = outbox.pendingFor(alertId);

  if (!alert) {
    return (
      <main className="field-main">
        <button className="button ghost" onClick={() => navigate('/field')}>
          ← {t('field.back')}
        </button>
        <EmptyState icon="check" title={t('alert.notOpen')} detail={t('alert.notOpenDetail')} />
      </main>
    );
  }

  const confirmed = Boolean(alert.teamAcknowledgedAt) || alert.state === 'acknowledged' || pending.some((entry) => entry.action === 'acknowledge');
  const resolving = pending.some((entry) => entry.action === 'resolve');
  const run = async (action: 'acknowledge' | 'note' | 'resolve') => {
    const text = note.trim();
    const sentPhoto = photo;
    if (action === 'resolve' && !text) return setMessage({ ok: false, text: t('actions.noteRequired') });
    if (action === 'note' && !text && !photo) return setMessage({ ok: false, text: t('field.noteOrPhotoRequired') });
    setBusy(true);
    setMessage(undefined);
    try {
      const title = alert.title[language] || alert.title.vi;
      const steps: OutboxRequest[] = [];
      // The photo goes first, shrunk here (the phone, not the link, does the work): the alert is
      // resolved only once its evidence is in. It carries the note, except on resolve, which does.
      if (photo) steps.push({ alertId, alertTitle: title, action: 'photo', photo: await shrinkPhoto(photo), note: action === 'resolve' ? undefined : text || undefined });
      if (action !== 'note' || !photo) steps.push({ alertId, alertTitle: title, action, note: photo && action !== 'resolve' ? undefined : text || undefined });
      const outcome = await outbox.submit(steps);
      if (outcome.status === 'refused') {
        setMessage({ ok: false, text: `${actionLabel(t, outcome.entry.action)}: ${refusalReason(t, outcome.entry)} (${errorMessage(outcome.entry)})` });
        return;
      }
      // Stored on the phone (or already applied): what was sent is safe to clear, and only that: a note
      // typed or a photo attached while this was on its way stays for the next action.
      if (text && latest.current.note.trim() === text) clearNote();
      if (sentPhoto && latest.current.photo === sentPhoto) {
        setPhoto(undefined);
        setPhotoInput((key) => key + 1);
      }
      setMessage({ ok: true, text: outcome.status === 'sent' ? t('actions.done') : t('outbox.queued') });
      if (action === 'resolve') navigate('/field');
    } catch (error) {
      setMessage({ ok: false, text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="field-main field-detail" data-testid="field-detail">
      <button className="button ghost small" onClick={() => navigate('/field')}>
        ← {t('field.back')}
      </button>
      <div className="field-card-top">
        <SeverityBadge severity={alert.severity} large />
        <StateBadge state={alert.state} />
        <Distance alert={alert} position={position} />
      </div>
      <h1>{alert.title[language] || alert.title.vi}</h1>
      {pending.length > 0 && (
        <div className="outbox-pending-actions" data-testid="alert-pending-actions">
          <PendingBadge alertId={alert.id} />
          <span className="small muted">{pending.map((entry) => actionLabel(t, entry.action)).join(' → ')}</span>
        </div>
      )}
      {alert.description[language] && <p className="muted">{alert.description[language]}</p>}
      <dl className="detail-facts">
        <dt>{t('alert.kind')}</dt>
        <dd>{t(`kind.${alert.kind}` as MessageKey)}</dd>
        <dt>{t('alert.source')}</dt>
        <dd>{alert.source.id}</dd>
        <dt>{t('alert.firstSeen')}</dt>
        <dd>{i18n.dateTime(alert.firstSeenAt)}</dd>
        <dt>{t('alert.lastSeen')}</dt>
        <dd>{i18n.ago(alert.lastSeenAt)}</dd>
      </dl>
      {alert.lat != null && alert.lon != null && (
        <a className="button wide" href={mapLink(alert)} data-testid="map-link">
          <Icon name="pin" /> {t('field.openMap')} ({alert.lat.toFixed(5)}, {alert.lon.toFixed(5)})
        </a>
      )}
      {alert.hasSnapshot && <img className="field-snapshot" src={`/api/alerts/${alert.id}/snapshot`} alt={t('alert.snapshot')} loading="lazy" />}
      {/* The snapshot is shown just above; the panel adds the clips, fetched only on a tap. */}
      <EvidencePanel key={`evidence-${alert.id}`} alertId={alert.id} showSnapshots={false} />
      <label className="note-field">
        <span>{t('actions.note')}</span>
        <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={4} maxLength={2000} placeholder={t('actions.notePlaceholder')} data-testid="field-note" />
      </label>
      <label className="photo-field">
        <span>{t('actions.photo')}</span>
        <input key={photoInput} type="file" accept="image/*" capture="environment" onChange={(e) => setPhoto(e.target.files?.[0])} data-testid="field-photo" />
        {photo && <span className="small muted">{t('actions.photoAttached', { name: photo.name })}</span>}
      </label>
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status" data-testid="field-message">
          {message.text}
        </p>
      )}
      <div className="field-actions">
        {!confirmed && (
          <button className="button primary wide" disabled={busy} onClick={() => void run('acknowledge')} data-testid="field-acknowledge">
            <Icon name="check" /> {alert.state === 'assigned' ? t('field.confirm') : t('actions.acknowledge')}
          </button>
        )}
        <button className="button wide" disabled={busy || resolving} onClick={() => void run('note')} data-testid="field-add-note">
          <Icon name="plus" /> {t('field.addNote')}
        </button>
        <button className="button success wide" disabled={busy || resolving || alert.state === 'new'} onClick={() => void run('resolve')} data-testid="field-resolve">
          {t('actions.resolve')}
        </button>
      </div>
    </main>
  );
}
