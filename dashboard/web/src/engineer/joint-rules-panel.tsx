// The joint rules screen (/engineer/joint-rules, issue #16 part 5): each rule in words, and for engineers
// and admins its form, with the explanation following every change as it is typed, the form's own checks in
// the engineer's language (the API's refusal beside the field it names otherwise), and a dry run of what
// the rule would match now. The command room reads the rules without the edit buttons.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ALERT_SEVERITIES, type AlertSeverity } from '@cityops/contract/alerts';
import { SENSOR_KINDS, type SensorKind } from '@cityops/contract/devices';
import {
  JOINT_ALERT_KINDS,
  JOINT_CAMERA_ALERT_KINDS,
  JOINT_SENSOR_ALERT_KINDS,
  type AlarmLevelNumber,
  type JointAlertKind,
  type JointRule,
  type JointRuleMatch,
  type SensorCondition,
} from '@cityops/contract/joint-rules';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { RuleRowActions } from './rule-row-actions.tsx';
import { useLive } from '../live/live-context.tsx';
import { canEngineer, useUser } from '../session.tsx';
import { EmptyState, ErrorNote, Icon, Spinner } from '../ui.tsx';
import { draftProblems, explainJointRule, type JointRuleDraft } from './joint-rule-explanation.ts';
import { FieldError, numberOf, RuleField, useFormErrors, useRowDelete } from './rule-form.tsx';
import './incident-rules.css';
import './joint-rules.css';

const FIELDS = ['name', 'enabled', 'severity', 'alertKind', 'sensorId', 'sensorKind', 'sensorCondition', 'minLevel', 'sensorAlertKinds', 'cameraAlertKinds', 'radiusM', 'windowMinutes'] as const;

/** The form's state: numbers as typed (an empty field stays null so the check names it). */
type Draft = Omit<JointRuleDraft, 'radiusM' | 'windowMinutes'> & { radiusM: string; windowMinutes: string; target: 'one' | 'kind' };

const draftOf = (rule?: JointRule): Draft => ({
  name: rule?.name ?? '',
  enabled: rule?.enabled ?? true,
  severity: rule?.severity ?? 'critical',
  alertKind: rule?.alertKind ?? 'flooded_road',
  target: rule?.sensorKind ? 'kind' : 'one',
  sensorId: rule?.sensorId ?? null,
  sensorKind: rule?.sensorKind ?? null,
  sensorCondition: rule?.sensorCondition ?? 'level',
  minLevel: rule?.minLevel ?? 2,
  sensorAlertKinds: rule?.sensorAlertKinds ?? [],
  cameraAlertKinds: rule?.cameraAlertKinds ?? ['stalled_vehicle', 'congestion'],
  radiusM: String(rule?.radiusM ?? 500),
  windowMinutes: String(rule?.windowMinutes ?? 30),
});

/** The rule the draft says, as the API takes it. */
const ruleOf = ({ target, ...draft }: Draft): JointRuleDraft => ({
  ...draft,
  sensorId: target === 'one' ? draft.sensorId : null,
  sensorKind: target === 'kind' ? draft.sensorKind : null,
  radiusM: numberOf(draft.radiusM),
  windowMinutes: numberOf(draft.windowMinutes),
});

export function JointRulesPanel() {
  const { t, name: nameOf } = useI18n();
  const live = useLive();
  const canEdit = canEngineer(useUser());
  const [rules, setRules] = useState<JointRule[]>();
  const [loadError, setLoadError] = useState<unknown>();
  const [editing, setEditing] = useState<JointRule | 'new'>();
  const load = useCallback(async () => setRules((await api<{ rules: JointRule[] }>('/api/joint-rules')).rules), []);
  useEffect(() => {
    load().catch(setLoadError);
  }, [load]);
  const { deleting, setDeleting, error, remove } = useRowDelete((id) => `/api/joint-rules/${id}`, load);
  const sensorName = (id: string | null) => (id === null ? undefined : (live.sensor(id) ? nameOf(live.sensor(id)!) : t('jointRules.unknownSensor', { id })));

  return (
    <div className="incident-rules" data-testid="joint-rules-page" data-can-edit={canEdit}>
      <section className="panel table-panel rules-panel" data-testid="joint-rules">
        <header className="panel-header">
          <h2>
            {t('jointRules.title')} <span className="panel-count">{rules?.length ?? ''}</span>
          </h2>
          {canEdit && (
            <button className="button primary small" type="button" onClick={() => setEditing('new')} disabled={editing === 'new'} data-testid="joint-rule-new">
              <Icon name="plus" size={14} /> {t('jointRules.new')}
            </button>
          )}
        </header>
        <p className="muted small rules-explain">{t('jointRules.intro')}</p>
        {!canEdit && <p className="muted small rules-explain">{t('jointRules.readOnly')}</p>}
        {editing && (
          <JointRuleForm
            key={editing === 'new' ? 'new' : editing.id}
            rule={editing === 'new' ? undefined : editing}
            onCancel={() => setEditing(undefined)}
            onSaved={async () => {
              setEditing(undefined);
              await load();
            }}
          />
        )}
        <ErrorNote error={loadError ?? error} />
        {!rules ? (
          <Spinner label={t('common.loading')} />
        ) : rules.length === 0 ? (
          <EmptyState icon="incident" title={t('jointRules.none')} detail={t('jointRules.noneDetail')} />
        ) : (
          <div className="table-scroll">
            <table className="data-table rules-table" data-testid="joint-rule-table">
              <thead>
                <tr>
                  <th>{t('jointRules.name')}</th>
                  <th>{t('jointRules.rule')}</th>
                  <th>{t('jointRules.alertKind')}</th>
                  <th>{t('jointRules.enabled')}</th>
                  {canEdit && <th />}
                </tr>
              </thead>
              <tbody>
                {rules.map((rule) => (
                  <tr key={rule.id} className={rule.enabled ? '' : 'disabled'} data-testid="joint-rule-row" data-rule-name={rule.name}>
                    <td>
                      <strong>{rule.name}</strong>
                    </td>
                    <td className="joint-rule-words" data-testid="joint-rule-words">
                      {explainJointRule(rule, t, sensorName(rule.sensorId))}
                    </td>
                    <td>
                      {t(`kind.${rule.alertKind}`)} · {t(`severity.${rule.severity}`)}
                    </td>
                    <td>
                      <span className={`state-chip ${rule.enabled ? 'ok' : 'offline'}`}>{t(rule.enabled ? 'jointRules.on' : 'jointRules.off')}</span>
                    </td>
                    {canEdit && (
                      <RuleRowActions testId="joint-rule" confirming={deleting === rule.id} onEdit={() => setEditing(rule)} onAskDelete={() => setDeleting(rule.id)} onDelete={() => void remove(rule.id)} onCancel={() => setDeleting(undefined)} />
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function JointRuleForm({ rule, onSaved, onCancel }: { rule?: JointRule; onSaved(): Promise<void>; onCancel(): void }) {
  const { t, language, name: nameOf } = useI18n();
  const live = useLive();
  const [draft, setDraft] = useState<Draft>(() => draftOf(rule));
  const [busy, setBusy] = useState(false);
  const [dryRun, setDryRun] = useState<{ matches: JointRuleMatch[]; sensorsLookedAt: number }>();
  const { errors, clear, fail } = useFormErrors(FIELDS);
  const [problems, setProblems] = useState<ReturnType<typeof draftProblems>>({});
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((current) => ({ ...current, [key]: value }));
    setDryRun(undefined);
  };
  const toggle = <K extends 'sensorAlertKinds' | 'cameraAlertKinds'>(key: K, kind: Draft[K][number], on: boolean) =>
    set(key, (on ? [...draft[key], kind] : draft[key].filter((other) => other !== kind)) as Draft[K]);
  const sensors = [...live.sensors].sort((a, b) => nameOf(a).localeCompare(nameOf(b), language));
  const asRule = ruleOf(draft);
  const sensorName = draft.sensorId && live.sensor(draft.sensorId) ? nameOf(live.sensor(draft.sensorId)!) : undefined;
  const errorOf = (field: keyof typeof problems | (typeof FIELDS)[number]) => (problems as Record<string, string | undefined>)[field] ?? errors[field];

  /** Checks the draft in the engineer's language first; only a draft with no problem goes to the server. */
  const send = async <T,>(url: string, method: string): Promise<T | undefined> => {
    clear();
    const found = draftProblems(asRule, live.sensors, t);
    setProblems(found);
    if (Object.keys(found).length) return undefined;
    setBusy(true);
    try {
      return await api<T>(url, { method, body: asRule });
    } catch (failure) {
      fail(failure);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await send(rule ? `/api/joint-rules/${rule.id}` : '/api/joint-rules', rule ? 'PUT' : 'POST')) await onSaved();
  };
  const tryNow = async () => setDryRun(await send<{ matches: JointRuleMatch[]; sensorsLookedAt: number }>('/api/joint-rules/dry-run', 'POST'));

  return (
    <form className="rule-form joint-rule-form" onSubmit={(event) => void submit(event)} noValidate data-testid="joint-rule-form">
      <h3>{rule ? t('jointRules.editTitle', { name: rule.name }) : t('jointRules.new')}</h3>
      <div className="form-grid rule-grid">
        <RuleField label={t('jointRules.name')} error={errorOf('name')} errorTestId="joint-rule-error-name">
          <input value={draft.name} onChange={(e) => set('name', e.target.value)} maxLength={100} autoComplete="off" data-testid="joint-rule-name" />
        </RuleField>
        <RuleField label={t('jointRules.alertKind')} error={errorOf('alertKind')} errorTestId="joint-rule-error-alertKind">
          <select value={draft.alertKind} onChange={(e) => set('alertKind', e.target.value as JointAlertKind)} data-testid="joint-rule-alert-kind">
            {JOINT_ALERT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {t(`kind.${kind}`)}
              </option>
            ))}
          </select>
        </RuleField>
        <RuleField label={t('jointRules.severity')} error={errorOf('severity')} errorTestId="joint-rule-error-severity">
          <select value={draft.severity} onChange={(e) => set('severity', e.target.value as AlertSeverity)} data-testid="joint-rule-severity">
            {ALERT_SEVERITIES.map((severity) => (
              <option key={severity} value={severity}>
                {t(`severity.${severity}`)}
              </option>
            ))}
          </select>
        </RuleField>
      </div>

      <fieldset className="rule-checks" data-testid="joint-rule-sensor-side">
        <legend>{t('jointRules.sensorSide')}</legend>
        <div className="form-grid rule-grid">
          <RuleField label={t('jointRules.appliesTo')} error={undefined} errorTestId="joint-rule-error-target">
            <select value={draft.target} onChange={(e) => set('target', e.target.value as Draft['target'])} data-testid="joint-rule-target">
              <option value="one">{t('jointRules.oneSensor')}</option>
              <option value="kind">{t('jointRules.anyOfKind')}</option>
            </select>
          </RuleField>
          {draft.target === 'one' ? (
            <RuleField label={t('jointRules.which')} error={errorOf('sensorId')} errorTestId="joint-rule-error-sensorId">
              <select value={draft.sensorId ?? ''} onChange={(e) => set('sensorId', e.target.value || null)} data-testid="joint-rule-sensor">
                <option value="">{t('jointRules.chooseSensor')}</option>
                {sensors.map((sensor) => (
                  <option key={sensor.id} value={sensor.id}>
                    {nameOf(sensor)} ({sensor.id})
                  </option>
                ))}
              </select>
            </RuleField>
          ) : (
            <RuleField label={t('jointRules.sensorKind')} error={errorOf('sensorId') ?? errorOf('sensorKind')} errorTestId="joint-rule-error-sensorId">
              <select value={draft.sensorKind ?? ''} onChange={(e) => set('sensorKind', (e.target.value || null) as SensorKind | null)} data-testid="joint-rule-sensor-kind">
                <option value="">{t('jointRules.chooseSensor')}</option>
                {SENSOR_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {t(`sensorKind.${kind}`)}
                  </option>
                ))}
              </select>
            </RuleField>
          )}
          <RuleField label={t('jointRules.condition')} error={errorOf('sensorCondition')} errorTestId="joint-rule-error-sensorCondition">
            <select value={draft.sensorCondition} onChange={(e) => set('sensorCondition', e.target.value as SensorCondition)} data-testid="joint-rule-condition">
              <option value="level">{t('jointRules.conditionLevel')}</option>
              <option value="alert">{t('jointRules.conditionAlert')}</option>
            </select>
          </RuleField>
          {draft.sensorCondition === 'level' && (
            <RuleField label={t('jointRules.minLevel')} error={errorOf('minLevel')} errorTestId="joint-rule-error-minLevel">
              <select value={draft.minLevel ?? ''} onChange={(e) => set('minLevel', (Number(e.target.value) || null) as AlarmLevelNumber | null)} data-testid="joint-rule-min-level">
                {([1, 2, 3] as const).map((level) => (
                  <option key={level} value={level}>
                    {t('jointRules.level', { level: ['', 'I', 'II', 'III'][level] })}
                  </option>
                ))}
              </select>
            </RuleField>
          )}
        </div>
        {draft.sensorCondition === 'alert' && (
          <>
            <p className="muted small">{t('jointRules.sensorAlertKinds')}</p>
            <div className="rule-check-grid" data-testid="joint-rule-sensor-alert-kinds">
              {JOINT_SENSOR_ALERT_KINDS.map((kind) => (
                <label key={kind} className="check-row">
                  <input type="checkbox" value={kind} checked={draft.sensorAlertKinds.includes(kind)} onChange={(e) => toggle('sensorAlertKinds', kind, e.target.checked)} />
                  <span>{t(`kind.${kind}`)}</span>
                </label>
              ))}
            </div>
            <FieldError message={errorOf('sensorAlertKinds')} testId="joint-rule-error-sensorAlertKinds" />
          </>
        )}
      </fieldset>

      <fieldset className="rule-checks" data-testid="joint-rule-camera-side">
        <legend>{t('jointRules.cameraSide')}</legend>
        <div className="rule-check-grid" data-testid="joint-rule-camera-alert-kinds">
          {JOINT_CAMERA_ALERT_KINDS.map((kind) => (
            <label key={kind} className="check-row">
              <input type="checkbox" value={kind} checked={draft.cameraAlertKinds.includes(kind)} onChange={(e) => toggle('cameraAlertKinds', kind, e.target.checked)} />
              <span>{t(`kind.${kind}`)}</span>
            </label>
          ))}
        </div>
        <FieldError message={errorOf('cameraAlertKinds')} testId="joint-rule-error-cameraAlertKinds" />
        <div className="form-grid rule-grid">
          <RuleField label={t('jointRules.radius')} error={errorOf('radiusM')} errorTestId="joint-rule-error-radiusM">
            <input type="number" value={draft.radiusM} onChange={(e) => set('radiusM', e.target.value)} data-testid="joint-rule-radius" />
          </RuleField>
          <RuleField label={t('jointRules.window')} error={errorOf('windowMinutes')} errorTestId="joint-rule-error-windowMinutes">
            <input type="number" value={draft.windowMinutes} onChange={(e) => set('windowMinutes', e.target.value)} data-testid="joint-rule-window" />
          </RuleField>
        </div>
      </fieldset>

      <label className="form-field checkbox">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.target.checked)} data-testid="joint-rule-enabled" />
        <span>{t('jointRules.enabled')}</span>
      </label>

      <div className="joint-rule-explanation" aria-live="polite">
        <span className="muted small">{t('jointRules.explanation')}</span>
        <p data-testid="joint-rule-explanation">{explainJointRule(asRule, t, sensorName)}</p>
      </div>
      {dryRun && <DryRunResult result={dryRun} />}
      <FieldError message={errors.form} testId="joint-rule-error-form" />
      <div className="action-row">
        <button className="button primary" type="submit" disabled={busy} data-testid="joint-rule-save">
          {t('common.save')}
        </button>
        <button className="button" type="button" disabled={busy} onClick={() => void tryNow()} data-testid="joint-rule-dry-run">
          {t('jointRules.dryRun')}
        </button>
        <button className="button ghost" type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function DryRunResult({ result }: { result: { matches: JointRuleMatch[]; sensorsLookedAt: number } }) {
  const { t } = useI18n();
  if (!result.matches.length) {
    return (
      <p className="muted small" data-testid="joint-rule-dry-run-result">
        {t('jointRules.dryRunNone', { sensors: result.sensorsLookedAt })}
      </p>
    );
  }
  return (
    <div className="small" data-testid="joint-rule-dry-run-result">
      {t('jointRules.dryRunMatches', { count: result.matches.length })}
      <ul className="joint-rule-matches">
        {result.matches.map((match) => (
          <li key={match.sensor.sensorId}>
            {t('jointRules.dryRunMatch', {
              sensor: match.sensor.sensorName,
              level: ['0', 'I', 'II', 'III'][match.sensor.level],
              cameras: match.cameras.map((camera) => `${t(`kind.${camera.kind}`)} — ${t('jointRules.dryRunCamera', { camera: camera.cameraName, distance: camera.distanceM })}`).join('; '),
            })}
          </li>
        ))}
      </ul>
    </div>
  );
}
