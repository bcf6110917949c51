// What a joint rule matches, from the facts the system already holds: each sensor's alarm level and open
// alerts, and the camera alerts of the last minutes with their places. Pure: the evaluator reads the
// facts (repository.ts) and settles the alerts; the dry run shows the same matches.
//
// The time window, read as "both true within W minutes of each other": the sensor's condition holds now,
// and a camera situation near it was true at some moment of the last W minutes (active now, or ended at
// most W minutes ago). The joint alert clears when the sensor's condition ends, or when no such camera
// situation has been true for W minutes.
import type { AlertKey, AlertTrigger } from '@cityops/core/alerts/types';
import type { LocalisedText } from '@cityops/contract/alerts';
import type {
  JointCameraAlertKind,
  JointCameraEvidence,
  JointRuleInput,
  JointRuleMatch,
  JointSensorEvidence,
} from '@cityops/contract/joint-rules';

/** A registered, enabled, placed sensor and its state now. */
export interface SensorFacts extends JointSensorEvidence {
  lat: number;
  lon: number;
}

/** A camera alert of the last minutes: active, or ended (auto-cleared, resolved) within the longest window. */
export interface CameraSituation {
  alertId: number;
  cameraId: string;
  cameraName: string;
  kind: JointCameraAlertKind;
  lat: number;
  lon: number;
  firstSeenAtMs: number;
  lastSeenAtMs: number;
  endedAtMs: number | null;
  hasSnapshot: boolean;
}

/** A rule as the evaluator needs it: what was saved, with its id. */
export type EvaluatedRule = JointRuleInput & { id: number };

/** One sensor a rule looks at, and what it found there. */
export interface SensorOutcome {
  sensor: SensorFacts;
  sensorHolds: boolean;
  /** Camera situations within the radius and window, nearest first (empty when the sensor does not hold). */
  cameras: JointCameraEvidence[];
}

const EARTH_RADIUS_M = 6371008.8;
const ROMAN = ['', 'I', 'II', 'III'] as const;
/** Evidence lists at most this many cameras (the alert's evidence is capped at 64 KB). */
export const MAX_CAMERA_EVIDENCE = 20;

/** Great-circle distance (haversine, as cityops_distance_m in SQL: a city is small enough for the sphere). */
export function distanceMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h));
}

export const jointZoneId = (ruleId: number) => `joint-rule-${ruleId}`;

export function sensorsOfRule(rule: JointRuleInput, sensors: SensorFacts[]): SensorFacts[] {
  return sensors.filter((sensor) => (rule.sensorId !== null ? sensor.sensorId === rule.sensorId : sensor.kind === rule.sensorKind));
}

export function sensorConditionHolds(rule: JointRuleInput, sensor: JointSensorEvidence): boolean {
  if (rule.sensorCondition === 'level') return rule.minLevel !== null && sensor.level >= rule.minLevel;
  return sensor.alerts.some((alert) => rule.sensorAlertKinds.includes(alert.kind));
}

/** Camera situations of the rule's kinds within its radius of the sensor, true at some moment of the window. */
export function cameraSituationsNear(rule: JointRuleInput, sensor: SensorFacts, situations: CameraSituation[], nowMs: number): JointCameraEvidence[] {
  const windowStartMs = nowMs - rule.windowMinutes * 60_000;
  const near: JointCameraEvidence[] = [];
  for (const situation of situations) {
    if (!rule.cameraAlertKinds.includes(situation.kind)) continue;
    if (situation.endedAtMs !== null && situation.endedAtMs < windowStartMs) continue;
    const distanceM = distanceMetres(sensor.lat, sensor.lon, situation.lat, situation.lon);
    if (distanceM > rule.radiusM) continue;
    near.push({
      alertId: situation.alertId,
      cameraId: situation.cameraId,
      cameraName: situation.cameraName,
      kind: situation.kind,
      distanceM: Math.round(distanceM),
      firstSeenAt: new Date(situation.firstSeenAtMs).toISOString(),
      lastSeenAt: new Date(situation.lastSeenAtMs).toISOString(),
      endedAt: situation.endedAtMs === null ? null : new Date(situation.endedAtMs).toISOString(),
      hasSnapshot: situation.hasSnapshot,
    });
  }
  return near.sort((a, b) => a.distanceM - b.distanceM || a.alertId - b.alertId);
}

/** Every sensor the rule looks at, whether its condition holds, and the camera situations near it. */
export function evaluateRule(rule: JointRuleInput, sensors: SensorFacts[], situations: CameraSituation[], nowMs: number): SensorOutcome[] {
  return sensorsOfRule(rule, sensors).map((sensor) => {
    const sensorHolds = sensorConditionHolds(rule, sensor);
    return { sensor, sensorHolds, cameras: sensorHolds ? cameraSituationsNear(rule, sensor, situations, nowMs) : [] };
  });
}

/** The sensor as the evidence shows it (its place is the alert's own). */
const sensorEvidence = ({ sensorId, sensorName, kind, value, unit, readingAt, level, alerts }: SensorFacts): JointSensorEvidence => ({ sensorId, sensorName, kind, value, unit, readingAt, level, alerts });

/** The matches (both sides true) of a rule now. */
export function matchesOf(rule: JointRuleInput, sensors: SensorFacts[], situations: CameraSituation[], nowMs: number): JointRuleMatch[] {
  return evaluateRule(rule, sensors, situations, nowMs)
    .filter((outcome) => outcome.sensorHolds && outcome.cameras.length > 0)
    .map(({ sensor, cameras }) => ({ sensor: sensorEvidence(sensor), cameras }));
}

/**
 * What the alert's content depends on: raised again only when this changes (a new camera situation, a
 * higher level), not at every pass.
 */
export function matchSignature(rule: EvaluatedRule, match: JointRuleMatch): string {
  const sensorSide = rule.sensorCondition === 'level' ? `level${match.sensor.level}` : match.sensor.alerts.map((alert) => alert.alertId).sort((a, b) => a - b).join(',');
  return `${rule.severity}|${sensorSide}|${match.cameras.map((camera) => camera.alertId).sort((a, b) => a - b).join(',')}`;
}

/** The camera situations in words, for alert texts: "stalled vehicle", "xe dừng bất thường". */
const SITUATION_WORDS: Record<JointCameraAlertKind, LocalisedText> = {
  stalled_vehicle: { vi: 'xe dừng bất thường', en: 'stalled vehicle' },
  congestion: { vi: 'ùn tắc, xe chạy chậm', en: 'congestion (traffic slowed down)' },
  crowd: { vi: 'tụ tập đông người', en: 'crowd' },
  wrong_way: { vi: 'xe đi ngược chiều', en: 'wrong-way vehicle' },
  illegal_parking: { vi: 'đỗ xe trái phép', en: 'illegal parking' },
  camera_offline: { vi: 'camera mất kết nối', en: 'camera offline' },
  camera_tamper: { vi: 'camera bị che hoặc xoay', en: 'camera tampered with' },
};

const shortName = (name: string) => (name.length > 100 ? `${name.slice(0, 99)}…` : name);
const decimal = (value: number, language: 'vi' | 'en') => (language === 'vi' ? String(Number(value.toFixed(3))).replace('.', ',') : String(Number(value.toFixed(3))));

function sensorWords(rule: JointRuleInput, sensor: JointSensorEvidence, language: 'vi' | 'en'): string {
  const name = shortName(sensor.sensorName);
  if (rule.sensorCondition === 'level') {
    const value = sensor.value === null ? '' : ` (${decimal(sensor.value, language)} ${sensor.unit})`;
    return language === 'vi' ? `${name} ở mức báo động cấp ${ROMAN[sensor.level]}${value}` : `${name} at alarm level ${ROMAN[sensor.level]}${value}`;
  }
  const titles = sensor.alerts.filter((alert) => rule.sensorAlertKinds.includes(alert.kind)).map((alert) => alert.title[language]);
  return `${name}: ${titles.join('; ')}`;
}

function cameraWords(cameras: JointCameraEvidence[], language: 'vi' | 'en'): string {
  const shown = cameras.slice(0, 5).map((camera) => {
    const ended = camera.endedAt ? (language === 'vi' ? ', đã kết thúc' : ', ended') : '';
    return language === 'vi'
      ? `${SITUATION_WORDS[camera.kind].vi} tại ${shortName(camera.cameraName)} (${camera.distanceM} m${ended})`
      : `${SITUATION_WORDS[camera.kind].en} at ${shortName(camera.cameraName)} (${camera.distanceM} m${ended})`;
  });
  const more = cameras.length - shown.length;
  if (more > 0) shown.push(language === 'vi' ? `và ${more} tình huống khác` : `and ${more} more`);
  return shown.join(', ');
}

/** The alert a match raises: on the sensor (its place and district), one per rule and sensor. */
export function jointAlertTrigger(rule: EvaluatedRule, match: JointRuleMatch, nowMs: number): AlertTrigger {
  const sensorName = shortName(match.sensor.sensorName);
  const title: LocalisedText =
    rule.alertKind === 'flooded_road'
      ? { vi: `Đường ngập gần ${sensorName}`, en: `Flooded road near ${sensorName}` }
      : { vi: `${rule.name}: ${sensorName}`, en: `${rule.name}: ${sensorName}` };
  const cameras = match.cameras.slice(0, MAX_CAMERA_EVIDENCE);
  return {
    sourceType: 'sensor',
    sourceId: match.sensor.sensorId,
    kind: rule.alertKind,
    zoneId: jointZoneId(rule.id),
    severity: rule.severity,
    title,
    description: {
      vi: `${sensorWords(rule, match.sensor, 'vi')}; trong ${rule.windowMinutes} phút, camera trong bán kính ${rule.radiusM} m ghi nhận: ${cameraWords(match.cameras, 'vi')}. Quy tắc kết hợp “${rule.name}”.`,
      en: `${sensorWords(rule, match.sensor, 'en')}; within ${rule.windowMinutes} min, cameras within ${rule.radiusM} m saw: ${cameraWords(match.cameras, 'en')}. Joint rule “${rule.name}”.`,
    },
    observedAt: new Date(nowMs),
    evidence: {
      data: {
        rule: { id: rule.id, name: rule.name },
        sensor: match.sensor,
        cameras,
        camerasMatched: match.cameras.length,
        signature: matchSignature(rule, match),
      },
    },
  };
}

/** Why a joint alert clears, in words. */
export function clearReason(rule: JointRuleInput | undefined, outcome: SensorOutcome | undefined): LocalisedText {
  if (!rule || !rule.enabled || !outcome) return { vi: 'Quy tắc đã tắt, bị xóa hoặc không còn áp dụng cho cảm biến này', en: 'The rule was turned off, deleted or no longer applies to this sensor' };
  if (!outcome.sensorHolds) {
    return rule.sensorCondition === 'level'
      ? { vi: `Cảm biến đã dưới mức báo động cấp ${ROMAN[rule.minLevel ?? 1]}`, en: `The sensor is below alarm level ${ROMAN[rule.minLevel ?? 1]} again` }
      : { vi: 'Cảnh báo của cảm biến đã kết thúc', en: 'The sensor\'s alert has ended' };
  }
  return {
    vi: `Không còn tình huống camera nào trong bán kính ${rule.radiusM} m trong ${rule.windowMinutes} phút qua`,
    en: `No camera situation within ${rule.radiusM} m in the last ${rule.windowMinutes} min`,
  };
}


/** An open joint alert, as the plan needs it. */
export interface OpenJointAlertKey {
  sensorId: string;
  kind: string;
  zoneId: string;
  signature: string | null;
}

export interface JointAlertPlan {
  /** New matches, and matches whose evidence changed (a new camera situation, a higher level). */
  raise: { trigger: AlertTrigger; match: JointRuleMatch }[];
  clear: { key: AlertKey; reason: LocalisedText }[];
}

const keyText = (sensorId: string, kind: string, zoneId: string) => `${sensorId}|${kind}|${zoneId}`;

/** What to raise and what to clear, from the enabled rules' matches and the joint alerts open now. */
export function planJointAlerts(rules: EvaluatedRule[], sensors: SensorFacts[], situations: CameraSituation[], open: OpenJointAlertKey[], nowMs: number): JointAlertPlan {
  const openByKey = new Map(open.map((alert) => [keyText(alert.sensorId, alert.kind, alert.zoneId), alert]));
  const wanted = new Set<string>();
  const outcomes = new Map<string, SensorOutcome>();
  const plan: JointAlertPlan = { raise: [], clear: [] };
  for (const rule of rules.filter((candidate) => candidate.enabled)) {
    for (const outcome of evaluateRule(rule, sensors, situations, nowMs)) {
      outcomes.set(`${rule.id}|${outcome.sensor.sensorId}`, outcome);
      if (!outcome.sensorHolds || !outcome.cameras.length) continue;
      const match: JointRuleMatch = { sensor: sensorEvidence(outcome.sensor), cameras: outcome.cameras };
      const key = keyText(match.sensor.sensorId, rule.alertKind, jointZoneId(rule.id));
      wanted.add(key);
      if (openByKey.get(key)?.signature !== matchSignature(rule, match)) plan.raise.push({ trigger: jointAlertTrigger(rule, match, nowMs), match });
    }
  }
  const rulesById = new Map(rules.map((rule) => [rule.id, rule]));
  for (const alert of open) {
    if (wanted.has(keyText(alert.sensorId, alert.kind, alert.zoneId))) continue;
    const ruleId = Number(alert.zoneId.slice('joint-rule-'.length));
    const rule = rulesById.get(ruleId);
    const sameKind = rule?.alertKind === alert.kind;
    plan.clear.push({
      key: { sourceType: 'sensor', sourceId: alert.sensorId, kind: alert.kind as JointRuleInput['alertKind'], zoneId: alert.zoneId },
      reason: clearReason(sameKind ? rule : undefined, outcomes.get(`${ruleId}|${alert.sensorId}`)),
    });
  }
  return plan;
}
