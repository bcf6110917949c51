// The roles' connection to the broker, with the service account when configured.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';

export function connectMqtt(
  config: Pick<Config, 'MQTT_URL' | 'MQTT_USERNAME' | 'MQTT_PASSWORD'>,
  clientId: string,
  options: IClientOptions = {},
): Promise<MqttClient> {
  if (!config.MQTT_URL) throw new AppError('config_invalid', 'MQTT_URL is not set', 'MQTT_URL');
  const client = mqtt.connect(config.MQTT_URL, {
    clientId,
    username: config.MQTT_USERNAME,
    password: config.MQTT_PASSWORD,
    reconnectPeriod: 2000,
    connectTimeout: 10_000,
    ...options,
  });
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      client.end(true);
      reject(new Error(`MQTT broker unreachable at ${config.MQTT_URL}: ${error.message}`));
    };
    client.once('connect', () => {
      client.off('error', onError);
      resolve(client);
    });
    client.once('error', onError);
  });
}
