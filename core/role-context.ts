// What every role receives from the process that starts it. Roles share nothing in memory that
// they could not share across machines: they talk through PostgreSQL and MQTT only.
import type { MqttClient, IClientOptions } from 'mqtt';
import type { Config } from './config.ts';
import type { DatabaseCapabilities } from './database/capabilities.ts';
import type { Database } from './database/pool.ts';
import type { Component } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import type { SecretBox } from './secret-box.ts';

export interface RoleContext {
  config: Config;
  db: Database;
  caps: DatabaseCapabilities;
  logger: Logger;
  secretBox: SecretBox;
  /** Opens a connection to the broker as the CityOps service account. */
  connectMqtt(clientId: string, options?: IClientOptions): Promise<MqttClient>;
}

export interface RoleModule {
  createRole(context: RoleContext): Promise<Component>;
}
