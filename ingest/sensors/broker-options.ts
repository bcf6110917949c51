// How sensor ingest connects to the broker: the same settings for the role's worker and for
// `npm run sensors:drain`, only the client id differs.
import type { Config } from '@cityops/core/config';
import type { IngestWorkerOptions } from './ingest-worker.ts';

export function brokerOptions(config: Config, clientId: string): IngestWorkerOptions['broker'] {
  if (!config.MQTT_URL) throw new Error('sensor ingest needs MQTT_URL (or the embedded broker)');
  return {
    url: config.MQTT_URL,
    clientId,
    username: config.MQTT_USERNAME,
    password: config.MQTT_PASSWORD,
    sessionExpirySeconds: config.SENSOR_INGEST_SESSION_EXPIRY_SECONDS,
    receiveMaximum: config.SENSOR_INGEST_RECEIVE_MAXIMUM,
  };
}
