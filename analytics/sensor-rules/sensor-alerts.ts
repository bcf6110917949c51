// What to tell the alerts service when what should be open changes (`wanted` now vs `raised` before).
// One situation per (sensor, kind, zone): alarm levels escalate a single `sensor_level` alert (I minor,
// II major, III critical) and clear it once the value is back below level I − hysteresis; salinity uses
// its own zone of `sensor_level`; rate of rise and silence have their own kinds.
import type { AlertOutboxAction } from '@cityops/core/alerts/outbox';
import type { AlertKey } from '@cityops/core/alerts/types';
import type { AlertSeverity, LocalisedText } from '@cityops/contract/alerts';
import { ROMAN, type AlarmLevel } from './levels.ts';
import type { WantedAlerts } from './evaluate.ts';
import type { SensorProfile } from '@cityops/devices/sensor-profile';

/** `field` is the entry of WantedAlerts the action settles once it succeeds. */
export type AlertAction = { field: keyof WantedAlerts } & AlertOutboxAction;

export interface SensorFacts {
  value: number | null;
  tsMs: number | null;
  lastSeenAtMs: number | null;
  rateCmPerHour: number | null;
}

/** What the sensor measures, for alert texts. */
const QUANTITY: Record<SensorProfile['kind'], LocalisedText> = {
  tide_level: { vi: 'Mực nước triều', en: 'Tide level' },
  water_level: { vi: 'Mực nước', en: 'Water level' },
  rainfall: { vi: 'Lượng mưa', en: 'Rainfall' },
  salinity: { vi: 'Độ mặn', en: 'Salinity' },
  soil_moisture: { vi: 'Độ ẩm đất', en: 'Soil moisture' },
  pump_state: { vi: 'Trạng thái bơm', en: 'Pump state' },
};

const LEVEL_SEVERITY: Record<1 | 2 | 3, AlertSeverity> = { 1: 'minor', 2: 'major', 3: 'critical' };
export const SALINITY_ZONE = 'salinity';

const short = (name: string) => (name.length > 120 ? `${name.slice(0, 119)}…` : name);
/** The sensor's name in each language: English titles use its English name when it has one. */
const shortNames = (profile: SensorProfile): LocalisedText => ({ vi: short(profile.name), en: short(profile.nameEn ?? profile.name) });
const formatted = (value: number | null, unit: string) => (value === null ? '?' : `${Number(value.toFixed(3))} ${unit}`);

export function planAlertActions(profile: SensorProfile, wanted: WantedAlerts, raised: WantedAlerts, facts: SensorFacts): AlertAction[] {
  const actions: AlertAction[] = [];
  const key = (kind: AlertKey['kind'], zoneId = ''): AlertKey => ({ sourceType: 'sensor', sourceId: profile.id, kind, zoneId });
  const observedAt = facts.tsMs === null ? undefined : new Date(facts.tsMs);
  const name = shortNames(profile);
  const value = formatted(facts.value, profile.unit);
  const evidence = {
    data: {
      value: facts.value,
      unit: profile.unit,
      at: observedAt?.toISOString() ?? null,
      levels: [profile.level1, profile.level2, profile.level3],
      hysteresis: profile.hysteresis,
    },
  };

  const below = profile.settings.levelsBelow === true;
  if (wanted.level > 0 && wanted.level !== raised.level) {
    const level = wanted.level as 1 | 2 | 3;
    const threshold = [profile.level1, profile.level2, profile.level3][level - 1];
    actions.push({
      field: 'level',
      type: 'raise',
      trigger: {
        ...key('sensor_level'),
        severity: LEVEL_SEVERITY[level],
        title: { vi: `Báo động cấp ${ROMAN[level]}: ${name.vi} ${value}`, en: `Alarm level ${ROMAN[level]}: ${name.en} at ${value}` },
        description: below
          ? {
              vi: `${QUANTITY[profile.kind].vi} ${value} xuống mức báo động cấp ${ROMAN[level]} (≤ ${formatted(threshold, profile.unit)}).`,
              en: `${QUANTITY[profile.kind].en} ${value} fell to alarm level ${ROMAN[level]} (at or below ${formatted(threshold, profile.unit)}).`,
            }
          : {
              vi: `${QUANTITY[profile.kind].vi} ${value} đạt mức báo động cấp ${ROMAN[level]} (${formatted(threshold, profile.unit)}).`,
              en: `${QUANTITY[profile.kind].en} ${value} reached alarm level ${ROMAN[level]} (${formatted(threshold, profile.unit)}).`,
            },
        observedAt,
        evidence,
      },
    });
  } else if (wanted.level === 0 && raised.level > 0) {
    actions.push({
      field: 'level',
      type: 'clear',
      key: key('sensor_level'),
      reason: below
        ? { vi: `Đã lên trên mức báo động cấp I (${value})`, en: `Back above alarm level I (${value})` }
        : { vi: `Đã xuống dưới mức báo động cấp I (${value})`, en: `Back below alarm level I (${value})` },
    });
  }

  if (wanted.rise && !raised.rise) {
    const rate = facts.rateCmPerHour === null ? '?' : Math.round(facts.rateCmPerHour);
    actions.push({
      field: 'rise',
      type: 'raise',
      trigger: {
        ...key('sensor_rate_of_rise'),
        severity: 'major',
        title: { vi: `Nước lên nhanh: ${name.vi} ${rate} cm/giờ`, en: `Fast rise: ${name.en} ${rate} cm/h` },
        description: {
          vi: `Tốc độ lên ${rate} cm/giờ vượt ngưỡng ${profile.settings.rateOfRiseCmPerHour} cm/giờ.`,
          en: `Rising ${rate} cm/h, above the limit of ${profile.settings.rateOfRiseCmPerHour} cm/h.`,
        },
        observedAt,
        evidence: { data: { ...evidence.data, rateCmPerHour: facts.rateCmPerHour, limitCmPerHour: profile.settings.rateOfRiseCmPerHour } },
      },
    });
  } else if (!wanted.rise && raised.rise) {
    actions.push({ field: 'rise', type: 'clear', key: key('sensor_rate_of_rise'), reason: { vi: 'Tốc độ lên đã giảm', en: 'Rise has slowed down' } });
  }

  const intake = profile.settings.intakeName;
  if (wanted.salinity && !raised.salinity) {
    actions.push({
      field: 'salinity',
      type: 'raise',
      trigger: {
        ...key('sensor_level', SALINITY_ZONE),
        severity: 'major',
        ...salinityTexts(profile, name, value),
        observedAt,
        evidence: { data: { ...evidence.data, limit: profile.settings.salinityLimit, ...(intake ? { advice: 'close_intake', intake } : {}) } },
      },
    });
  } else if (!wanted.salinity && raised.salinity) {
    actions.push({
      field: 'salinity',
      type: 'clear',
      key: key('sensor_level', SALINITY_ZONE),
      reason: intake
        ? { vi: `Độ mặn đã dưới ngưỡng (${value}): có thể mở lại ${intake}`, en: `Salinity back below the limit (${value}): ${intake} may open again` }
        : { vi: `Độ mặn đã dưới ngưỡng (${value})`, en: `Salinity back below the limit (${value})` },
    });
  }

  if (wanted.offline && !raised.offline) {
    const since = facts.lastSeenAtMs === null ? null : new Date(facts.lastSeenAtMs).toISOString();
    actions.push({
      field: 'offline',
      type: 'raise',
      trigger: {
        ...key('sensor_offline'),
        severity: 'minor',
        title: { vi: `Mất tín hiệu: ${name.vi}`, en: `Sensor offline: ${name.en}` },
        description: {
          vi: since ? `Không có dữ liệu từ ${since}.` : 'Chưa nhận được dữ liệu nào.',
          en: since ? `No reading since ${since}.` : 'No reading received yet.',
        },
        evidence: { data: { lastSeenAt: since, expectedIntervalSeconds: profile.expectedIntervalSeconds } },
      },
    });
  } else if (!wanted.offline && raised.offline) {
    actions.push({ field: 'offline', type: 'clear', key: key('sensor_offline'), reason: { vi: 'Đã có dữ liệu trở lại', en: 'Readings are arriving again' } });
  }
  return actions;
}

export function alarmLevelOf(value: unknown): AlarmLevel {
  return value === 1 || value === 2 || value === 3 ? value : 0;
}

/** At an intake (rules.intakeName) the alert is advice: close it before salt water reaches the fields. */
function salinityTexts(profile: SensorProfile, name: LocalisedText, value: string): { title: LocalisedText; description: LocalisedText } {
  const limit = formatted(profile.settings.salinityLimit ?? null, profile.unit);
  const intake = profile.settings.intakeName;
  if (!intake) {
    return {
      title: { vi: `Độ mặn vượt ngưỡng: ${name.vi} ${value}`, en: `Salinity above limit: ${name.en} at ${value}` },
      description: { vi: `Độ mặn ${value} vượt giới hạn ${limit}.`, en: `Salinity ${value} is above the limit of ${limit}.` },
    };
  }
  return {
    title: { vi: `Đóng cống lấy nước ${intake}: độ mặn ${value}`, en: `Close intake ${intake}: salinity ${value}` },
    description: {
      vi: `Độ mặn ${value} tại ${name.vi} vượt giới hạn lấy nước ${limit}. Đề nghị đóng ${intake} cho đến khi độ mặn xuống dưới ngưỡng.`,
      en: `Salinity ${value} at ${name.en} is above the intake limit of ${limit}. Close ${intake} until it is back below the limit.`,
    },
  };
}
