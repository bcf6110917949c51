// Creating or changing one agency: what it covers (districts, incident kinds; none ticked means all), how
// it receives work, and which field teams are its own. The webhook URL is a secret the API never answers,
// so the field starts empty and a URL typed there replaces the stored one. The server's refusals are
// shown beside the field they name.
import { useState, type FormEvent, type ReactNode } from 'react';
import { AGENCY_DELIVERIES, AGENCY_KINDS, type Agency, type AgencyDelivery, type AgencyKind } from '@cityops/contract/agencies';
import { INCIDENT_KINDS, type IncidentKind } from '@cityops/contract/incidents';
import type { Team } from '@cityops/contract/people';
import { api, ApiError } from '../api.ts';
import { FieldError, useFormErrors } from '../form-errors.tsx';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { errorMessage } from '../server-messages.ts';

/** One label per delivery mode: a new mode in AGENCY_DELIVERIES needs its label here, nothing else. */
export const DELIVERY_LABELS: Record<AgencyDelivery, MessageKey> = {
  team: 'agency.delivery.team',
  webhook: 'agency.delivery.webhook',
  mqtt: 'agency.delivery.mqtt',
  cap: 'agency.delivery.cap',
};

/** Deliveries that POST to a URL of the agency (kept secret, like a password). */
export const deliversToUrl = (delivery: AgencyDelivery) => delivery === 'webhook' || delivery === 'cap';

const FIELDS = ['name', 'kind', 'districtIds', 'incidentKinds', 'delivery', 'webhookUrl', 'mqttTopic', 'phone', 'enabled', 'teams'] as const;
type Field = (typeof FIELDS)[number] | 'form';

interface Draft {
  name: string;
  kind: AgencyKind;
  districtIds: string[];
  incidentKinds: IncidentKind[];
  delivery: AgencyDelivery;
  webhookUrl: string;
  mqttTopic: string;
  phone: string;
  enabled: boolean;
  teamIds: number[];
}

const draftOf = (agency?: Agency): Draft => ({
  name: agency?.name ?? '',
  kind: agency?.kind ?? AGENCY_KINDS[0],
  districtIds: agency?.districtIds ?? [],
  incidentKinds: agency?.incidentKinds ?? [],
  delivery: agency?.delivery ?? 'team',
  webhookUrl: '',
  mqttTopic: agency?.mqttTopic ?? '',
  phone: agency?.phone ?? '',
  enabled: agency?.enabled ?? true,
  teamIds: agency?.teamIds ?? [],
});

const toggled = <T,>(list: T[], value: T, on: boolean) => (on ? [...list, value] : list.filter((item) => item !== value));

export function AgencyForm({ agency, agencies, teams, onSaved, onCancel }: { agency?: Agency; agencies: Agency[]; teams: Team[]; onSaved(agency: Agency): void; onCancel(): void }) {
  const { t, name: nameOf } = useI18n();
  const live = useLive();
  const [draft, setDraft] = useState<Draft>(() => draftOf(agency));
  const { errors, clear, fail, set: setError } = useFormErrors(FIELDS);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const ownerOf = (teamId: number) => agencies.find((other) => other.id !== agency?.id && other.teamIds.includes(teamId));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // The server keeps the stored URL when none is sent, so it cannot tell a switch to a URL delivery without one.
    if (deliversToUrl(draft.delivery) && !draft.webhookUrl.trim() && !agency?.webhookHost) {
      setError('webhookUrl', t('agencies.webhookRequired'));
      return;
    }
    const body = {
      name: draft.name,
      kind: draft.kind,
      districtIds: draft.districtIds,
      incidentKinds: draft.incidentKinds,
      delivery: draft.delivery,
      ...(draft.webhookUrl.trim() ? { webhookUrl: draft.webhookUrl.trim() } : {}),
      mqttTopic: draft.delivery === 'mqtt' ? draft.mqttTopic : null,
      phone: draft.phone.trim() || null,
      enabled: draft.enabled,
    };
    setBusy(true);
    clear();
    try {
      const { agency: saved } = await api<{ agency: Agency }>(agency ? `/api/agencies/${agency.id}` : '/api/agencies', { method: agency ? 'PUT' : 'POST', body });
      try {
        // A team is moved with its own route, once the agency exists.
        for (const team of teams) {
          const wanted = draft.teamIds.includes(team.id);
          if (wanted !== saved.teamIds.includes(team.id)) await api(`/api/teams/${team.id}/agency`, { method: 'PUT', body: { agencyId: wanted ? saved.id : null } });
        }
      } catch (failure) {
        setError('teams', errorMessage(failure));
        return;
      }
      onSaved(saved);
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 401) return; // the login opens over the form
      fail(failure);
    } finally {
      setBusy(false);
    }
  };

  const errorFor = (field: Field): ReactNode => <FieldError message={errors[field]} testId={`agency-error-${field}`} />;
  const labelled = (field: Field, label: MessageKey, control: ReactNode, wide = false) => (
    <label className={`form-field${wide ? ' wide' : ''}${errors[field] ? ' invalid' : ''}`}>
      <span>{t(label)}</span>
      {control}
      {errorFor(field)}
    </label>
  );

  return (
    <form className="panel agency-form" onSubmit={(event) => void submit(event)} noValidate data-testid="agency-form">
      <h2>{agency ? t('agencies.editTitle', { name: agency.name }) : t('agencies.new')}</h2>
      <div className="form-grid">
        {labelled('name', 'agencies.name', <input value={draft.name} onChange={(e) => set('name', e.target.value)} maxLength={150} autoComplete="off" data-testid="agency-name" />)}
        {labelled(
          'kind',
          'agencies.kind',
          <select value={draft.kind} onChange={(e) => set('kind', e.target.value as AgencyKind)} data-testid="agency-kind">
            {AGENCY_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {t(`agency.kind.${kind}`)}
              </option>
            ))}
          </select>,
        )}
        {labelled(
          'delivery',
          'agencies.delivery',
          <select value={draft.delivery} onChange={(e) => set('delivery', e.target.value as AgencyDelivery)} data-testid="agency-delivery">
            {AGENCY_DELIVERIES.map((delivery) => (
              <option key={delivery} value={delivery}>
                {t(DELIVERY_LABELS[delivery])}
              </option>
            ))}
          </select>,
        )}
        {labelled('phone', 'agencies.phone', <input value={draft.phone} onChange={(e) => set('phone', e.target.value)} maxLength={40} inputMode="tel" autoComplete="off" data-testid="agency-phone" />)}
        {deliversToUrl(draft.delivery) && (
          <label className={`form-field wide${errors.webhookUrl ? ' invalid' : ''}`}>
            <span>{t('agencies.webhookUrl')}</span>
            <input value={draft.webhookUrl} onChange={(e) => set('webhookUrl', e.target.value)} maxLength={2000} autoComplete="off" className="mono" placeholder="https://" data-testid="agency-webhook-url" />
            <span className="muted small agency-hint">{agency?.webhookHost ? t('agencies.webhookKept', { host: agency.webhookHost }) : t('agencies.webhookNew')}</span>
            {errorFor('webhookUrl')}
          </label>
        )}
        {draft.delivery === 'mqtt' &&
          labelled('mqttTopic', 'agencies.mqttTopic', <input value={draft.mqttTopic} onChange={(e) => set('mqttTopic', e.target.value)} maxLength={200} autoComplete="off" className="mono" data-testid="agency-mqtt-topic" />, true)}
      </div>

      <CheckGroup
        legend={t('agencies.districts')}
        hint={t('agencies.districtsHint')}
        error={errorFor('districtIds')}
        testId="agency-districts"
        options={live.districts.map((district) => ({ value: district.id, label: nameOf(district) }))}
        chosen={draft.districtIds}
        onChange={(value, on) => set('districtIds', toggled(draft.districtIds, value, on))}
      />
      <CheckGroup
        legend={t('agencies.incidentKinds')}
        hint={t('agencies.incidentKindsHint')}
        error={errorFor('incidentKinds')}
        testId="agency-incident-kinds"
        options={INCIDENT_KINDS.map((kind) => ({ value: kind, label: t(`incidentKind.${kind}`) }))}
        chosen={draft.incidentKinds}
        onChange={(value, on) => set('incidentKinds', toggled(draft.incidentKinds, value, on))}
      />
      <CheckGroup
        legend={t('agencies.teams')}
        hint={teams.length ? t('agencies.teamsHint') : t('agencies.noTeams')}
        error={errorFor('teams')}
        testId="agency-teams"
        options={teams.map((team) => {
          const owner = ownerOf(team.id);
          return { value: team.id, label: owner ? `${team.name} (${t('agencies.teamOf', { agency: owner.name })})` : team.name };
        })}
        chosen={draft.teamIds}
        onChange={(value, on) => set('teamIds', toggled(draft.teamIds, value, on))}
      />

      <label className="form-field checkbox">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.target.checked)} data-testid="agency-enabled" />
        <span>{t('agencies.enabled')}</span>
      </label>
      {errorFor('form')}
      <div className="action-row">
        <button className="button primary" type="submit" disabled={busy} data-testid="agency-save">
          {t('common.save')}
        </button>
        <button className="button ghost" type="button" onClick={onCancel} data-testid="agency-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function CheckGroup<T extends string | number>({ legend, hint, error, testId, options, chosen, onChange }: { legend: string; hint: string; error: ReactNode; testId: string; options: { value: T; label: string }[]; chosen: T[]; onChange(value: T, on: boolean): void }) {
  return (
    <fieldset className="agency-checks" data-testid={testId}>
      <legend>{legend}</legend>
      <p className="muted small">{hint}</p>
      <div className="agency-check-grid">
        {options.map((option) => (
          <label key={option.value} className="check-row">
            <input type="checkbox" value={option.value} checked={chosen.includes(option.value)} onChange={(e) => onChange(option.value, e.target.checked)} />
            <span>{option.label}</span>
          </label>
        ))}
      </div>
      {error}
    </fieldset>
  );
}
