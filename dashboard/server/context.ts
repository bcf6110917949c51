// What the API role needs from the rest of the process: passed to every route plugin.
import type { Config } from '@cityops/core/config';
import type { Database } from '@cityops/core/database/pool';
import type { DatabaseCapabilities } from '@cityops/core/database/capabilities';
import type { Logger } from '@cityops/core/logger';
import type { SecretBox } from '@cityops/core/secret-box';
import type { MqttClient } from 'mqtt';

export interface ApiContext {
  config: Config;
  db: Database;
  caps: DatabaseCapabilities;
  logger: Logger;
  secretBox: SecretBox;
  /** The roles' service connection to the broker; undefined when the api role runs without MQTT. */
  mqtt?: MqttClient;
}
