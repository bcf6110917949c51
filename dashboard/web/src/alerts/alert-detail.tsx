// One alert: what, where, since when, its evidence (snapshot, live video, sensor chart) and the
// operator's actions. The note being typed is a draft kept across reloads and expired sessions.
// A keyboard shortcut of the operations page arrives as a command and runs what the button would.
import { useEffect, useRef, useState } from 'react';
import { useAnnounce } from '../announcer.tsx';
import { ApiError } from '../api.ts';
import { SensorChart } from '../charts/sensor-chart.tsx';
import { useDraft } from '../drafts.ts';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import type { Team } from '@cityops/contract/people';
import { FALSE_ALARM_REASONS, type FalseAlarmReason } from '@cityops/contract/alerts';
import { isOpen, type Alert } from '../live/types.ts';
import { EvidencePanel } from '../media/evidence-panel.tsx';
import { LiveVideo } from '../media/live-video.tsx';
import { PlaceCameras } from '../media/place-cameras.tsx';
import { Snapshot } from '../media/snapshot.tsx';
import type { MessageKey } from '../messages.ts';
import { canOperate, useUser } from '../session.tsx';
import { Icon } from '../ui.tsx';
import { actOnAlert, loadTeams, type AlertAction } from './alert-actions.ts';
import { SeverityBadge, StateBadge } from './alerts-panel.tsx';
import { errorMessage } from '../server-messages.ts';

/** A shortcut for this alert; `seq` tells a new press of the same key from the one already handled. */
export interface AlertCommand {
  action: 'acknowledge' | 'assign' | 'camera';
  seq: number;
}

export function AlertDetail({ alert, onClose, onLocate, command }: { alert: Alert; onClose(): void; onLocate(alert: Alert): void; command?: AlertCommand }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const live = useLive();
  const user = useUser();
  const camera = alert.source.type === 'camera' ? live.camera(alert.source.id) : undefined;
  const sensor = alert.source.type === 'sensor' ? live.sensor(alert.source.id) : undefined;
  const deviceMissing = alert.source.type !== 'system' && live.cameras.length + live.sensors.length > 0 && !camera && !sensor;
  const [tab, setTab] = useState<'evidence' | 'video'>('evidence');
  const announce = useAnnounce();
  const tabs = useRef<HTMLDivElement>(null);

  // C: the camera's live video, as the "Live video" tab would.
  useEffect(() => {
    if (command?.action !== 'camera') return;
    if (!camera) return announce(t('shortcuts.noCamera'));
    setTab('video');
    tabs.current?.scrollIntoView({ block: 'start' });
    announce(t('shortcuts.cameraOpened', { camera: camera.name }));
    // Only a new command acts; a camera list update must not switch the tab back.
  }, [command?.seq]);

  return (
    <section className={`panel alert-detail ${alert.severity}`} data-testid="alert-detail" data-alert-id={alert.id}>
      <header className="detail-header">
        <div className="detail-badges">
          <SeverityBadge severity={alert.severity} large />
          <StateBadge state={alert.state} />
          {alert.autoCleared && <span className="state-badge resolved">{t('alert.autoCleared')}</span>}
        </div>
        <button className="icon-button" onClick={onClose} aria-label={t('common.close')} data-testid="alert-close">
          <Icon name="close" />
        </button>
      </header>
      <h2 className="detail-title">{alert.title[language] || alert.title.vi}</h2>
      {alert.description && <p className="detail-description">{alert.description[language] || alert.description.vi}</p>}
      <dl className="detail-facts">
        <dt>{t('alert.kind')}</dt>
        <dd>{t(`kind.${alert.kind}` as MessageKey)}</dd>
        <dt>{t('alert.source')}</dt>
        <dd>
          {camera ? i18n.name(camera) : sensor ? i18n.name(sensor) : alert.source.id}
          {deviceMissing && <span className="warning-tag">{t('alert.deviceDeleted')}</span>}
        </dd>
        <dt>{t('alert.district')}</dt>
        <dd>{live.districtName(alert.districtId, language) ?? '—'}</dd>
        <dt>{t('alert.firstSeen')}</dt>
        <dd>{i18n.dateTime(alert.firstSeenAt)}</dd>
        <dt>{t('alert.lastSeen')}</dt>
        <dd>
          {i18n.dateTime(alert.lastSeenAt)} · {i18n.ago(alert.lastSeenAt)}
        </dd>
        <dt>{t('alert.occurrences')}</dt>
        <dd>{alert.occurrences}</dd>
      </dl>
      {alert.lat != null && alert.lon != null ? (
        <button className="button ghost small" onClick={() => onLocate(alert)}>
          <Icon name="pin" /> {t('alert.showOnMap')}
        </button>
      ) : (
        <p className="muted small" data-testid="alert-no-location">
          {t('alert.noLocation')}
        </p>
      )}

      {camera && (
        <div className="tabs" role="tablist" ref={tabs}>
          <button role="tab" className={tab === 'evidence' ? 'active' : ''} onClick={() => setTab('evidence')}>
            {t('alert.snapshot')}
          </button>
          <button role="tab" className={tab === 'video' ? 'active' : ''} onClick={() => setTab('video')} data-testid="tab-video">
            {t('alert.liveVideo')}
          </button>
        </div>
      )}
      {camera && tab === 'evidence' && <Snapshot src={alert.hasSnapshot === false ? `/api/cameras/${encodeURIComponent(camera.id)}/snapshot` : `/api/alerts/${alert.id}/snapshot`} alt={t('alert.snapshot')} />}
      {camera && tab === 'video' && <LiveVideo cameraId={camera.id} />}
      {/* A sensor's alert with a picture: a joint rule's, showing the camera situation that made it. */}
      {!camera && alert.hasSnapshot && <Snapshot src={`/api/alerts/${alert.id}/snapshot`} alt={t('alert.snapshot')} />}
      <EvidencePanel key={`evidence-${alert.id}`} alertId={alert.id} />
      {sensor && (
        <div className="detail-chart">
          <h3>{t('alert.sensorChart', { unit: sensor.unit })}</h3>
          <SensorChart sensor={sensor} hours={12} height={200} />
        </div>
      )}
      {/* The cameras that see the place or are near it; none without a place. */}
      {alert.lat != null && alert.lon != null && <PlaceCameras key={`cameras-${alert.id}`} place={{ lat: alert.lat, lon: alert.lon }} excludeCameraId={camera?.id} />}
      {canOperate(user) && isOpen(alert) && <AlertActions key={`actions-${alert.id}`} alert={alert} command={command?.action === 'camera' ? undefined : command} />}
    </section>
  );
}

function AlertActions({ alert, command }: { alert: Alert; command?: AlertCommand }) {
  const { t, language } = useI18n();
  const announce = useAnnounce();
  const teamSelect = useRef<HTMLSelectElement>(null);
  const live = useLive();
  const [note, setNote, clearNote] = useDraft(`alert-note-${alert.id}`);
  const [teams, setTeams] = useState<Team[]>();
  const [teamId, setTeamId] = useState<number>();
  const [busy, setBusy] = useState<AlertAction>();
  const [error, setError] = useState<string>();
  // Engineers tune the rules from these verdicts (the precision panel on their page).
  const [falseAlarmReason, setFalseAlarmReason] = useState<FalseAlarmReason | ''>('');

  useEffect(() => {
    loadTeams()
      .then((list) => {
        setTeams(list);
        setTeamId((current) => current ?? alert.assignedTeamId ?? list[0]?.id);
      })
      .catch(() => setTeams([]));
  }, [alert.assignedTeamId]);

  const run = async (action: AlertAction) => {
    if (action === 'resolve' && !note.trim()) return setError(t('actions.noteRequired'));
    if (action === 'assign' && !teamId) return setError(t('actions.teamRequired'));
    setBusy(action);
    setError(undefined);
    try {
      const updated = await actOnAlert(alert.id, action, { note, teamId, falseAlarmReason: falseAlarmReason || undefined });
      live.upsertAlert(updated);
      clearNote();
      const title = updated.title[language] || updated.title.vi;
      if (action === 'acknowledge') announce(t('announce.acknowledged', { title }));
      if (action === 'assign') announce(t('announce.assigned', { title, team: teams?.find((team) => team.id === teamId)?.name ?? '' }));
      if (action === 'resolve') announce(t('announce.resolved', { title }));
    } catch (caught) {
      // A 401 opens the login over the page; the note stays as a draft.
      if (!(caught instanceof ApiError && caught.status === 401)) setError(errorMessage(caught));
    } finally {
      setBusy(undefined);
    }
  };

  // A: acknowledge, as the button (which only a new alert has). S: the team choice takes the keyboard.
  useEffect(() => {
    if (command?.action === 'acknowledge') {
      if (alert.state === 'new') void run('acknowledge');
      else announce(t('shortcuts.notNew'));
    }
    if (command?.action === 'assign') {
      teamSelect.current?.focus();
      teamSelect.current?.scrollIntoView({ block: 'nearest' });
      announce(t('shortcuts.assignFocused'));
    }
    // Only a new command acts, not a re-render of the alert it was for.
  }, [command?.seq]);

  return (
    <div className="alert-actions" data-testid="alert-actions">
      <label className="note-field">
        <span>{t('actions.note')}</span>
        <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={3} maxLength={2000} placeholder={t('actions.notePlaceholder')} data-testid="alert-note" />
      </label>
      <div className="action-row">
        {alert.state === 'new' && (
          <button className="button primary" disabled={Boolean(busy)} onClick={() => void run('acknowledge')} data-testid="action-acknowledge">
            <Icon name="check" /> {t('actions.acknowledge')}
          </button>
        )}
        <div className="assign-group">
          <select ref={teamSelect} value={teamId ?? ''} onChange={(e) => setTeamId(Number(e.target.value))} aria-label={t('actions.team')} disabled={!teams?.length} data-testid="assign-team">
            {!teams?.length && <option value="">{teams ? t('actions.noTeams') : t('common.loading')}</option>}
            {teams?.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
          </select>
          <button className="button" disabled={Boolean(busy) || !teams?.length} onClick={() => void run('assign')} data-testid="action-assign">
            {t('actions.assign')}
          </button>
        </div>
        {alert.state !== 'new' && isOpen(alert) && (
          <label className="verdict-field">
            <span>{t('actions.verdict')}</span>
            <select value={falseAlarmReason} onChange={(e) => setFalseAlarmReason(e.target.value as FalseAlarmReason | '')} data-testid="alert-verdict">
              <option value="">{t('actions.verdictReal')}</option>
              {FALSE_ALARM_REASONS.map((reason) => (
                <option key={reason} value={reason}>
                  {t('actions.falseAlarm')}: {t(`falseAlarm.${reason}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
        )}
        {alert.state !== 'new' && (
          <button className="button success" disabled={Boolean(busy)} onClick={() => void run('resolve')} data-testid="action-resolve">
            {falseAlarmReason ? t('actions.resolveFalseAlarm') : t('actions.resolve')}
          </button>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
