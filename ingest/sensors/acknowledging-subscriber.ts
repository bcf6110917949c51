// A small MQTT subscriber whose PUBACKs are sent by the caller, after the message is safe.
//
// Why not mqtt.js: its `customHandleAcks` / `handleMessage` hooks hold the client's packet pump until the
// acknowledgement callback runs, so deferring a PUBACK until a batch commits would stop every other
// message from arriving — batches of one. Here the pump never waits: each delivered message carries an
// `ack()` that writes its PUBACK whenever the caller decides (after the COPY commits, or after the batch
// reached the local spool). The broker keeps un-acknowledged messages in the session and redelivers them
// to this client id if the connection drops, so a crash before the commit loses nothing.
//
// Scope: MQTT 3.1.1 and 5 over TCP or TLS (mqtt://, mqtts://), one subscription at QoS 1, persistent
// session, keep-alive, reconnect with backoff. Publishing is not needed here (devices publish).
import net from 'node:net';
import tls from 'node:tls';
import mqttPacket, { type Packet, type IPublishPacket } from 'mqtt-packet';
import { backoffMs, type Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { redactUrl } from '@cityops/core/logger';
import { counter } from '@cityops/core/metrics';

const handlerFailures = counter('cityops_sensor_handler_failures_total', 'Sensor messages whose handler threw; acknowledged and dropped');

export interface DeliveredMessage {
  topic: string;
  payload: Buffer;
  /** The broker marked this as a redelivery (DUP): an earlier copy may already be stored. */
  redelivered: boolean;
  /** Sends the PUBACK. Ignored when the connection it arrived on has since closed (the broker will redeliver). */
  ack(): void;
}

export interface SubscriberOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** 5 for MQTT 5 (shared subscriptions, session expiry, receive maximum); 4 for MQTT 3.1.1. */
  protocolVersion: 4 | 5;
  topicFilter: string;
  /** MQTT 5: how long the broker keeps the session (and queues messages) while this client is away. */
  sessionExpirySeconds: number;
  /** MQTT 5: how many un-acknowledged messages the broker may have in flight to us; bounds memory. */
  receiveMaximum: number;
  keepaliveSeconds?: number;
  logger: Logger;
  onMessage(message: DeliveredMessage): void;
  onConnectionChange?(connected: boolean): void;
}

export class AcknowledgingSubscriber implements Component {
  readonly name = 'mqtt-subscriber';
  private socket?: net.Socket;
  /** Incremented per connection; an ack from an older connection must not be written to a newer one. */
  private generation = 0;
  private stopping = false;
  private reconnectTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private lastPacketAt = 0;
  private attempts = 0;
  private pendingAcks: Buffer[] = [];
  private flushScheduled = false;
  connected = false;

  constructor(private readonly options: SubscriberOptions) {}

  /** Resolves once subscribed; rejects if the first connection fails (a clear error at start beats silence). */
  async start(): Promise<void> {
    this.stopping = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    this.flushAcks(socket);
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      // A normal DISCONNECT keeps the session (clean = false / session expiry) and its queued messages.
      socket.end(this.generate({ cmd: 'disconnect', reasonCode: 0 }));
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  private generate(packet: Packet): Buffer {
    return mqttPacket.generate(packet, { protocolVersion: this.options.protocolVersion });
  }

  private connect(): Promise<void> {
    const { url, clientId, username, password, protocolVersion, logger } = this.options;
    const target = new URL(url);
    const port = Number(target.port) || (target.protocol === 'mqtts:' ? 8883 : 1883);
    if (target.protocol !== 'mqtt:' && target.protocol !== 'mqtts:') {
      return Promise.reject(new Error(`sensor ingest needs an mqtt:// or mqtts:// broker URL, not ${target.protocol}`));
    }
    const generation = ++this.generation;
    const keepalive = this.options.keepaliveSeconds ?? 30;
    const socket =
      target.protocol === 'mqtts:'
        ? tls.connect({ host: target.hostname, port, servername: target.hostname })
        : net.connect({ host: target.hostname, port });
    socket.setNoDelay(true);
    this.socket = socket;
    const parser = mqttPacket.parser({ protocolVersion });

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        if (error) reject(error);
        else resolve();
      };

      socket.once(target.protocol === 'mqtts:' ? 'secureConnect' : 'connect', () => {
        socket.write(
          this.generate({
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion,
            clientId,
            clean: false,
            keepalive,
            username,
            password: password === undefined ? undefined : Buffer.from(password),
            properties:
              protocolVersion === 5
                ? { sessionExpiryInterval: this.options.sessionExpirySeconds, receiveMaximum: this.options.receiveMaximum }
                : undefined,
          }),
        );
      });

      parser.on('packet', (packet: Packet) => {
        this.lastPacketAt = Date.now();
        switch (packet.cmd) {
          case 'connack': {
            const code = packet.reasonCode ?? packet.returnCode ?? 0;
            if (code !== 0) {
              const error = new Error(`broker ${redactUrl(url)} refused the connection (code ${code}${code === 4 || code === 134 || code === 135 ? ': bad username or password' : ''})`);
              socket.destroy();
              return settle(error);
            }
            socket.write(
              this.generate({
                cmd: 'subscribe',
                messageId: 1,
                subscriptions: [{ topic: this.options.topicFilter, qos: 1 }],
              }),
            );
            logger.debug({ sessionPresent: packet.sessionPresent }, 'sensor ingest connected to the broker');
            return;
          }
          case 'suback': {
            const granted = (packet.granted as number[])[0];
            if (granted === undefined || granted >= 0x80) {
              socket.destroy();
              return settle(new Error(`broker refused the subscription to ${this.options.topicFilter} (code ${granted})`));
            }
            this.connected = true;
            this.attempts = 0;
            this.options.onConnectionChange?.(true);
            return settle();
          }
          case 'publish':
            return this.deliver(packet, socket, generation);
          case 'pingresp':
            return;
          case 'disconnect':
            logger.warn({ reasonCode: packet.reasonCode, reason: packet.properties?.reasonString }, 'broker disconnected sensor ingest');
            socket.destroy();
            return;
          default:
            return;
        }
      });
      parser.on('error', (error: Error) => {
        logger.warn({ err: error }, 'unreadable MQTT packet from the broker; reconnecting');
        socket.destroy();
      });

      socket.on('data', (chunk: Buffer) => parser.parse(chunk));
      socket.on('error', (error) => {
        if (!settled) settle(new Error(`MQTT broker unreachable at ${redactUrl(url)}: ${error.message}`));
        else logger.warn({ err: error }, 'MQTT connection error');
      });
      socket.on('close', () => {
        if (generation !== this.generation) return;
        const wasConnected = this.connected;
        this.connected = false;
        clearInterval(this.pingTimer);
        if (wasConnected) this.options.onConnectionChange?.(false);
        settle(new Error(`MQTT connection to ${redactUrl(url)} closed before the subscription was confirmed`));
        if (!this.stopping && this.socket === socket) this.scheduleReconnect();
      });

      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => {
        if (socket.destroyed) return;
        // No packet for 1.5 keep-alive periods: the connection is dead even if TCP has not noticed.
        if (this.lastPacketAt && Date.now() - this.lastPacketAt > keepalive * 1500) socket.destroy();
        else socket.write(this.generate({ cmd: 'pingreq' }));
      }, (keepalive * 1000) / 2);
      this.pingTimer.unref();
    });
  }

  private scheduleReconnect() {
    const delay = backoffMs(this.attempts++, 500, 10_000);
    this.options.logger.warn({ delayMs: delay }, 'sensor ingest lost the broker; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      if (this.stopping) return;
      this.connect().catch((error) => {
        this.options.logger.warn({ err: error }, 'reconnect failed');
      });
    }, delay);
  }

  private deliver(packet: IPublishPacket, socket: net.Socket, generation: number) {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const messageId = packet.messageId;
    const ack =
      packet.qos === 0 || messageId === undefined
        ? () => {}
        : () => {
            if (generation !== this.generation || socket.destroyed) return;
            this.pendingAcks.push(this.generate({ cmd: 'puback', messageId, reasonCode: 0 }));
            // Acks of one batch go out in one write.
            if (!this.flushScheduled) {
              this.flushScheduled = true;
              queueMicrotask(() => this.flushAcks(socket));
            }
          };
    try {
      this.options.onMessage({ topic: packet.topic, payload, redelivered: packet.dup, ack });
    } catch (error) {
      // Last line of defence (the worker's decoding is total): an exception here would unwind through the
      // socket's data handler and end the process, and an un-acknowledged message would come back after
      // every reconnect. The message is acknowledged and lost, counted and logged; the stream goes on.
      handlerFailures.inc();
      this.options.logger.error({ err: error, topic: packet.topic.slice(0, 256), bytes: payload.length }, 'sensor message handler failed; message acknowledged and dropped');
      ack();
    }
  }

  private flushAcks(socket: net.Socket) {
    this.flushScheduled = false;
    if (!this.pendingAcks.length) return;
    const acks = this.pendingAcks;
    this.pendingAcks = [];
    if (socket === this.socket && !socket.destroyed) socket.write(acks.length === 1 ? acks[0] : Buffer.concat(acks));
  }
}
