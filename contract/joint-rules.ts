// Joint rules (issue #16 part 5): a sensor's state and camera situations near it, together, make one alert.
// "Water level ≥ II at S, and a stalled vehicle or congestion on any camera within 500 m within 30
// minutes → flooded road (critical)". Engineers write them on /engineer/joint-rules; the sensor-ingest
// role evaluates them (analytics/joint-rules/). The server and the web read this vocabulary.
import type { AlertKind, AlertSeverity, LocalisedText } from './alerts.ts';
import type { SensorKind } from './devices.ts';

/** What a joint rule raises: a flooded road, or a generic alert titled with the rule's name. */
export const JOINT_ALERT_KINDS = ['flooded_road', 'joint_rule'] as const satisfies readonly AlertKind[];
export type JointAlertKind = (typeof JOINT_ALERT_KINDS)[number];

/** How the sensor's side holds: its alarm level (sensor_state) at or above a level, or an open alert of its own. */
export const SENSOR_CONDITIONS = ['level', 'alert'] as const;
export type SensorCondition = (typeof SENSOR_CONDITIONS)[number];

/** The sensor alert kinds a rule may wait for. */
export const JOINT_SENSOR_ALERT_KINDS = ['sensor_level', 'sensor_rate_of_rise', 'sensor_forecast', 'pump_failure', 'sensor_offline'] as const satisfies readonly AlertKind[];
export type JointSensorAlertKind = (typeof JOINT_SENSOR_ALERT_KINDS)[number];

/** The camera situations (alert kinds) a rule may wait for. Congestion is how a speed drop shows. */
export const JOINT_CAMERA_ALERT_KINDS = ['stalled_vehicle', 'congestion', 'crowd', 'wrong_way', 'illegal_parking', 'camera_offline', 'camera_tamper'] as const satisfies readonly AlertKind[];
export type JointCameraAlertKind = (typeof JOINT_CAMERA_ALERT_KINDS)[number];

/** Checked by the server on save and by the web's form as it is typed. */
export const JOINT_RULE_LIMITS = {
  nameChars: 100,
  /** Beyond 5 km a camera says little about the water at a gauge. */
  radiusM: { min: 1, max: 5000 },
  /** A day at most: a camera situation older than that is not "together" with a level now. */
  windowMinutes: { min: 1, max: 1440 },
} as const;

export type AlarmLevelNumber = 1 | 2 | 3;

/** What an engineer writes. Exactly one of sensorId and sensorKind is set. */
export interface JointRuleInput {
  name: string;
  enabled: boolean;
  severity: AlertSeverity;
  alertKind: JointAlertKind;
  /** One sensor, or … */
  sensorId: string | null;
  /** … every enabled sensor of this kind (each with its own alert). */
  sensorKind: SensorKind | null;
  sensorCondition: SensorCondition;
  /** For 'level': the alarm level (I-III) the sensor must be at or above. */
  minLevel: AlarmLevelNumber | null;
  /** For 'alert': an open alert of one of these kinds on the sensor. */
  sensorAlertKinds: JointSensorAlertKind[];
  /** An alert of one of these kinds, on any camera within radiusM of the sensor … */
  cameraAlertKinds: JointCameraAlertKind[];
  radiusM: number;
  /** … active at some moment in the last windowMinutes while the sensor's condition holds now. */
  windowMinutes: number;
}

export interface JointRule extends JointRuleInput {
  id: number;
  updatedAt: string;
}

/** One camera situation a rule matched: the camera alert, where and when. */
export interface JointCameraEvidence {
  alertId: number;
  cameraId: string;
  cameraName: string;
  kind: JointCameraAlertKind;
  distanceM: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** When it ended (auto-cleared or resolved); null while it is active. */
  endedAt: string | null;
  hasSnapshot: boolean;
}

/** The sensor's side of a match: its state now and the open alerts that made it hold. */
export interface JointSensorEvidence {
  sensorId: string;
  sensorName: string;
  kind: SensorKind;
  value: number | null;
  unit: string;
  readingAt: string | null;
  level: 0 | AlarmLevelNumber;
  alerts: { alertId: number; kind: JointSensorAlertKind; title: LocalisedText }[];
}

/** What a rule matches now (the dry run answers these; the raised alert's evidence holds one). */
export interface JointRuleMatch {
  sensor: JointSensorEvidence;
  cameras: JointCameraEvidence[];
}
