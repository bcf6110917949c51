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
// Draining (session-drain.ts): instead of subscribing, it takes over an existing session, unsubscribes its
// filters (so nothing new is routed to it) and receives what the broker had queued there; `stop({ endSession })`
// then ends the session for good.
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
  /**
   * `subscribe`: the filter this session receives (sent after every CONNACK). `unsubscribe`: draining an
   * existing session — these filters are removed after every CONNACK, so the broker routes nothing new to it,
   * while what it had already queued for the session is still delivered (Mosquitto keeps a session's queue
   * when its subscriptions go).
   */
  subscription: { subscribe: string } | { unsubscribe: string[] };
  /** MQTT 5: how long the broker keeps the session (and queues messages) while this client is away. */
  sessionExpirySeconds: number;
  /** MQTT 5: how many un-acknowledged messages the broker may have in flight to us; bounds memory. */
  receiveMaximum: number;
  keepaliveSeconds?: number;
  logger: Logger;
  onMessage(message: DeliveredMessage): void;
  onConnectionChange?(connected: boolean): void;
  /**
   * Reconnect after a lost connection (default true). A drain does not: a connection closed under it may mean
   * the session's owner connected again (Mosquitto closes the older connection without saying why), and two
   * clients reconnecting with one id would take the session from each other forever.
   */
  reconnect?: boolean;
}

/**
 * The PUBACKs of these messages, back to back. A successful PUBACK is the same four bytes in MQTT 3.1.1 and 5
 * (MQTT 5 §3.4.2.1: reason code 0 and no properties may be left out): type 0x40, remaining length 2, the
 * message id. Written here rather than by mqtt-packet's generate(), which builds a stream object per packet —
 * a cost per reading that the sensors bench's profile of the worker showed.
 */
export function pubackPackets(messageIds: number[]): Buffer {
  const packets = Buffer.allocUnsafe(messageIds.length * 4);
  for (let i = 0; i < messageIds.length; i++) {
    packets[i * 4] = 0x40;
    packets[i * 4 + 1] = 0x02;
    packets.writeUInt16BE(messageIds[i], i * 4 + 2);
  }
  return packets;
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
  /** Message ids whose PUBACK is due, written together at the end of the current tick. */
  private pendingAcks: number[] = [];
  private flushScheduled = false;
  connected = false;
  /** From the last CONNACK: the broker still held a session for this client id. */
  sessionPresent = false;
  /** When the last message arrived or the last acknowledgements left (a drain waits for this to go quiet). */
  lastActivityAt = 0;

  constructor(private readonly options: SubscriberOptions) {}

  /** Resolves once subscribed; rejects if the first connection fails (a clear error at start beats silence). */
  async start(): Promise<void> {
    this.stopping = false;
    await this.connect();
  }

  /**
   * Disconnects. A normal DISCONNECT keeps the session (clean = false / session expiry) and its queued
   * messages; `endSession` (MQTT 5) sets its expiry to 0 in the DISCONNECT, so the broker discards it.
   */
  async stop(options: { endSession?: boolean } = {}): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    this.flushAcks(socket);
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      const endSession = options.endSession && this.options.protocolVersion === 5;
      socket.end(this.generate({ cmd: 'disconnect', reasonCode: 0, properties: endSession ? { sessionExpiryInterval: 0 } : undefined }));
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
            this.sessionPresent = packet.sessionPresent;
            const { subscription } = this.options;
            socket.write(
              'subscribe' in subscription
                ? this.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: subscription.subscribe, qos: 1 }] })
                : this.generate({ cmd: 'unsubscribe', messageId: 1, unsubscriptions: subscription.unsubscribe }),
            );
            logger.debug({ sessionPresent: packet.sessionPresent }, 'sensor ingest connected to the broker');
            return;
          }
          case 'suback': {
            const granted = (packet.granted as number[])[0];
            if (granted === undefined || granted >= 0x80) {
              socket.destroy();
              const filter = 'subscribe' in this.options.subscription ? this.options.subscription.subscribe : '';
              return settle(new Error(`broker refused the subscription to ${filter} (code ${granted})`));
            }
            return this.ready(settle);
          }
          case 'unsuback':
            // "No subscription existed" (0x11) is fine: the filters are removed either way.
            return this.ready(settle);
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
        if (!this.stopping && this.socket === socket && this.options.reconnect !== false) this.scheduleReconnect();
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

  private ready(settle: () => void) {
    this.connected = true;
    this.attempts = 0;
    this.lastActivityAt = Date.now();
    this.options.onConnectionChange?.(true);
    settle();
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
    this.lastActivityAt = Date.now();
    const ack =
      packet.qos === 0 || messageId === undefined
        ? () => {}
        : () => {
            if (generation !== this.generation || socket.destroyed) return;
            this.pendingAcks.push(messageId);
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
    const messageIds = this.pendingAcks;
    this.pendingAcks = [];
    if (socket === this.socket && !socket.destroyed) {
      socket.write(pubackPackets(messageIds));
      // The broker sends more of a queue as acknowledgements free its in-flight window: not quiet yet.
      this.lastActivityAt = Date.now();
    }
  }
}
