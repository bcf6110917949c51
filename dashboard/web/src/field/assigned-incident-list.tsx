// The incidents assigned to the team, on the phone: what and how bad, where (straight-line distance and
// direction from the phone, a link that opens the phone's map app), the deadlines counting down, a
// reminder that cannot be missed when one passed, the two answers the command room waits for
// (acknowledged, arrived), then the resolution with its note and photo. All go through the outbox, so
// they are kept and sent when there is signal.
import { useState } from 'react';
import type { AssignmentMessage, EscalationNotice } from '@cityops/contract/incidents';
import { SeverityBadge } from '../alerts/alerts-panel.tsx';
import { bearingDegrees, compassLabel, distanceMetres, formatDistance, mapLinks } from '../geodesy.ts';
import { useI18n } from '../i18n.tsx';
import { Deadline } from '../incidents/deadline.tsx';
import { EvidencePanel } from '../media/evidence-panel.tsx';
import { useNow } from '../use-now.ts';
import type { MessageKey } from '../messages.ts';
import { Icon } from '../ui.tsx';
import { lateFor, type AssignedIncidents } from './assigned-incidents.ts';
import type { IncidentAnswer } from './outbox-store.ts';
import { actionLabel, IncidentPendingBadge, refusalReason, useOutbox } from './outbox-view.tsx';
import type { PhonePosition } from './phone-position.ts';
import { shrinkPhoto } from './photo.ts';
import './field-dispatch.css';
import { errorMessage } from '../server-messages.ts';

export function AssignedIncidentList({ incidents, position }: { incidents: AssignedIncidents; position?: PhonePosition }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { items, reminders, savedAt } = incidents;
  if (!items.length) return null;
  return (
    <section className="field-incidents" data-testid="field-incidents" data-count={items.length}>
      <h2>{t('fieldIncident.heading', { count: items.length })}</h2>
      {savedAt && <p className="field-saved-copy small">{t('field.savedCopy', { time: i18n.dateTime(savedAt) })}</p>}
      <ul className="field-list">
        {items.map((item) => (
          <li key={item.assignment.id}>
            <IncidentCard item={item} reminder={reminders.get(item.assignment.id)} position={position} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function IncidentCard({ item, reminder, position }: { item: AssignmentMessage; reminder?: EscalationNotice; position?: PhonePosition }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { incident, assignment } = item;
  const outbox = useOutbox();
  const now = useNow(5_000);
  const { busy, message, send } = useIncidentStep(item);
  const pending = outbox.pendingForIncident(incident.id);
  const acknowledged = Boolean(assignment.acknowledgedAt || assignment.arrivedAt) || pending.some((entry) => entry.action === 'acknowledge');
  const arrived = Boolean(assignment.arrivedAt) || pending.some((entry) => entry.action === 'arrive');
  const late = reminder?.deadline ?? lateFor(assignment, now);
  const showReminder = late && !(late === 'acknowledge' ? acknowledged : arrived);
  const kind = t(`incidentKind.${incident.kind}` as MessageKey);
  const placed = incident.lat !== null && incident.lon !== null ? { lat: incident.lat, lon: incident.lon } : undefined;
  const links = placed && mapLinks(placed);

  // Applied: the card itself says so (the button goes, the deadline reads "done").
  const answer = (action: 'acknowledge' | 'arrive') => send({ action });

  return (
    <article
      className={`field-card incident-card ${incident.severity}${showReminder ? ' reminded' : ''}`}
      data-testid="field-incident"
      data-incident-id={incident.id}
      data-acknowledged={acknowledged}
      data-arrived={arrived}
    >
      {showReminder && (
        <div className="incident-reminder" role="alert" data-testid="incident-reminder" data-deadline={late}>
          <Icon name="alert" size={22} />
          <div>
            <strong>{t(late === 'acknowledge' ? 'fieldIncident.remindAcknowledge' : 'fieldIncident.remindArrive')}</strong>
            <span className="small">{t('fieldIncident.remindDetail', { time: i18n.time(late === 'acknowledge' ? assignment.acknowledgeBy : assignment.arriveBy) })}</span>
          </div>
        </div>
      )}
      <span className="field-card-top">
        <SeverityBadge severity={incident.severity} />
        <span className="incident-kind">{kind}</span>
        {placed && position && <PhoneDistance from={position} to={placed} />}
      </span>
      <IncidentPendingBadge incidentId={incident.id} />
      <span className="field-card-title" data-testid="field-incident-title">
        #{incident.id} · {incident.title || kind}
      </span>
      <span className="field-card-meta">{incident.address || (placed ? `${placed.lat.toFixed(5)}, ${placed.lon.toFixed(5)}` : t('fieldIncident.noPlace'))}</span>
      <div className="incident-deadlines">
        <Deadline label={t('deadline.acknowledge')} by={assignment.acknowledgeBy} doneAt={assignment.acknowledgedAt} doneBy={assignment.acknowledgedBy} testId="field-deadline-acknowledge" />
        <Deadline label={t('deadline.arrive')} by={assignment.arriveBy} doneAt={assignment.arrivedAt} testId="field-deadline-arrive" />
      </div>
      {links && (
        <div className="incident-map-links">
          <a className="button" href={links.geo} data-testid="incident-map-link">
            <Icon name="pin" /> {t('field.openMap')}
          </a>
          <a className="small" href={links.openStreetMap} target="_blank" rel="noreferrer" data-testid="incident-osm-link">
            {t('fieldIncident.openStreetMap')}
          </a>
        </div>
      )}
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status" data-testid="incident-message">
          {message.text}
        </p>
      )}
      <div className="field-actions">
        {!acknowledged && (
          <button className="button primary wide" disabled={busy} onClick={() => void answer('acknowledge')} data-testid="incident-acknowledge">
            <Icon name="check" /> {t('fieldIncident.acknowledge')}
          </button>
        )}
        {!arrived && (
          <button className={`button wide${acknowledged ? ' success' : ''}`} disabled={busy} onClick={() => void answer('arrive')} data-testid="incident-arrive">
            <Icon name="pin" /> {t('fieldIncident.arrive')}
          </button>
        )}
        {arrived && assignment.arrivedAt && (
          <p className="form-ok" data-testid="incident-on-scene">
            {t('fieldIncident.onScene', { time: i18n.time(assignment.arrivedAt) })}
          </p>
        )}
      </div>
      {arrived && <ResolveForm item={item} />}
      {/* The evidence of the incident's alerts (camera clips fetched only on a tap), under the team's actions; sent here, the team may see it. */}
      {incident.alertIds.map((alertId) => (
        <EvidencePanel key={alertId} alertId={alertId} title={t('evidence.ofAlert', { id: alertId })} />
      ))}
    </article>
  );
}

/** One step on an assigned incident through the outbox, and what to tell the user about it. */
function useIncidentStep({ incident }: AssignmentMessage) {
  const { t } = useI18n();
  const outbox = useOutbox();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const send = async (step: { action: IncidentAnswer; note?: string; photo?: Blob }) => {
    setBusy(true);
    setMessage(undefined);
    try {
      const title = incident.title || t(`incidentKind.${incident.kind}` as MessageKey);
      const outcome = await outbox.submit([{ subject: 'incident', incidentId: incident.id, incidentTitle: title, ...step }]);
      if (outcome.status === 'refused') setMessage({ ok: false, text: `${actionLabel(t, outcome.entry.action)}: ${refusalReason(t, outcome.entry)} (${errorMessage(outcome.entry)})` });
      else if (outcome.status === 'queued') setMessage({ ok: true, text: t('outbox.queued') });
    } catch (error) {
      setMessage({ ok: false, text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };
  return { busy, message, send, refuse: (text: string) => setMessage({ ok: false, text }) };
}

/**
 * On scene, the team resolves: what was done and, for the kinds that ask for it, a photo of the fix.
 * It goes through the outbox like the answers, photo and all, so a resolve from a basement waits for signal.
 */
function ResolveForm({ item }: { item: AssignmentMessage }) {
  const { t } = useI18n();
  const outbox = useOutbox();
  const { incident } = item;
  const [note, setNote] = useState('');
  const [photo, setPhoto] = useState<File>();
  const { busy, message, send, refuse } = useIncidentStep(item);
  const resolving = outbox.pendingForIncident(incident.id).some((entry) => entry.action === 'resolve');

  const resolve = async () => {
    if (item.photoRequired && !photo) return refuse(t('fieldIncident.photoRequired'));
    if (!note.trim()) return refuse(t('fieldIncident.resolveNoteRequired'));
    await send({ action: 'resolve', note: note.trim(), photo: photo && (await shrinkPhoto(photo)) });
  };

  return (
    <div className="incident-resolve" data-testid="incident-resolve-form" data-photo-required={item.photoRequired}>
      <label className="note-field">
        <span>{t('fieldIncident.resolveNote')}</span>
        <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={3} maxLength={2000} data-testid="incident-resolve-note" />
      </label>
      <label className="photo-field">
        <span>{item.photoRequired ? t('fieldIncident.photoOfFixRequired') : t('actions.photo')}</span>
        <input type="file" accept="image/*" capture="environment" onChange={(e) => setPhoto(e.target.files?.[0])} data-testid="incident-resolve-photo" />
        {photo && <span className="small muted">{t('actions.photoAttached', { name: photo.name })}</span>}
      </label>
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status" data-testid="incident-resolve-message">
          {message.text}
        </p>
      )}
      <button className="button success wide" disabled={busy || resolving} onClick={() => void resolve()} data-testid="incident-resolve">
        <Icon name="check" /> {t('fieldIncident.resolve')}
      </button>
    </div>
  );
}

/** From the phone: "1,2 km · north-east", with an arrow that points there when the phone faces north. */
function PhoneDistance({ from, to }: { from: PhonePosition; to: { lat: number; lon: number } }) {
  const i18n = useI18n();
  const bearing = bearingDegrees(from, to);
  const metres = distanceMetres(from, to);
  return (
    <span className="distance" data-testid="incident-distance" data-metres={Math.round(metres)} data-bearing={Math.round(bearing)}>
      <span className="bearing-arrow" style={{ transform: `rotate(${bearing}deg)` }} aria-hidden>
        ↑
      </span>{' '}
      {i18n.t('fieldIncident.direction', { distance: formatDistance(i18n, metres), direction: compassLabel(i18n, bearing) })}
    </span>
  );
}
