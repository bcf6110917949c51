// What an operator does with an incident: a note, the next state (reopening asks why), kind and
// severity, merging other active incidents into it, and splitting the selected alerts and calls off into
// a new one. Each answer goes to the live store at once; the server refuses what is not allowed and says
// why (shown beside the control that asked).
import { useEffect, useState, type ReactNode } from 'react';
import { ALERT_SEVERITIES, type AlertSeverity } from '@cityops/contract/alerts';
import { ACTIVE_INCIDENT_STATES, INCIDENT_KINDS, type IncidentKind, type IncidentState, type IncidentView } from '@cityops/contract/incidents';
import { ApiError } from '../api.ts';
import { useDraft } from '../drafts.ts';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import { navigate } from '../router.tsx';
import { Icon } from '../ui.tsx';
import { addIncidentNote, changeIncidentState, editIncident, mergeIntoIncident, nearbyIncidents, splitIncident, type NearbyIncident } from './incident-api.ts';
import { IncidentKindLabel, usePlaceText } from './incident-badges.tsx';
import { errorMessage } from '../server-messages.ts';

/** The buttons each state offers; the server holds the same rule (incidents/lifecycle.ts) and has the last word. */
const NEXT_STATES: Record<IncidentState, readonly IncidentState[]> = {
  open: ['dispatched', 'on_scene', 'resolved', 'closed'],
  dispatched: ['on_scene', 'resolved', 'closed'],
  on_scene: ['resolved', 'closed'],
  resolved: ['open', 'closed'],
  closed: [],
};

type ActionName = 'note' | 'state' | 'edit' | 'merge' | 'split';

export interface SplitSelection {
  alertIds: number[];
  callIds: number[];
}

/** Runs one action at a time, keeping its error for the part of the form that asked. */
function useActionRunner() {
  const live = useLive();
  const [busy, setBusy] = useState<ActionName>();
  const [failure, setFailure] = useState<{ action: ActionName; message: string }>();
  const run = async (action: ActionName, work: () => Promise<IncidentView[]>): Promise<boolean> => {
    setBusy(action);
    setFailure(undefined);
    try {
      live.upsertIncidents(await work());
      return true;
    } catch (caught) {
      // A 401 brings the login over the page; what was typed stays.
      if (!(caught instanceof ApiError && caught.status === 401)) setFailure({ action, message: errorMessage(caught) });
      return false;
    } finally {
      setBusy(undefined);
    }
  };
  const errorOf = (action: ActionName): ReactNode =>
    failure?.action === action ? (
      <p className="form-error" role="alert" data-testid={`incident-error-${action}`}>
        {failure.message}
      </p>
    ) : null;
  return { busy, run, errorOf, fail: (action: ActionName, message: string) => setFailure({ action, message }) };
}

export function IncidentActions({ incident, selection, onSplit }: { incident: IncidentView; selection: SplitSelection; onSplit(): void }) {
  const { t } = useI18n();
  const { busy, run, errorOf, fail } = useActionRunner();
  const [note, setNote, clearNote] = useDraft(`incident-note-${incident.id}`);
  const [reopening, setReopening] = useState(false);
  const [reason, setReason] = useState('');
  const [kind, setKind] = useState<IncidentKind>(incident.kind);
  const [severity, setSeverity] = useState<AlertSeverity>(incident.severity);
  const [splitKind, setSplitKind] = useState<IncidentKind | ''>('');
  useEffect(() => {
    setKind(incident.kind);
    setSeverity(incident.severity);
  }, [incident.kind, incident.severity]);

  const active = ACTIVE_INCIDENT_STATES.includes(incident.state);
  const selected = selection.alertIds.length + selection.callIds.length;

  const saveNote = async () => {
    if (!note.trim()) return fail('note', t('incident.noteRequired'));
    if (await run('note', async () => [await addIncidentNote(incident.id, note.trim())])) clearNote();
  };
  const moveTo = async (state: IncidentState) => {
    if (state === 'open' && !reopening) return setReopening(true);
    if (state === 'open' && !reason.trim()) return fail('state', t('incident.reopenReasonRequired'));
    if (await run('state', async () => [await changeIncidentState(incident.id, state, state === 'open' ? reason : undefined)])) {
      setReopening(false);
      setReason('');
    }
  };
  const saveEdit = () =>
    run('edit', async () => [await editIncident(incident.id, { ...(kind !== incident.kind ? { kind } : {}), ...(severity !== incident.severity ? { severity } : {}) })]);
  const split = async () => {
    let created: IncidentView | undefined;
    const done = await run('split', async () => {
      const answer = await splitIncident(incident.id, { ...selection, ...(splitKind ? { kind: splitKind } : {}) });
      created = answer.created;
      return [answer.from, answer.created];
    });
    if (done && created) {
      onSplit();
      navigate(`/incidents/${created.id}`);
    }
  };

  return (
    <section className="panel incident-actions" data-testid="incident-actions" aria-label={t('incident.actions')}>
      <h3>{t('incident.actions')}</h3>
      {incident.state !== 'closed' && (
        <div className="incident-action-group">
          <label className="note-field">
            <span>{t('incident.note')}</span>
            <textarea value={note} onChange={(event) => setNote(event.target.value)} rows={3} maxLength={4000} placeholder={t('incident.notePlaceholder')} data-testid="incident-note" />
          </label>
          <button className="button" disabled={Boolean(busy)} onClick={() => void saveNote()} data-testid="incident-add-note">
            {t('incident.addNote')}
          </button>
          {errorOf('note')}
        </div>
      )}

      {NEXT_STATES[incident.state].length > 0 && (
        <div className="incident-action-group">
          <span className="group-label">{t('incident.moveTo')}</span>
          <div className="action-row">
            {NEXT_STATES[incident.state].map((state) => (
              <button
                key={state}
                className={`button ${state === 'resolved' ? 'success' : state === 'closed' ? 'ghost' : state === 'open' ? '' : 'primary'}`}
                disabled={Boolean(busy)}
                onClick={() => void moveTo(state)}
                data-testid={`incident-to-${state}`}
              >
                {t(`incident.toState.${state}`)}
              </button>
            ))}
          </div>
          {reopening && (
            <div className="reopen-row">
              <label>
                <span>{t('incident.reopenReason')}</span>
                <input value={reason} onChange={(event) => setReason(event.target.value)} maxLength={4000} autoFocus data-testid="incident-reopen-reason" onKeyDown={(event) => event.key === 'Enter' && void moveTo('open')} />
              </label>
              <button className="button primary" disabled={Boolean(busy)} onClick={() => void moveTo('open')} data-testid="incident-confirm-reopen">
                {t('incident.confirmReopen')}
              </button>
              <button className="button ghost" onClick={() => setReopening(false)}>
                {t('common.cancel')}
              </button>
            </div>
          )}
          {errorOf('state')}
        </div>
      )}

      {incident.state !== 'closed' && (
        <div className="incident-action-group">
          <span className="group-label">{t('incident.edit')}</span>
          <div className="action-row">
            <select aria-label={t('incident.kind')} value={kind} onChange={(event) => setKind(event.target.value as IncidentKind)} data-testid="incident-edit-kind">
              {INCIDENT_KINDS.map((option) => (
                <option key={option} value={option}>
                  {t(`incidentKind.${option}`)}
                </option>
              ))}
            </select>
            <select aria-label={t('incident.severity')} value={severity} onChange={(event) => setSeverity(event.target.value as AlertSeverity)} data-testid="incident-edit-severity">
              {ALERT_SEVERITIES.map((option) => (
                <option key={option} value={option}>
                  {t(`severity.${option}`)}
                </option>
              ))}
            </select>
            <button className="button" disabled={Boolean(busy) || (kind === incident.kind && severity === incident.severity)} onClick={() => void saveEdit()} data-testid="incident-save-edit">
              {t('incident.saveEdit')}
            </button>
          </div>
          {errorOf('edit')}
        </div>
      )}

      {active && <MergeChooser incident={incident} busy={Boolean(busy)} onMerge={(ids) => void run('merge', async () => [await mergeIntoIncident(incident.id, ids)])} error={errorOf('merge')} />}

      {active && (
        <div className="incident-action-group">
          <span className="group-label">{t('incident.split')}</span>
          <p className="muted small">{t('incident.splitHint')}</p>
          <div className="action-row">
            <select aria-label={t('incident.splitKind')} value={splitKind} onChange={(event) => setSplitKind(event.target.value as IncidentKind | '')} data-testid="incident-split-kind">
              <option value="">{t('incident.splitSameKind')}</option>
              {INCIDENT_KINDS.map((option) => (
                <option key={option} value={option}>
                  {t(`incidentKind.${option}`)}
                </option>
              ))}
            </select>
            <button className="button" disabled={Boolean(busy) || selected === 0} onClick={() => void split()} data-testid="incident-split">
              {t('incident.splitSelected', { count: selected })}
            </button>
          </div>
          {errorOf('split')}
        </div>
      )}
    </section>
  );
}

/** Other active incidents to merge in: those near this one first (with their distance), then the rest. */
function MergeChooser({ incident, busy, onMerge, error }: { incident: IncidentView; busy: boolean; onMerge(ids: number[]): void; error: ReactNode }) {
  const i18n = useI18n();
  const { t } = i18n;
  const live = useLive();
  const placeText = usePlaceText();
  const [nearby, setNearby] = useState<NearbyIncident[]>([]);
  const [chosen, setChosen] = useState<number[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    const place = incident.lat !== null && incident.lon !== null ? { lat: incident.lat, lon: incident.lon } : incident.districtId ? { districtId: incident.districtId } : undefined;
    if (place) nearbyIncidents(place, controller.signal).then(setNearby, () => setNearby([]));
    return () => controller.abort();
  }, [incident.id, incident.lat, incident.lon, incident.districtId, incident.updatedAt]);

  const near = nearby.filter((entry) => entry.incident.id !== incident.id);
  const nearIds = new Set(near.map((entry) => entry.incident.id));
  const others = live.activeIncidents().filter((other) => other.id !== incident.id && !nearIds.has(other.id));
  const candidates = [...near.map((entry) => ({ incident: live.incidents.get(entry.incident.id) ?? entry.incident, distanceM: entry.distanceM })), ...others.map((other) => ({ incident: other, distanceM: null }))];
  const toggle = (id: number) => setChosen((current) => (current.includes(id) ? current.filter((item) => item !== id) : [...current, id]));
  const valid = chosen.filter((id) => candidates.some((candidate) => candidate.incident.id === id));

  return (
    <div className="incident-action-group" data-testid="incident-merge">
      <span className="group-label">{t('incident.merge')}</span>
      <p className="muted small">{t('incident.mergeHint')}</p>
      {candidates.length === 0 ? (
        <p className="muted small">{t('incident.mergeNone')}</p>
      ) : (
        <ul className="merge-list">
          {candidates.slice(0, 20).map(({ incident: other, distanceM }) => (
            <li key={other.id}>
              <label className="check-row">
                <input type="checkbox" checked={valid.includes(other.id)} onChange={() => toggle(other.id)} data-testid="merge-candidate" data-incident-id={other.id} />
                <span className="incident-number">#{other.id}</span>
                <IncidentKindLabel kind={other.kind} />
                <span className="muted small">
                  {placeText(other)}
                  {distanceM !== null && ` · ${t('incident.distance', { metres: i18n.number(distanceM) })}`}
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      <button
        className="button"
        disabled={busy || valid.length === 0}
        onClick={() => {
          onMerge(valid);
          setChosen([]);
        }}
        data-testid="incident-merge-button"
      >
        <Icon name="plus" /> {t('incident.mergeSelected', { count: valid.length })}
      </button>
      {error}
    </div>
  );
}
