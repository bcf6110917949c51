// The dispatch policies (deadlines and escalation ladder per incident kind and severity) as a table, and
// their form for engineers and admins. A policy is one (kind, severity) pair: editing keeps the pair, a new
// one picks it (saving a pair that exists changes that one: the API upserts). The default stays.
import { useState, type FormEvent } from 'react';
import { ALERT_SEVERITIES, type AlertSeverity } from '@cityops/contract/alerts';
import { ESCALATION_STEPS, INCIDENT_KINDS, type DispatchPolicyRule, type EscalationStep } from '@cityops/contract/incidents';
import { api } from '../api.ts';
import { durationText } from '../duration-text.ts';
import { useI18n } from '../i18n.tsx';
import { EmptyState, ErrorNote, Icon, Spinner } from '../ui.tsx';
import { FieldError, numberOf, RuleField, useFormErrors, useRowDelete } from './rule-form.tsx';

const FIELDS = ['kind', 'severity', 'acknowledgeSeconds', 'arriveSeconds', 'stepSeconds', 'ladder', 'requiresPhoto'] as const;

type Kind = DispatchPolicyRule['kind'];

interface Draft {
  kind: Kind;
  severity: AlertSeverity | '';
  acknowledgeSeconds: string;
  arriveSeconds: string;
  stepSeconds: string;
  ladder: EscalationStep[];
  requiresPhoto: boolean;
}

const draftOf = (policy?: DispatchPolicyRule): Draft => ({
  kind: policy?.kind ?? INCIDENT_KINDS[0],
  severity: policy?.severity ?? '',
  acknowledgeSeconds: String(policy?.acknowledgeSeconds ?? 300),
  arriveSeconds: String(policy?.arriveSeconds ?? 1800),
  stepSeconds: String(policy?.stepSeconds ?? 120),
  ladder: policy?.ladder ?? [...ESCALATION_STEPS],
  requiresPhoto: policy?.requiresPhoto ?? false,
});

const isDefault = (policy: DispatchPolicyRule) => policy.kind === '*' && policy.severity === null;

function useLabels() {
  const i18n = useI18n();
  const { t } = i18n;
  return {
    kind: (kind: Kind) => (kind === '*' ? t('policies.anyKind') : t(`incidentKind.${kind}`)),
    severity: (severity: AlertSeverity | null) => (severity === null ? t('policies.anySeverity') : t(`severity.${severity}`)),
    duration: (seconds: number) => durationText(i18n, seconds),
  };
}

export function DispatchPoliciesPanel({ policies, canEdit, onChanged }: { policies: DispatchPolicyRule[] | undefined; canEdit: boolean; onChanged(): Promise<void> }) {
  const { t } = useI18n();
  const label = useLabels();
  const [editing, setEditing] = useState<DispatchPolicyRule | 'new'>();
  const { deleting, setDeleting, error, remove } = useRowDelete((id) => `/api/dispatch-policies/${id}`, onChanged);

  return (
    <section className="panel table-panel rules-panel" data-testid="dispatch-policies">
      <header className="panel-header">
        <h2>
          {t('policies.title')} <span className="panel-count">{policies?.length ?? ''}</span>
        </h2>
        {canEdit && (
          <button className="button primary small" type="button" onClick={() => setEditing('new')} disabled={editing === 'new'} data-testid="policy-new">
            <Icon name="plus" size={14} /> {t('policies.new')}
          </button>
        )}
      </header>
      <p className="muted small rules-explain">{t('policies.explain')}</p>
      {editing && (
        <PolicyForm
          key={editing === 'new' ? 'new' : editing.id}
          policy={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(undefined)}
          onSaved={async () => {
            setEditing(undefined);
            await onChanged();
          }}
        />
      )}
      <ErrorNote error={error} />
      {!policies ? (
        <Spinner label={t('common.loading')} />
      ) : policies.length === 0 ? (
        <EmptyState icon="incident" title={t('policies.title')} />
      ) : (
        <div className="table-scroll">
          <table className="data-table rules-table" data-testid="policy-table">
            <thead>
              <tr>
                <th>{t('policies.kind')}</th>
                <th>{t('policies.severity')}</th>
                <th className="numeric">{t('policies.acknowledge')}</th>
                <th className="numeric">{t('policies.arrive')}</th>
                <th className="numeric">{t('policies.step')}</th>
                <th>{t('policies.ladder')}</th>
                <th>{t('policies.photo')}</th>
                {canEdit && <th />}
              </tr>
            </thead>
            <tbody>
              {policies.map((policy) => (
                <tr key={policy.id} data-testid="policy-row" data-kind={policy.kind} data-severity={policy.severity ?? '*'}>
                  <td>
                    {label.kind(policy.kind)}
                    {isDefault(policy) && <span className="state-chip rules-default">{t('policies.default')}</span>}
                  </td>
                  <td>{label.severity(policy.severity)}</td>
                  <td className="numeric" data-testid="policy-acknowledge">
                    {label.duration(policy.acknowledgeSeconds)}
                  </td>
                  <td className="numeric">{label.duration(policy.arriveSeconds)}</td>
                  <td className="numeric">{label.duration(policy.stepSeconds)}</td>
                  <td>
                    <ol className="rules-ladder">
                      {policy.ladder.map((step) => (
                        <li key={step}>{t(`policies.step.${step}`)}</li>
                      ))}
                    </ol>
                  </td>
                  <td>{t(policy.requiresPhoto ? 'common.yes' : 'common.no')}</td>
                  {canEdit && (
                    <td className="action-cell">
                      {deleting === policy.id ? (
                        <>
                          <button className="button small danger" onClick={() => void remove(policy.id)} data-testid="policy-delete-confirm">
                            {t('rules.confirmDelete')}
                          </button>
                          <button className="button small ghost" onClick={() => setDeleting(undefined)}>
                            {t('common.cancel')}
                          </button>
                        </>
                      ) : (
                        <>
                          <button className="button small" onClick={() => setEditing(policy)} data-testid="policy-edit">
                            {t('common.edit')}
                          </button>
                          {/* No delete for the default (the server refuses it too, 409): every incident needs deadlines. */}
                          {!isDefault(policy) && (
                            <button className="button small ghost" onClick={() => setDeleting(policy.id)} data-testid="policy-delete">
                              {t('common.delete')}
                            </button>
                          )}
                        </>
                      )}
                    </td>
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

function PolicyForm({ policy, onSaved, onCancel }: { policy?: DispatchPolicyRule; onSaved(): Promise<void>; onCancel(): void }) {
  const { t } = useI18n();
  const label = useLabels();
  const [draft, setDraft] = useState<Draft>(() => draftOf(policy));
  const [busy, setBusy] = useState(false);
  const { errors, clear, fail } = useFormErrors(FIELDS);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((current) => ({ ...current, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = {
      kind: draft.kind,
      severity: draft.severity || null,
      acknowledgeSeconds: numberOf(draft.acknowledgeSeconds),
      arriveSeconds: numberOf(draft.arriveSeconds),
      stepSeconds: numberOf(draft.stepSeconds),
      // The ladder is climbed in this order; the boxes only choose which steps.
      ladder: ESCALATION_STEPS.filter((step) => draft.ladder.includes(step)),
      requiresPhoto: draft.requiresPhoto,
    };
    setBusy(true);
    clear();
    try {
      await api('/api/dispatch-policies', { method: 'PUT', body });
      await onSaved();
    } catch (failure) {
      fail(failure);
    } finally {
      setBusy(false);
    }
  };

  const seconds = (field: 'acknowledgeSeconds' | 'arriveSeconds' | 'stepSeconds', name: 'policies.acknowledge' | 'policies.arrive' | 'policies.step', testId: string) => {
    const value = numberOf(draft[field]);
    return (
      <RuleField label={t('policies.seconds', { label: t(name) })} error={errors[field]} errorTestId={`policy-error-${field}`}>
        <input type="number" value={draft[field]} onChange={(e) => set(field, e.target.value)} data-testid={testId} />
        {value !== null && Number.isFinite(value) && value > 0 && <span className="muted small rules-hint">= {label.duration(value)}</span>}
      </RuleField>
    );
  };

  return (
    <form className="rule-form" onSubmit={(event) => void submit(event)} noValidate data-testid="policy-form">
      <h3>{policy ? t('policies.editTitle', { kind: label.kind(policy.kind), severity: label.severity(policy.severity) }) : t('policies.new')}</h3>
      <div className="form-grid rule-grid">
        <RuleField label={t('policies.kind')} error={errors.kind} errorTestId="policy-error-kind">
          <select value={draft.kind} onChange={(e) => set('kind', e.target.value as Kind)} disabled={Boolean(policy)} data-testid="policy-kind">
            <option value="*">{t('policies.anyKind')}</option>
            {INCIDENT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {t(`incidentKind.${kind}`)}
              </option>
            ))}
          </select>
        </RuleField>
        <RuleField label={t('policies.severity')} error={errors.severity} errorTestId="policy-error-severity">
          <select value={draft.severity} onChange={(e) => set('severity', e.target.value as AlertSeverity | '')} disabled={Boolean(policy)} data-testid="policy-severity">
            <option value="">{t('policies.anySeverity')}</option>
            {ALERT_SEVERITIES.map((severity) => (
              <option key={severity} value={severity}>
                {t(`severity.${severity}`)}
              </option>
            ))}
          </select>
        </RuleField>
        {seconds('acknowledgeSeconds', 'policies.acknowledge', 'policy-acknowledge-input')}
        {seconds('arriveSeconds', 'policies.arrive', 'policy-arrive-input')}
        {seconds('stepSeconds', 'policies.step', 'policy-step-input')}
      </div>
      <fieldset className="rule-checks" data-testid="policy-ladder">
        <legend>{t('policies.ladder')}</legend>
        <p className="muted small">{t('policies.ladderHint')}</p>
        <ol className="rules-ladder">
          {ESCALATION_STEPS.map((step) => (
            <li key={step}>
              <label className="check-row">
                <input type="checkbox" value={step} checked={draft.ladder.includes(step)} onChange={(e) => set('ladder', e.target.checked ? [...draft.ladder, step] : draft.ladder.filter((other) => other !== step))} />
                <span>{t(`policies.step.${step}`)}</span>
              </label>
            </li>
          ))}
        </ol>
        <FieldError message={errors.ladder} testId="policy-error-ladder" />
      </fieldset>
      <label className="form-field checkbox">
        <input type="checkbox" checked={draft.requiresPhoto} onChange={(e) => set('requiresPhoto', e.target.checked)} data-testid="policy-photo" />
        <span>{t('policies.photoForm')}</span>
      </label>
      <FieldError message={errors.form ?? errors.requiresPhoto} testId="policy-error-form" />
      <div className="action-row">
        <button className="button primary" type="submit" disabled={busy} data-testid="policy-save">
          {t('common.save')}
        </button>
        <button className="button ghost" type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
