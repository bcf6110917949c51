// The link rules (which alerts become one incident) as a table, and their form for engineers and admins.
// The API checks everything; its refusals are shown beside the field they name.
import { useState, type FormEvent } from 'react';
import { ALERT_KINDS, ALERT_SEVERITIES, type AlertKind, type AlertSeverity } from '@cityops/contract/alerts';
import { INCIDENT_KINDS, type IncidentKind, type IncidentLinkRule } from '@cityops/contract/incidents';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { RuleRowActions } from './rule-row-actions.tsx';
import { EmptyState, ErrorNote, Icon, Spinner } from '../ui.tsx';
import { FieldError, numberOf, RuleField, useFormErrors, useRowDelete } from './rule-form.tsx';

const FIELDS = ['name', 'rank', 'incidentKind', 'alertKinds', 'openingKinds', 'openMinSeverity', 'distanceM', 'windowMinutes', 'enabled'] as const;

interface Draft {
  name: string;
  rank: string;
  incidentKind: IncidentKind;
  alertKinds: AlertKind[];
  openingKinds: AlertKind[];
  openMinSeverity: AlertSeverity;
  distanceM: string;
  windowMinutes: string;
  enabled: boolean;
}

const draftOf = (rule: IncidentLinkRule | undefined, rules: IncidentLinkRule[]): Draft => ({
  name: rule?.name ?? '',
  rank: String(rule?.rank ?? Math.max(0, ...rules.map((other) => other.rank)) + 10),
  incidentKind: rule?.incidentKind ?? INCIDENT_KINDS[0],
  alertKinds: rule?.alertKinds ?? [],
  openingKinds: rule?.openingKinds ?? [],
  openMinSeverity: rule?.openMinSeverity ?? 'info',
  distanceM: String(rule?.distanceM ?? 300),
  windowMinutes: String(rule?.windowMinutes ?? 30),
  enabled: rule?.enabled ?? true,
});


export function LinkRulesPanel({ rules, canEdit, onChanged }: { rules: IncidentLinkRule[] | undefined; canEdit: boolean; onChanged(): Promise<void> }) {
  const { t } = useI18n();
  const [editing, setEditing] = useState<IncidentLinkRule | 'new'>();
  const { deleting, setDeleting, error, remove } = useRowDelete((id) => `/api/incident-link-rules/${id}`, onChanged);

  return (
    <section className="panel table-panel rules-panel" data-testid="link-rules">
      <header className="panel-header">
        <h2>
          {t('linkRules.title')} <span className="panel-count">{rules?.length ?? ''}</span>
        </h2>
        {canEdit && (
          <button className="button primary small" type="button" onClick={() => setEditing('new')} disabled={editing === 'new'} data-testid="link-rule-new">
            <Icon name="plus" size={14} /> {t('linkRules.new')}
          </button>
        )}
      </header>
      <p className="muted small rules-explain">{t('linkRules.explain')}</p>
      {editing && (
        <LinkRuleForm
          key={editing === 'new' ? 'new' : editing.id}
          rule={editing === 'new' ? undefined : editing}
          rules={rules ?? []}
          onCancel={() => setEditing(undefined)}
          onSaved={async () => {
            setEditing(undefined);
            await onChanged();
          }}
        />
      )}
      <ErrorNote error={error} />
      {!rules ? (
        <Spinner label={t('common.loading')} />
      ) : rules.length === 0 ? (
        <EmptyState icon="incident" title={t('linkRules.none')} />
      ) : (
        <div className="table-scroll">
          <table className="data-table rules-table" data-testid="link-rule-table">
            <thead>
              <tr>
                <th>{t('linkRules.rank')}</th>
                <th>{t('linkRules.name')}</th>
                <th>{t('linkRules.incidentKind')}</th>
                <th>{t('linkRules.alertKinds')}</th>
                <th>{t('linkRules.openMinSeverity')}</th>
                <th className="numeric">{t('linkRules.distance')}</th>
                <th className="numeric">{t('linkRules.window')}</th>
                <th>{t('linkRules.enabled')}</th>
                {canEdit && <th />}
              </tr>
            </thead>
            <tbody>
              {rules.map((rule) => (
                <tr key={rule.id} className={rule.enabled ? '' : 'disabled'} data-testid="link-rule-row" data-rule-name={rule.name}>
                  <td className="mono">{rule.rank}</td>
                  <td>
                    <strong>{rule.name}</strong>
                  </td>
                  <td>{t(`incidentKind.${rule.incidentKind}`)}</td>
                  <td className="cover">
                    {rule.alertKinds.map((kind, index) => (
                      <span key={kind}>
                        {index > 0 && ', '}
                        {rule.openingKinds.includes(kind) ? <strong data-opening="true">{t(`kind.${kind}`)}</strong> : t(`kind.${kind}`)}
                      </span>
                    ))}
                  </td>
                  <td>{rule.openingKinds.length ? t(`severity.${rule.openMinSeverity}`) : '—'}</td>
                  <td className="numeric" data-testid="link-rule-distance">
                    {rule.distanceM}
                  </td>
                  <td className="numeric">{rule.windowMinutes}</td>
                  <td>
                    <span className={`state-chip ${rule.enabled ? 'ok' : 'offline'}`}>{t(rule.enabled ? 'linkRules.on' : 'linkRules.off')}</span>
                  </td>
                  {canEdit && (
                    <RuleRowActions testId="link-rule" confirming={deleting === rule.id} onEdit={() => setEditing(rule)} onAskDelete={() => setDeleting(rule.id)} onDelete={() => void remove(rule.id)} onCancel={() => setDeleting(undefined)} />
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function LinkRuleForm({ rule, rules, onSaved, onCancel }: { rule?: IncidentLinkRule; rules: IncidentLinkRule[]; onSaved(): Promise<void>; onCancel(): void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<Draft>(() => draftOf(rule, rules));
  const [busy, setBusy] = useState(false);
  const { errors, clear, fail } = useFormErrors(FIELDS);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const toggleKind = (kind: AlertKind, on: boolean) =>
    setDraft((current) => ({
      ...current,
      alertKinds: on ? [...current.alertKinds, kind] : current.alertKinds.filter((other) => other !== kind),
      // An opening kind is one of the rule's kinds: unticking the kind unticks "opens" too.
      openingKinds: on ? current.openingKinds : current.openingKinds.filter((other) => other !== kind),
    }));
  const toggleOpening = (kind: AlertKind, on: boolean) =>
    setDraft((current) => ({
      ...current,
      alertKinds: on && !current.alertKinds.includes(kind) ? [...current.alertKinds, kind] : current.alertKinds,
      openingKinds: on ? [...current.openingKinds, kind] : current.openingKinds.filter((other) => other !== kind),
    }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = {
      name: draft.name,
      rank: numberOf(draft.rank),
      incidentKind: draft.incidentKind,
      // The rule's own order (newly ticked kinds last): an edit changes only what was changed.
      alertKinds: draft.alertKinds,
      openingKinds: draft.alertKinds.filter((kind) => draft.openingKinds.includes(kind)),
      openMinSeverity: draft.openMinSeverity,
      distanceM: numberOf(draft.distanceM),
      windowMinutes: numberOf(draft.windowMinutes),
      enabled: draft.enabled,
    };
    setBusy(true);
    clear();
    try {
      await api(rule ? `/api/incident-link-rules/${rule.id}` : '/api/incident-link-rules', { method: rule ? 'PUT' : 'POST', body });
      await onSaved();
    } catch (failure) {
      fail(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="rule-form" onSubmit={(event) => void submit(event)} noValidate data-testid="link-rule-form">
      <h3>{rule ? t('linkRules.editTitle', { name: rule.name }) : t('linkRules.new')}</h3>
      <div className="form-grid rule-grid">
        <RuleField label={t('linkRules.name')} error={errors.name} errorTestId="link-rule-error-name">
          <input value={draft.name} onChange={(e) => set('name', e.target.value)} maxLength={100} autoComplete="off" data-testid="link-rule-name" />
        </RuleField>
        <RuleField label={t('linkRules.rank')} error={errors.rank} errorTestId="link-rule-error-rank">
          <input type="number" value={draft.rank} onChange={(e) => set('rank', e.target.value)} data-testid="link-rule-rank" />
        </RuleField>
        <RuleField label={t('linkRules.incidentKind')} error={errors.incidentKind} errorTestId="link-rule-error-incidentKind">
          <select value={draft.incidentKind} onChange={(e) => set('incidentKind', e.target.value as IncidentKind)} data-testid="link-rule-incident-kind">
            {INCIDENT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {t(`incidentKind.${kind}`)}
              </option>
            ))}
          </select>
        </RuleField>
        <RuleField label={t('linkRules.openMinSeverity')} error={errors.openMinSeverity} errorTestId="link-rule-error-openMinSeverity">
          <select value={draft.openMinSeverity} onChange={(e) => set('openMinSeverity', e.target.value as AlertSeverity)} data-testid="link-rule-open-min-severity">
            {ALERT_SEVERITIES.map((severity) => (
              <option key={severity} value={severity}>
                {t(`severity.${severity}`)}
              </option>
            ))}
          </select>
        </RuleField>
        <RuleField label={t('linkRules.distance')} error={errors.distanceM} errorTestId="link-rule-error-distanceM">
          <input type="number" value={draft.distanceM} onChange={(e) => set('distanceM', e.target.value)} data-testid="link-rule-distance-input" />
        </RuleField>
        <RuleField label={t('linkRules.window')} error={errors.windowMinutes} errorTestId="link-rule-error-windowMinutes">
          <input type="number" value={draft.windowMinutes} onChange={(e) => set('windowMinutes', e.target.value)} data-testid="link-rule-window" />
        </RuleField>
      </div>
      <fieldset className="rule-checks" data-testid="link-rule-alert-kinds">
        <legend>{t('linkRules.alertKindsForm')}</legend>
        <div className="rule-check-grid">
          {ALERT_KINDS.map((kind) => (
            <div key={kind} className="check-row">
              <label>
                <input type="checkbox" value={kind} checked={draft.alertKinds.includes(kind)} onChange={(e) => toggleKind(kind, e.target.checked)} />
                <span>{t(`kind.${kind}`)}</span>
              </label>
              <label className="muted small">
                <input type="checkbox" data-opening-kind={kind} checked={draft.openingKinds.includes(kind)} onChange={(e) => toggleOpening(kind, e.target.checked)} />
                <span>{t('linkRules.opens')}</span>
              </label>
            </div>
          ))}
        </div>
        <FieldError message={errors.alertKinds ?? errors.openingKinds} testId="link-rule-error-alertKinds" />
      </fieldset>
      <label className="form-field checkbox">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.target.checked)} data-testid="link-rule-enabled" />
        <span>{t('linkRules.enabled')}</span>
      </label>
      <FieldError message={errors.form ?? errors.enabled} testId="link-rule-error-form" />
      <div className="action-row">
        <button className="button primary" type="submit" disabled={busy} data-testid="link-rule-save">
          {t('common.save')}
        </button>
        <button className="button ghost" type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
