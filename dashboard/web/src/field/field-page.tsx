// /field: the phone view of a field team. The team's assigned alerts, nearest first among equals, with
// the distance from here and a link to the phone's map app; confirm, add a note and a photo, resolve.
// Small on the wire: no map library, photos shrunk on the phone before upload, notes kept as drafts.
import { useEffect, useMemo, useState } from 'react';
import { actOnAlert, attachPhoto, loadTeams } from '../alerts/alert-actions.ts';
import { SeverityBadge, StateBadge } from '../alerts/alerts-panel.tsx';
import { ApiError } from '../api.ts';
import { useDraft } from '../drafts.ts';
import { LanguageSwitch, useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import { SEVERITY_RANK, type Alert, type Team } from '../live/types.ts';
import type { MessageKey } from '../messages.ts';
import { matchPath, navigate, useLocation } from '../router.tsx';
import { useSession, useUser } from '../session.tsx';
import { ConnectionPill } from '../shell.tsx';
import { EmptyState, Icon, Logo } from '../ui.tsx';
import { shrinkPhoto } from './photo.ts';

interface Position {
  lat: number;
  lon: number;
  accuracy: number;
}

/** Great-circle distance in metres (haversine). */
export function distanceMetres(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const radians = Math.PI / 180;
  const dLat = (b.lat - a.lat) * radians;
  const dLon = (b.lon - a.lon) * radians;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * radians) * Math.cos(b.lat * radians) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

function usePosition(): { position?: Position; error?: string } {
  const [state, setState] = useState<{ position?: Position; error?: string }>({});
  useEffect(() => {
    if (!('geolocation' in navigator)) return setState({ error: 'unsupported' });
    const watch = navigator.geolocation.watchPosition(
      (result) => setState({ position: { lat: result.coords.latitude, lon: result.coords.longitude, accuracy: result.coords.accuracy } }),
      (error) => setState((previous) => ({ ...previous, error: error.message || 'denied' })),
      { enableHighAccuracy: true, maximumAge: 30_000, timeout: 20_000 },
    );
    return () => navigator.geolocation.clearWatch(watch);
  }, []);
  return state;
}

function Distance({ alert, position }: { alert: Alert; position?: Position }) {
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
  useEffect(() => {
    loadTeams()
      .then(setTeams)
      .catch(() => setTeams([]));
  }, []);
  const myTeams = teams?.filter((team) => team.members.some((member) => member.userId === user.id)) ?? [];
  return (
    <div className="field">
      <FieldHeader teams={myTeams} />
      {alertId ? <FieldAlert alertId={alertId} /> : <FieldList hasTeam={teams === undefined || myTeams.length > 0 || user.role !== 'field'} />}
    </div>
  );
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
  const live = useLive();
  const { position, error } = usePosition();
  const alerts = live.openAlerts();
  const sorted = useMemo(() => {
    const distance = (alert: Alert) => (position && alert.lat != null && alert.lon != null ? distanceMetres(position, { lat: alert.lat, lon: alert.lon }) : Infinity);
    return [...alerts].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || distance(a) - distance(b) || b.lastSeenAt.localeCompare(a.lastSeenAt));
  }, [alerts, position]);

  return (
    <main className="field-main">
      <div className="field-summary">
        <h1>{t('field.assigned', { count: sorted.length })}</h1>
        <span className="muted small">{position ? t('field.located', { metres: Math.round(position.accuracy) }) : error ? t('field.noLocation') : t('field.locating')}</span>
      </div>
      {!hasTeam && <p className="form-error">{t('field.noTeam')}</p>}
      {sorted.length === 0 ? (
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
  const alert = live.alerts.get(alertId);
  const { position } = usePosition();
  const [note, setNote, clearNote] = useDraft(`field-note-${alertId}`);
  const [photo, setPhoto] = useState<File>();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

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

  const confirmed = Boolean(alert.teamAcknowledgedAt) || alert.state === 'acknowledged';
  const run = async (action: 'acknowledge' | 'resolve') => {
    if (action === 'resolve' && !note.trim()) return setMessage({ ok: false, text: t('actions.noteRequired') });
    setBusy(true);
    setMessage(undefined);
    try {
      // The photo goes first: if the upload fails on a weak signal, the alert stays open and nothing is lost.
      if (photo) {
        live.upsertAlert(await attachPhoto(alert.id, await shrinkPhoto(photo), action === 'resolve' ? undefined : note.trim() || undefined));
        setPhoto(undefined);
      }
      const updated = await actOnAlert(alert.id, action, { note });
      live.upsertAlert(updated);
      clearNote();
      setMessage({ ok: true, text: t('actions.done') });
      if (action === 'resolve') navigate('/field');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
      setMessage({ ok: false, text: error instanceof ApiError && error.code === 'network' ? t('field.offlineKept') : (error as Error).message });
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
      <label className="note-field">
        <span>{t('actions.note')}</span>
        <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={4} maxLength={2000} placeholder={t('actions.notePlaceholder')} data-testid="field-note" />
      </label>
      <label className="photo-field">
        <span>{t('actions.photo')}</span>
        <input type="file" accept="image/*" capture="environment" onChange={(e) => setPhoto(e.target.files?.[0])} data-testid="field-photo" />
        {photo && <span className="small muted">{t('actions.photoAttached', { name: photo.name })}</span>}
      </label>
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
      <div className="field-actions">
        {!confirmed && (
          <button className="button primary wide" disabled={busy} onClick={() => void run('acknowledge')} data-testid="field-acknowledge">
            <Icon name="check" /> {alert.state === 'assigned' ? t('field.confirm') : t('actions.acknowledge')}
          </button>
        )}
        <button className="button success wide" disabled={busy || alert.state === 'new'} onClick={() => void run('resolve')} data-testid="field-resolve">
          {t('actions.resolve')}
        </button>
      </div>
    </main>
  );
}
