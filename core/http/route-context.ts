// What every feature's REST routes receive from the api role. Features register against this type
// (core owns it), so a worker's routes never depend on the web server that serves them.
import type { FastifyPluginAsync } from 'fastify';
import type { MqttClient } from 'mqtt';
import type { Config } from '../config.ts';
import type { Database } from '../database/pool.ts';
import type { DatabaseCapabilities } from '../database/capabilities.ts';
import type { Logger } from '../logger.ts';
import type { SecretBox } from '../secret-box.ts';

export interface RouteContext {
  config: Config;
  db: Database;
  caps: DatabaseCapabilities;
  logger: Logger;
  secretBox: SecretBox;
  /** The roles' service connection to the broker; undefined when the api role runs without MQTT. */
  mqtt?: MqttClient;
}

/** One feature's REST routes, as a fastify plugin over the route context. */
export type FeatureRoutes = FastifyPluginAsync<RouteContext>;
