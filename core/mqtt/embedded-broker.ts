// The embedded default broker: aedes (MQTT 3.1.1) on loopback. Production uses Mosquitto or EMQX
// (MQTT 5, shared subscriptions); sensor-ingest detects which it talks to.
// Access control mirrors the production broker's ACL: the CityOps service account may do anything;
// a sensor device may publish only to its own reading topic and subscribe to nothing, and may connect
// only with a client id it owns — its username, or its username followed by ':' and anything — so it
// cannot take over (and wipe) the persistent session of sensor-ingest or of another device.
// Supervised: if its listening socket closes on its own, it listens again on the same port.
import { createServer, type Server } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Aedes } from 'aedes';
import { sensorReadingTopic } from '@cityops/contract/mqtt-topics';
import { componentHealth, embeddedRestarts } from '../health.ts';
import { backoffMs, type Component } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import { counter } from '../metrics.ts';
import { guardPacketSize } from './packet-size-guard.ts';

const LISTENING_CHECK_MS = 1000;
const brokerRejections = counter('cityops_broker_rejections_total', 'Embedded broker refusals', ['reason']);

export interface DeviceAuthenticator {
  /** Returns the sensor id these credentials belong to, or undefined. */
  authenticate(username: string, password: string): Promise<string | undefined>;
}

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
  private stopping = false;
  private stopped = new AbortController();
  private restarting?: Promise<void>;
  private listeningCheck?: NodeJS.Timeout;
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
    this.stopping = false;
    this.stopped = new AbortController();
    await this.listen(this.options.port);
    this.watchListening();
    componentHealth.set(this.name, 'ok');
    logger.info({ port: this.actualPort }, 'embedded MQTT broker listening');
  }

  private async listen(port: number): Promise<void> {
    const broker = this.broker!;
    const { logger } = this.options;
    const maxPacketBytes = this.options.maxPacketBytes ?? 263_168;
    const server = createServer((socket) => {
      guardPacketSize(socket, maxPacketBytes, (announcedBytes) => {
        brokerRejections.inc({ reason: 'packet_too_large' });
        logger.warn({ announcedBytes, limit: maxPacketBytes, remote: socket.remoteAddress }, 'MQTT packet over the size limit; connection closed');
      });
      broker.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    this.actualPort = typeof address === 'object' && address ? address.port : port;
    // An accept error (out of file descriptors, say) is logged; the server keeps listening.
    server.on('error', (error) => this.options.logger.error({ err: error }, 'embedded MQTT broker socket error'));
  }

  /**
   * Checked on a timer rather than on the server's 'close' event: 'close' waits for every open
   * connection to end, and the service accounts' connections never do.
   */
  private watchListening(): void {
    this.listeningCheck = setInterval(() => {
      if (!this.server?.listening && !this.stopping) this.restarting ??= this.listenAgain().finally(() => (this.restarting = undefined));
    }, LISTENING_CHECK_MS);
    this.listeningCheck.unref();
  }

  /** The listening socket closed on its own: listen again on the same port, with backoff, until stopped. */
  private async listenAgain(): Promise<void> {
    const { logger } = this.options;
    componentHealth.set(this.name, 'down');
    embeddedRestarts.inc({ component: this.name });
    logger.error({ port: this.actualPort }, 'embedded MQTT broker stopped listening; listening again');
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        await this.listen(this.actualPort);
        componentHealth.set(this.name, 'ok');
        logger.info({ port: this.actualPort, attempt }, 'embedded MQTT broker listening again');
        return;
      } catch (error) {
        if (attempt === 0) logger.warn({ err: error }, 'embedded MQTT broker cannot listen yet; retrying with backoff');
        await sleep(backoffMs(attempt, 500, 10_000), undefined, { signal: this.stopped.signal }).catch(() => undefined);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    clearInterval(this.listeningCheck);
    await this.restarting;
    componentHealth.remove(this.name);
    await new Promise<void>((resolve) => (this.broker ? this.broker.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.broker = undefined;
    this.server = undefined;
  }
}
