// A joint rule in words, made from the rule as it is (saved, or being typed: missing parts say so), in the
// language of `t`; and the checks the form makes before it asks the server, each naming its field. The
// server checks the same (analytics/joint-rules/rule-schema.ts) and answers in English; these say it in
// the engineer's language.
import { JOINT_RULE_LIMITS, type JointRuleInput } from '@cityops/contract/joint-rules';
import type { Sensor } from '@cityops/contract/devices';
import type { Translate } from '../i18n-core.ts';

const ROMAN = ['', 'I', 'II', 'III'] as const;

/** The rule as the form holds it: numbers may be missing or not numbers yet while typed. */
export type JointRuleDraft = Omit<JointRuleInput, 'radiusM' | 'windowMinutes'> & { radiusM: number | null; windowMinutes: number | null };

/** "Stalled vehicle" inside a sentence: "stalled vehicle". */
const inSentence = (label: string) => label.charAt(0).toLocaleLowerCase('vi') + label.slice(1);

function listOf(labels: string[], t: Translate): string {
  return labels.length ? labels.map(inSentence).join(t('jointRules.explain.or')) : t('jointRules.explain.nothing');
}

export function explainJointRule(rule: JointRuleDraft, t: Translate, sensorName?: string): string {
  const level = rule.minLevel ? ROMAN[rule.minLevel] : t('jointRules.explain.noLevel');
  const sensor = rule.sensorId ? (sensorName ?? rule.sensorId) : t('jointRules.explain.noSensor');
  const sensorKind = rule.sensorKind ? t(`sensorKind.${rule.sensorKind}`) : t('jointRules.explain.noSensor');
  const alerts = listOf(rule.sensorAlertKinds.map((kind) => t(`kind.${kind}`)), t);
  const byKind = rule.sensorId === null && rule.sensorKind !== null;
  const sensorPart =
    rule.sensorCondition === 'level'
      ? t(byKind ? 'jointRules.explain.kindLevel' : 'jointRules.explain.oneLevel', { sensor, sensorKind, level })
      : t(byKind ? 'jointRules.explain.kindAlert' : 'jointRules.explain.oneAlert', { sensor, sensorKind, alerts });
  const clearPart = rule.sensorCondition === 'level' ? t('jointRules.explain.clearLevel', { level }) : t('jointRules.explain.clearAlert');
  const sentence = t('jointRules.explain.sentence', {
    sensorPart,
    window: rule.windowMinutes ?? '?',
    situations: listOf(rule.cameraAlertKinds.map((kind) => t(`kind.${kind}`)), t),
    radius: rule.radiusM ?? '?',
    kind: rule.alertKind === 'joint_rule' && rule.name.trim() ? rule.name.trim() : t(`kind.${rule.alertKind}`),
    severity: inSentence(t(`severity.${rule.severity}`)),
    clearPart,
  });
  return rule.enabled ? sentence : `${sentence} ${t('jointRules.explain.off')}`;
}

export type JointRuleField = 'name' | 'sensorId' | 'minLevel' | 'sensorAlertKinds' | 'cameraAlertKinds' | 'radiusM' | 'windowMinutes';

/** What is wrong with a draft, by field, in the engineer's language; empty when the server may be asked. */
export function draftProblems(rule: JointRuleDraft, sensors: Sensor[], t: Translate): Partial<Record<JointRuleField, string>> {
  const problems: Partial<Record<JointRuleField, string>> = {};
  const { radiusM, windowMinutes, nameChars } = JOINT_RULE_LIMITS;
  if (!rule.name.trim() || rule.name.trim().length > nameChars) problems.name = t('jointRules.error.name');
  if ((rule.sensorId === null) === (rule.sensorKind === null)) problems.sensorId = t('jointRules.error.sensor');
  const sensor = rule.sensorId === null ? undefined : sensors.find((candidate) => candidate.id === rule.sensorId);
  if (sensor && (sensor.lat === null || sensor.lon === null)) problems.sensorId = t('jointRules.error.sensorUnplaced');
  if (rule.sensorCondition === 'level') {
    if (!rule.minLevel) problems.minLevel = t('jointRules.error.minLevel');
    else if (sensor && sensor[`level${rule.minLevel}`] === null) problems.minLevel = t('jointRules.error.levelMissing', { level: ROMAN[rule.minLevel] });
  } else if (!rule.sensorAlertKinds.length) {
    problems.sensorAlertKinds = t('jointRules.error.sensorAlertKinds');
  }
  if (!rule.cameraAlertKinds.length) problems.cameraAlertKinds = t('jointRules.error.cameraAlertKinds');
  const whole = (value: number | null, min: number, max: number) => value !== null && Number.isInteger(value) && value >= min && value <= max;
  if (!whole(rule.radiusM, radiusM.min, radiusM.max)) problems.radiusM = t('jointRules.error.radiusM', { max: radiusM.max });
  if (!whole(rule.windowMinutes, windowMinutes.min, windowMinutes.max)) problems.windowMinutes = t('jointRules.error.windowMinutes', { min: windowMinutes.min, max: windowMinutes.max });
  return problems;
}

