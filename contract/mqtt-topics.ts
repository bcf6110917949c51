// Every MQTT topic CityOps publishes or subscribes to, spelled once. Devices, other city systems and
// the broker ACLs depend on these exact strings: changing one is a breaking change for the field.

const ROOT = 'cityops';
/** A device id as it may appear in a topic (the registry's deviceId rule). */
const DEVICE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Everything under CityOps (the service account's ACL). */
export const ALL_TOPICS = `${ROOT}/#`;

/** A sensor's readings, published by the device itself (QoS 1). */
export const sensorReadingTopic = (sensorId: string) => `${ROOT}/sensors/${sensorId}/reading`;
/** What sensor ingest subscribes to. */
export const SENSOR_TOPIC_FILTER = sensorReadingTopic('+');

/** `cityops/sensors/{id}/reading` → id, or undefined when the topic is not of that shape. */
export function sensorIdFromTopic(topic: string): string | undefined {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== ROOT || parts[1] !== 'sensors' || parts[3] !== 'reading') return undefined;
  return DEVICE_ID.test(parts[2]) ? parts[2] : undefined;
}

/** A shared subscription (MQTT 5): each message goes to one member of `group`. */
export const sharedSubscription = (group: string, filter: string) => `$share/${group}/${filter}`;

/** Frames of cameras holding an analysis slot, for the analytics workers (QoS 0, not retained). */
export const FRAME_TOPIC_PREFIX = `${ROOT}/frames`;
export const frameTopic = (cameraId: string, prefix = FRAME_TOPIC_PREFIX) => `${prefix}/${cameraId}`;

/**
 * One notice per analysed frame, from the analytics worker that analysed it (QoS 0, not retained):
 * `{ "capturedAt": ms, "analysedAt": ms, "objects": tracks in the frame }`, capturedAt being when camera-ingest read the
 * frame from ffmpeg. How far behind live analysis runs, per camera (the vision-live bench reads it).
 */
export const ANALYSED_FRAME_TOPIC_PREFIX = `${ROOT}/analysed`;
export const analysedFrameTopic = (cameraId: string, prefix = ANALYSED_FRAME_TOPIC_PREFIX) => `${prefix}/${cameraId}`;

export interface AnalysedFrameNotice {
  capturedAt: number;
  analysedAt: number;
  objects: number;
}

/** The camera id of a frame topic, or undefined when the topic is not one. */
export function cameraIdOfTopic(topic: string, prefix = FRAME_TOPIC_PREFIX): string | undefined {
  if (!topic.startsWith(`${prefix}/`)) return undefined;
  const id = topic.slice(prefix.length + 1);
  return DEVICE_ID.test(id) ? id : undefined;
}

/** The copy of each alert change other city systems read: `cityops/alerts/{district}/{kind}`, 'none' without a district. */
export const alertCopyTopic = (alert: { districtId: string | null; kind: string }) => `${ROOT}/alerts/${alert.districtId ?? 'none'}/${alert.kind}`;
