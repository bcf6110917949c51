// A phone call logged while the caller is still on the line: keyboard first (1–5 pick the line, Tab
// walks the fields, Ctrl+Enter saves), the place by a click on the map, a district and an address, or
// typed coordinates. While the place is typed, the active incidents near it are listed, so a second call
// about one fire joins the first instead of opening another. The server's refusals are shown beside the
// field they name.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { HOTLINE_LINES, INCIDENT_KINDS, type HotlineLine, type IncidentKind, type IncidentView } from '@cityops/contract/incidents';
import { ApiError } from '../api.ts';
import { DistrictSelect } from '../district-select.tsx';
import { useDraft } from '../drafts.ts';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import { CityMap } from '../map/city-map.tsx';
import type { MessageKey } from '../messages.ts';
import { Link, navigate } from '../router.tsx';
import { canOperate, useUser } from '../session.tsx';
import { EmptyState } from '../ui.tsx';
import { logHotlineCall, nearbyIncidents, type CallInput, type NearbyIncident, type PlaceQuery } from './incident-api.ts';
import { IncidentKindLabel, IncidentStateBadge, usePlaceText } from './incident-badges.tsx';
import { fieldOf, parseCoordinates, type FieldName } from './hotline-fields.ts';
import './incidents.css';
import { errorMessage } from '../server-messages.ts';

/** Long enough not to ask on every keystroke of an address, short enough to be there before the call ends. */
const NEARBY_DELAY_MS = 350;

interface CallForm {
  line?: HotlineLine;
  callerName: string;
  callerNumber: string;
  kind: IncidentKind | '';
  districtId: string;
  address: string;
  coordinates: string;
}

const EMPTY: CallForm = { callerName: '', callerNumber: '', kind: '', districtId: '', address: '', coordinates: '' };

export default function HotlinePage() {
  const { t } = useI18n();
  const user = useUser();
  if (!canOperate(user)) {
    return (
      <div className="page">
        <EmptyState icon="alert" title={t('hotline.forbidden')} />
      </div>
    );
  }
  return <HotlineForm />;
}

function HotlineForm() {
  const i18n = useI18n();
  const { t } = i18n;
  const live = useLive();
  const [form, setForm] = useState<CallForm>(EMPTY);
  const [said, setSaid, clearSaid] = useDraft('hotline-said');
  const [joinId, setJoinId] = useState<number>();
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<{ incident: IncidentView; joined: boolean }>();
  const lineGroup = useRef<HTMLDivElement>(null);
  const callerName = useRef<HTMLInputElement>(null);

  useEffect(() => lineGroup.current?.focus(), []);

  const set = <K extends keyof CallForm>(key: K, value: CallForm[K]) => {
    setForm((current) => ({ ...current, [key]: value }));
    setErrors((current) => ({ ...current, [key]: undefined, ...(key === 'coordinates' || key === 'districtId' || key === 'address' ? { place: undefined } : {}) }));
  };

  const point = parseCoordinates(form.coordinates);
  const coordinatesInvalid = form.coordinates.trim() !== '' && !point;
  const place: PlaceQuery = point ?? (form.districtId ? { districtId: form.districtId } : {});
  const nearby = useNearby(place);
  // A chosen incident that is no longer near the place typed is not joined by mistake.
  const joinable = joinId !== undefined && nearby.list.some((entry) => entry.incident.id === joinId) ? joinId : undefined;

  const pickLine = (line: HotlineLine, moveOn: boolean) => {
    set('line', line);
    if (moveOn) callerName.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLFormElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
      return;
    }
    const digit = Number(event.key);
    if (!Number.isInteger(digit) || digit < 1 || digit > HOTLINE_LINES.length) return;
    // Digits pick the line on the line group, or anywhere with Alt (they are text in the other fields).
    const onLineGroup = event.target === lineGroup.current;
    if (onLineGroup || event.altKey) {
      event.preventDefault();
      pickLine(HOTLINE_LINES[digit - 1], onLineGroup);
    }
  };

  const check = (): Partial<Record<FieldName, string>> => {
    const found: Partial<Record<FieldName, string>> = {};
    if (!form.line) found.line = t('hotline.lineRequired');
    if (!form.kind) found.kind = t('hotline.kindRequired');
    if (!said.trim()) found.said = t('hotline.saidRequired');
    if (coordinatesInvalid) found.coordinates = t('hotline.coordinatesInvalid');
    return found;
  };

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (busy) return;
    const found = check();
    setErrors(found);
    if (Object.keys(found).length) return;
    const input: CallInput = {
      line: form.line!,
      kind: form.kind as IncidentKind,
      said: said.trim(),
      ...(form.callerName.trim() ? { callerName: form.callerName.trim() } : {}),
      ...(form.callerNumber.trim() ? { callerNumber: form.callerNumber.trim() } : {}),
      ...(point ?? {}),
      ...(form.districtId ? { districtId: form.districtId } : {}),
      ...(form.address.trim() ? { address: form.address.trim() } : {}),
      ...(joinable !== undefined ? { incidentId: joinable } : {}),
    };
    setBusy(true);
    try {
      const answer = await logHotlineCall(input);
      live.upsertIncidents([answer.incident]);
      setSaved({ incident: answer.incident, joined: answer.joined });
      setForm(EMPTY);
      clearSaid();
      setJoinId(undefined);
      lineGroup.current?.focus();
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 401) return; // the login opens over the form; nothing is lost
      const field = caught instanceof ApiError ? fieldOf(caught.field) : 'form';
      setErrors({ [field]: errorMessage(caught, undefined, { besideField: field !== 'form' }) });
    } finally {
      setBusy(false);
    }
  };

  const errorFor = (field: FieldName): ReactNode =>
    errors[field] ? (
      <span className="field-error-text" role="alert" data-testid={`hotline-error-${field}`}>
        {errors[field]}
      </span>
    ) : null;

  return (
    <div className="page hotline-page" data-testid="hotline-page">
      <header className="page-header">
        <div>
          <h1>{t('hotline.title')}</h1>
          <p className="muted">{t('hotline.subtitle')}</p>
        </div>
        <div className="page-tools">
          <Link to="/incidents" className="button ghost">
            {t('incident.back')}
          </Link>
        </div>
      </header>
      {saved && (
        <div className="form-ok hotline-saved" role="status" data-testid="hotline-saved" data-incident-id={saved.incident.id} data-joined={saved.joined}>
          <span>{t('hotline.saved', { id: saved.incident.id })}</span>
          <Link to={`/incidents/${saved.incident.id}`} data-testid="hotline-open-incident">
            {t('hotline.openIncident')} →
          </Link>
        </div>
      )}
      <div className="hotline-body">
        <form className="panel hotline-form" onSubmit={(event) => void submit(event)} onKeyDown={onKeyDown} noValidate data-testid="hotline-form">
          <div className={`form-field wide ${errors.line ? 'invalid' : ''}`}>
            <span className="group-label" id="hotline-line-label">
              {t('hotline.line')}
            </span>
            <div ref={lineGroup} className="line-group" role="radiogroup" aria-labelledby="hotline-line-label" tabIndex={0} data-testid="hotline-line" data-line={form.line ?? ''}>
              {HOTLINE_LINES.map((line, index) => (
                <button
                  key={line}
                  type="button"
                  role="radio"
                  aria-checked={form.line === line}
                  tabIndex={-1}
                  className={`line-choice ${form.line === line ? 'chosen' : ''}`}
                  onClick={() => pickLine(line, true)}
                  data-testid={`hotline-line-${line}`}
                >
                  <kbd>{index + 1}</kbd> {t(`hotlineLine.${line}`)}
                </button>
              ))}
            </div>
            {errorFor('line')}
          </div>

          <div className="form-grid">
            <label className={`form-field ${errors.callerName ? 'invalid' : ''}`}>
              <span>{t('hotline.callerName')}</span>
              <input ref={callerName} value={form.callerName} onChange={(event) => set('callerName', event.target.value)} maxLength={100} autoComplete="off" data-testid="hotline-caller-name" />
              {errorFor('callerName')}
            </label>
            <label className={`form-field ${errors.callerNumber ? 'invalid' : ''}`}>
              <span>{t('hotline.callerNumber')}</span>
              <input value={form.callerNumber} onChange={(event) => set('callerNumber', event.target.value)} maxLength={40} inputMode="tel" autoComplete="off" data-testid="hotline-caller-number" />
              {errorFor('callerNumber')}
            </label>
            <label className={`form-field wide ${errors.kind ? 'invalid' : ''}`}>
              <span>{t('hotline.kind')}</span>
              <select value={form.kind} onChange={(event) => set('kind', event.target.value as IncidentKind | '')} data-testid="hotline-kind">
                <option value="">{t('hotline.chooseKind')}</option>
                {INCIDENT_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {t(`incidentKind.${kind}`)}
                  </option>
                ))}
              </select>
              {errorFor('kind')}
            </label>
          </div>

          <fieldset className={`hotline-place ${errors.place ? 'invalid' : ''}`} data-testid="hotline-place">
            <legend>{t('hotline.place')}</legend>
            <p className="muted small">{t('hotline.placeHint')}</p>
            <div className="form-grid">
              <label className={`form-field ${errors.districtId ? 'invalid' : ''}`}>
                <span>{t('hotline.district')}</span>
                <DistrictSelect value={form.districtId} onChange={(event) => set('districtId', event.target.value)} testId="hotline-district" />
                {errorFor('districtId')}
              </label>
              <label className={`form-field ${errors.address ? 'invalid' : ''}`}>
                <span>{t('hotline.address')}</span>
                <input value={form.address} onChange={(event) => set('address', event.target.value)} maxLength={300} placeholder={t('hotline.addressPlaceholder')} autoComplete="off" data-testid="hotline-address" />
                {errorFor('address')}
              </label>
              <label className={`form-field wide ${errors.coordinates || coordinatesInvalid ? 'invalid' : ''}`}>
                <span>{t('hotline.coordinates')}</span>
                <input value={form.coordinates} onChange={(event) => set('coordinates', event.target.value)} placeholder="10.7769, 106.7009" autoComplete="off" className="mono" data-testid="hotline-coordinates" />
                {errorFor('coordinates')}
              </label>
            </div>
            {errorFor('place')}
          </fieldset>

          <label className={`form-field wide ${errors.said ? 'invalid' : ''}`}>
            <span>{t('hotline.said')}</span>
            <textarea value={said} onChange={(event) => setSaid(event.target.value)} rows={3} maxLength={4000} placeholder={t('hotline.saidPlaceholder')} data-testid="hotline-said" />
            {errorFor('said')}
          </label>

          <NearbyChoice nearby={nearby} hasPlace={Boolean(point || form.districtId)} joinId={joinable} onJoin={(incident) => {
            setJoinId(incident?.id);
            if (incident && !form.kind) set('kind', incident.kind);
          }} />
          {errorFor('incidentId')}

          <div className="form-footer">
            {errorFor('form')}
            <button type="submit" className="button primary" disabled={busy} data-testid="hotline-submit">
              {joinable !== undefined ? t('hotline.submitJoin', { id: joinable }) : t('hotline.submitNew')}
            </button>
          </div>
        </form>
        <CityMap
          className="hotline-map"
          cameras={live.cameras}
          sensors={live.sensors}
          cameraHealth={live.cameraHealth}
          sensorHealth={live.sensorHealth}
          alerts={live.openAlerts()}
          incidents={live.activeIncidents()}
          onSelectIncident={(id) => navigate(`/incidents/${id}`)}
          pick={{ lat: point?.lat ?? null, lon: point?.lon ?? null, onPick: (lat, lon) => set('coordinates', `${lat}, ${lon}`) }}
        />
      </div>
    </div>
  );
}

/** The active incidents near the place, asked again (and the older answer dropped) when the place changes. */
function useNearby(place: PlaceQuery): { list: NearbyIncident[]; loading: boolean } {
  const [state, setState] = useState<{ list: NearbyIncident[]; loading: boolean }>({ list: [], loading: false });
  const key = place.lat !== undefined ? `${place.lat},${place.lon}` : (place.districtId ?? '');
  useEffect(() => {
    if (!key) {
      setState({ list: [], loading: false });
      return;
    }
    const controller = new AbortController();
    setState((current) => ({ ...current, loading: true }));
    const timer = setTimeout(() => {
      nearbyIncidents(place, controller.signal).then(
        (list) => setState({ list, loading: false }),
        () => !controller.signal.aborted && setState({ list: [], loading: false }),
      );
    }, NEARBY_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key]);
  return state;
}

function NearbyChoice({ nearby, hasPlace, joinId, onJoin }: { nearby: { list: NearbyIncident[]; loading: boolean }; hasPlace: boolean; joinId?: number; onJoin(incident: IncidentView | undefined): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const placeText = usePlaceText();
  const message: MessageKey | undefined = !hasPlace ? 'hotline.nearbyNeedsPlace' : nearby.loading ? 'common.loading' : nearby.list.length === 0 ? 'hotline.nearbyNone' : undefined;
  return (
    <fieldset className="hotline-nearby" data-testid="hotline-nearby" data-count={nearby.loading ? '' : nearby.list.length}>
      <legend>{t('hotline.nearby')}</legend>
      {message ? (
        <p className="muted small">{t(message)}</p>
      ) : (
        <ul className="nearby-list">
          <li>
            <label className="check-row">
              <input type="radio" name="hotline-target" checked={joinId === undefined} onChange={() => onJoin(undefined)} data-testid="nearby-new" />
              <strong>{t('hotline.newIncident')}</strong>
            </label>
          </li>
          {nearby.list.map(({ incident, distanceM }) => (
            <li key={incident.id}>
              <label className={`check-row nearby-item ${incident.severity}`}>
                <input type="radio" name="hotline-target" checked={joinId === incident.id} onChange={() => onJoin(incident)} data-testid="nearby-join" data-incident-id={incident.id} />
                <span className="incident-number">#{incident.id}</span>
                <IncidentKindLabel kind={incident.kind} />
                <IncidentStateBadge state={incident.state} />
                <span className="muted small">
                  {placeText(incident)}
                  {distanceM !== null && ` · ${t('incident.distance', { metres: i18n.number(distanceM) })}`} · {t('incidents.calls', { count: incident.callCount })}
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
