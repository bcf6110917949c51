// The embedded default broker: aedes (MQTT 3.1.1) on loopback. Production uses Mosquitto or EMQX
// (MQTT 5, shared subscriptions); sensor-ingest detects which it talks to.
// Access control mirrors the production broker's ACL: the CityOps service account may do anything;
// a sensor device may publish only to its own reading topic and subscribe to nothing, and may connect
// only with a client id it owns — its username, or its username followed by ':' and anything — so it
// cannot take over (and wipe) the persistent session of sensor-ingest or of another device.
import { createServer, type Server } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Aedes } from 'aedes';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import { counter } from '../metrics.ts';
import { guardPacketSize } from './packet-size-guard.ts';

const brokerRejections = counter('cityops_broker_rejections_total', 'Embedded broker refusals', ['reason']);

export interface DeviceAuthenticator {
  /** Returns the sensor id these credentials belong to, or undefined. */
  authenticate(username: string, password: string): Promise<string | undefined>;
}

export const sensorReadingTopic = (sensorId: string) => `cityops/sensors/${sensorId}/reading`;

/** Client ids a device account may use. ':' cannot appear in a username, so no device owns another's. */
export const deviceOwnsClientId = (username: string, clientId: string) => clientId === username || clientId.startsWith(`${username}:`);

/**
 * Constant-time password check. The digests have a fixed length whatever was sent: timingSafeEqual throws
 * on buffers of different lengths, and a multibyte password of the right length in characters used to
 * reach it with more bytes than the real one — an uncaught exception that ended the process.
 */
function samePassword(given: Buffer, expected: string): boolean {
  const digest = (value: Buffer | string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export class EmbeddedBroker implements Component {
  readonly name = 'embedded-mqtt';
  private broker?: Aedes;
  private server?: Server;
  actualPort = 0;

  constructor(
    private readonly options: {
      port: number;
      host?: string;
      serviceUsername: string;
      servicePassword: string;
      devices: DeviceAuthenticator;
      logger: Logger;
      /** Larger packets close the connection (default 263168: a 256 KB batch plus headers, as Mosquitto). */
      maxPacketBytes?: number;
    },
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.actualPort}`;
  }

  async start(): Promise<void> {
    const { serviceUsername, servicePassword, devices, logger } = this.options;
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const given = password ?? Buffer.alloc(0);
        if (!username) {
          brokerRejections.inc({ reason: 'anonymous' });
          return done(Object.assign(new Error('anonymous connections are not allowed'), { returnCode: 4 as const }), false);
        }
        if (username === serviceUsername) {
          const ok = samePassword(given, servicePassword);
          if (!ok) brokerRejections.inc({ reason: 'bad_service_password' });
          return ok ? done(null, true) : done(Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), false);
        }
        if (!deviceOwnsClientId(username, client.id)) {
          brokerRejections.inc({ reason: 'foreign_client_id' });
          logger.warn({ username, clientId: client.id.slice(0, 128) }, 'device refused: client id not its own');
          return done(Object.assign(new Error(`device ${username} may only use client id ${username} or ${username}:…`), { returnCode: 2 as const }), false);
        }
        devices
          .authenticate(username, given.toString())
          .then((sensorId) => {
            if (!sensorId) {
              brokerRejections.inc({ reason: 'bad_device_credentials' });
              return done(Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), false);
            }
            (client as unknown as { sensorId?: string }).sensorId = sensorId;
            done(null, true);
          })
          .catch((error) => {
            logger.warn({ err: error }, 'device authentication failed');
            done(Object.assign(new Error('server unavailable'), { returnCode: 3 as const }), false);
          });
      },
      authorizePublish: (client, packet, done) => {
        const sensorId = (client as unknown as { sensorId?: string } | null)?.sensorId;
        if (!client || !sensorId) return done(null); // broker-internal or service account
        if (packet.topic === sensorReadingTopic(sensorId)) return done(null);
        brokerRejections.inc({ reason: 'acl_publish' });
        done(new Error(`device ${sensorId} may only publish to ${sensorReadingTopic(sensorId)}`));
      },
      authorizeSubscribe: (client, subscription, done) => {
        const sensorId = (client as unknown as { sensorId?: string }).sensorId;
        if (!sensorId) return done(null, subscription);
        brokerRejections.inc({ reason: 'acl_subscribe' });
        done(new Error('devices may not subscribe'));
      },
    });
    this.broker = broker;
    const maxPacketBytes = this.options.maxPacketBytes ?? 263_168;
    this.server = createServer((socket) => {
      guardPacketSize(socket, maxPacketBytes, (announcedBytes) => {
        brokerRejections.inc({ reason: 'packet_too_large' });
        logger.warn({ announcedBytes, limit: maxPacketBytes, remote: socket.remoteAddress }, 'MQTT packet over the size limit; connection closed');
      });
      broker.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = this.server.address();
    this.actualPort = typeof address === 'object' && address ? address.port : this.options.port;
    logger.info({ port: this.actualPort }, 'embedded MQTT broker listening');
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.broker ? this.broker.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.broker = undefined;
    this.server = undefined;
  }
}
