// A small RTSP server for the camera simulator, RTP over TCP only (interleaved, RFC 2326 §10.12),
// the transport CityOps pulls cameras with. ffmpeg processes publish *sources* to it (ANNOUNCE +
// RECORD on /publish/<token>/<source>); viewers PLAY *cameras* (/cam-001). Each camera shows one source
// at a time; the simulator switches a camera's source to inject faults (freeze, black, scene change)
// while viewers keep their session, with RTP sequence numbers and timestamps kept continuous, as a
// real camera's stream would be. Viewers asking for UDP get 461 Unsupported Transport.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { codecFromSdp, RtpContinuity, startsKeyframe, type RtpVideoCodec } from './rtp.ts';
import {
  formatResponse,
  interleavedChannels,
  interleavedHeader,
  RtspProtocolError,
  RtspReader,
  type RtspRequest,
} from './rtsp-messages.ts';
import { notFound } from '@cityops/core/errors';

const PUBLIC_METHODS = 'OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER';
/** A viewer further behind than this (its socket buffer) loses packets until the next keyframe. */
const MAX_VIEWER_BACKLOG_BYTES = 4 * 1024 * 1024;
const SOURCE_WAIT_MS = 5000;

interface Source {
  id: string;
  sdp?: string;
  codec: RtpVideoCodec;
  /** Changes with every publisher session, so cameras know to resynchronise. */
  epoch: number;
  cameras: Set<CameraChannel>;
  ready: Array<() => void>;
  publisher?: Connection;
}

/**
 * Basic authentication by default; `in: 'query'` asks for `?user=…&password=…` in the DESCRIBE URL
 * instead, as some cameras do (their SETUP and PLAY, on the same connection, then need nothing).
 */
export interface SimulatedCameraCredentials {
  username: string;
  password: string;
  in?: 'header' | 'query';
}

interface CameraChannel {
  id: string;
  credentials?: SimulatedCameraCredentials;
  source?: Source;
  continuity: RtpContinuity;
  viewers: Set<Connection>;
  /** How late this camera's viewers get the shared source's packets (see defineCamera). */
  delayMs: number;
  /** Packets held back for delayMs, oldest first, and the timer that sends the next due ones. */
  delayed: Array<{ packet: Buffer; codec: RtpVideoCodec; dueAt: number }>;
  delayTimer?: NodeJS.Timeout;
}

export interface RtspServerOptions {
  host?: string;
  port: number;
  logger: Logger;
  /** Fault injection over RTSP SET_PARAMETER (`fault: freeze`), accepted from loopback only. */
  onControl?: (cameraId: string, command: string) => Promise<void>;
}

interface Connection {
  socket: net.Socket;
  reader: RtspReader;
  sessionId?: string;
  /** Publisher side. */
  publishing?: Source;
  publishChannel?: number;
  announcedSdp?: string;
  /** Viewer side. */
  camera?: CameraChannel;
  /** The camera whose query credentials this connection gave in its DESCRIBE. */
  queryAuthorised?: CameraChannel;
  viewerChannel?: number;
  playing: boolean;
  waitingForKeyframe: boolean;
}

export class RtspRelayServer implements Component {
  readonly name = 'camera-simulator-rtsp';
  private server?: net.Server;
  private readonly sources = new Map<string, Source>();
  private readonly cameras = new Map<string, CameraChannel>();
  private readonly connections = new Set<Connection>();
  /** Only holders of this token may publish. */
  private readonly publishToken = randomBytes(9).toString('base64url');
  private epochCounter = 0;
  private boundPort = 0;

  constructor(private readonly options: RtspServerOptions) {}

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const camera of this.cameras.values()) {
      clearTimeout(camera.delayTimer);
      camera.delayed = [];
    }
    for (const connection of this.connections) connection.socket.destroy();
    this.connections.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** Where an ffmpeg process publishes a source. */
  publishUrl(sourceId: string): string {
    return `rtsp://127.0.0.1:${this.boundPort}/publish/${this.publishToken}/${sourceId}`;
  }

  cameraUrl(cameraId: string): string {
    return `rtsp://127.0.0.1:${this.boundPort}/${cameraId}`;
  }

  /**
   * `delayMs` shifts the camera in time against the others showing the same source: cameras of one
   * scene share one publisher, so without it their frames (and keyframes) reach viewers at the same
   * instant, which real cameras never do.
   */
  defineCamera(id: string, credentials?: SimulatedCameraCredentials, delayMs = 0): void {
    this.cameras.set(id, { id, credentials, continuity: new RtpContinuity(randomBytes(4).readUInt32BE(0)), viewers: new Set(), delayMs, delayed: [] });
  }

  /** Points a camera at a source, or at nothing (stream stopped: viewers get silence, new ones 503). */
  attach(cameraId: string, sourceId: string | undefined): void {
    const camera = this.cameras.get(cameraId);
    if (!camera) throw notFound('simulated_camera', cameraId, `unknown simulated camera ${cameraId}`);
    camera.source?.cameras.delete(camera);
    camera.source = sourceId ? this.sourceFor(sourceId) : undefined;
    camera.source?.cameras.add(camera);
  }

  /** Resolves once the source's publisher is recording (its SDP is known). */
  waitForSource(sourceId: string, timeoutMs = 15_000): Promise<void> {
    const source = this.sourceFor(sourceId);
    if (source.sdp) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`source ${sourceId} did not start publishing`)), timeoutMs);
      source.ready.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Closes every viewer of a camera (a network blip or a camera reboot). */
  disconnectViewers(cameraId: string): void {
    for (const viewer of this.cameras.get(cameraId)?.viewers ?? []) viewer.socket.destroy();
  }

  /** Moves a camera's RTP timestamps by `ticks` (90 kHz) from the next packet on (timestamp faults). */
  shiftTimestamps(cameraId: string, ticks: number): void {
    this.cameras.get(cameraId)?.continuity.shiftTimestamps(ticks);
  }

  /** The last RTP timestamp a camera sent. */
  lastTimestamp(cameraId: string): number {
    return this.cameras.get(cameraId)?.continuity.lastSentTimestamp ?? 0;
  }

  viewerCount(cameraId: string): number {
    return this.cameras.get(cameraId)?.viewers.size ?? 0;
  }

  private sourceFor(id: string): Source {
    let source = this.sources.get(id);
    if (!source) {
      source = { id, codec: 'other', epoch: 0, cameras: new Set(), ready: [] };
      this.sources.set(id, source);
    }
    return source;
  }

  private accept(socket: net.Socket): void {
    const connection: Connection = { socket, reader: new RtspReader(), playing: false, waitingForKeyframe: true };
    this.connections.add(connection);
    socket.setNoDelay(true);
    socket.on('data', (data) => {
      let chunks;
      try {
        chunks = connection.reader.push(data);
      } catch (error) {
        if (error instanceof RtspProtocolError) {
          socket.end(formatResponse(400, undefined));
          return;
        }
        throw error;
      }
      for (const chunk of chunks) {
        if (chunk.kind === 'interleaved') this.onInterleaved(connection, chunk.channel, chunk.packet);
        else void this.onRequest(connection, chunk.request).catch((error) => {
          this.options.logger.warn({ err: error }, 'simulator RTSP request failed');
          socket.destroy();
        });
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.drop(connection));
  }

  private drop(connection: Connection): void {
    this.connections.delete(connection);
    connection.camera?.viewers.delete(connection);
    const source = connection.publishing;
    if (source?.publisher === connection) {
      // The publisher is gone: viewers wait (silence) until the simulator starts a new one.
      source.sdp = undefined;
      source.publisher = undefined;
    }
    connection.publishing = undefined;
  }

  private onInterleaved(connection: Connection, channel: number, packet: Buffer): void {
    const source = connection.publishing;
    // Viewers send RTCP receiver reports; publishers send RTCP sender reports. Only the publisher's
    // RTP channel carries video.
    if (!source || source.publisher !== connection || channel !== connection.publishChannel) return;
    for (const camera of source.cameras) {
      if (!camera.viewers.size) continue;
      const out = camera.continuity.rewrite(packet, source.epoch, source.codec);
      if (!out) continue;
      if (camera.delayMs > 0) this.sendLater(camera, out, source.codec);
      else for (const viewer of camera.viewers) this.send(viewer, out, source.codec);
    }
  }

  /** Holds a packet back for the camera's delay; one timer per camera, for the oldest held packet. */
  private sendLater(camera: CameraChannel, packet: Buffer, codec: RtpVideoCodec): void {
    camera.delayed.push({ packet, codec, dueAt: Date.now() + camera.delayMs });
    if (!camera.delayTimer) camera.delayTimer = setTimeout(() => this.sendDue(camera), camera.delayMs);
  }

  private sendDue(camera: CameraChannel): void {
    camera.delayTimer = undefined;
    const now = Date.now();
    let due = 0;
    while (due < camera.delayed.length && camera.delayed[due].dueAt <= now) due++;
    for (const { packet, codec } of camera.delayed.splice(0, due)) for (const viewer of camera.viewers) this.send(viewer, packet, codec);
    if (camera.delayed.length) camera.delayTimer = setTimeout(() => this.sendDue(camera), camera.delayed[0].dueAt - now);
  }

  private send(viewer: Connection, packet: Buffer, codec: RtpVideoCodec): void {
    if (!viewer.playing || viewer.viewerChannel === undefined) return;
    if (viewer.socket.writableLength > MAX_VIEWER_BACKLOG_BYTES) {
      viewer.waitingForKeyframe = true;
      return;
    }
    if (viewer.waitingForKeyframe) {
      if (!startsKeyframe(packet, codec)) return;
      viewer.waitingForKeyframe = false;
    }
    viewer.socket.write(interleavedHeader(viewer.viewerChannel, packet.length));
    viewer.socket.write(packet);
  }

  private async onRequest(connection: Connection, request: RtspRequest): Promise<void> {
    const cseq = request.headers.cseq;
    const reply = (status: number, headers: Record<string, string> = {}, body?: string) => {
      if (!connection.socket.destroyed) connection.socket.write(formatResponse(status, cseq, headers, body));
    };
    let path: string;
    let query: URLSearchParams;
    try {
      const url = new URL(request.url === '*' ? 'rtsp://x/' : request.url);
      path = decodeURIComponent(url.pathname);
      query = url.searchParams;
    } catch {
      return reply(400);
    }
    if (request.method === 'OPTIONS') return reply(200, { Public: PUBLIC_METHODS });

    const publish = /^\/publish\/([^/]+)\/([A-Za-z0-9._-]+)(?:\/streamid=(\d+))?$/.exec(path);
    if (publish) {
      if (publish[1] !== this.publishToken) return reply(403);
      return this.onPublisherRequest(connection, request, publish[2], reply);
    }

    // A camera, or its substream (`/cam-001/sub`, see camera-simulator.ts).
    const view = /^\/([A-Za-z0-9._-]+(?:\/sub)?)(?:\/streamid=(\d+))?\/?$/.exec(path);
    const camera = view ? this.cameras.get(view[1]) : undefined;
    if (!camera) return reply(404);

    if (request.method === 'SET_PARAMETER' && request.body.length) {
      if (!isLoopback(connection.socket.remoteAddress)) return reply(403);
      const command = /fault:\s*([a-z-]+)/.exec(request.body.toString('utf8'))?.[1];
      if (!command || !this.options.onControl) return reply(400);
      try {
        await this.options.onControl(camera.id, command);
        return reply(200);
      } catch (error) {
        return reply(400, { 'X-Error': (error as Error).message.replace(/[\r\n]/g, ' ') });
      }
    }
    if (camera.credentials?.in === 'query') {
      const given = query.get('user') === camera.credentials.username && query.get('password') === camera.credentials.password;
      if (request.method === 'DESCRIBE') connection.queryAuthorised = given ? camera : undefined;
      if (connection.queryAuthorised !== camera) return reply(401);
    } else if (camera.credentials && !authorised(request.headers.authorization, camera.credentials)) {
      return reply(401, { 'WWW-Authenticate': 'Basic realm="CityOps camera simulator"' });
    }

    switch (request.method) {
      case 'DESCRIBE': {
        const source = camera.source;
        if (!source) return reply(503);
        if (!source.sdp) await this.waitForSource(source.id, SOURCE_WAIT_MS).catch(() => {});
        if (!source.sdp || camera.source !== source) return reply(503);
        return reply(
          200,
          { 'Content-Type': 'application/sdp', 'Content-Base': `${this.cameraUrl(camera.id)}/` },
          viewerSdp(source.sdp),
        );
      }
      case 'SETUP': {
        const transport = request.headers.transport ?? '';
        if (!/RTP\/AVP\/TCP/i.test(transport)) return reply(461);
        const channels = interleavedChannels(transport) ?? [0, 1];
        connection.camera = camera;
        connection.viewerChannel = channels[0];
        connection.sessionId ??= randomBytes(8).toString('hex');
        return reply(200, {
          Transport: `RTP/AVP/TCP;unicast;interleaved=${channels[0]}-${channels[1]}`,
          Session: `${connection.sessionId};timeout=60`,
        });
      }
      case 'PLAY':
        if (!connection.camera || connection.viewerChannel === undefined) return reply(455);
        connection.playing = true;
        connection.waitingForKeyframe = true;
        camera.viewers.add(connection);
        return reply(200, { Session: connection.sessionId!, Range: 'npt=0.000-' });
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return reply(200, connection.sessionId ? { Session: connection.sessionId } : {});
      case 'TEARDOWN':
        connection.playing = false;
        camera.viewers.delete(connection);
        return reply(200);
      default:
        return reply(405, { Allow: PUBLIC_METHODS });
    }
  }

  private onPublisherRequest(
    connection: Connection,
    request: RtspRequest,
    sourceId: string,
    reply: (status: number, headers?: Record<string, string>, body?: string) => void,
  ): void {
    const source = this.sourceFor(sourceId);
    switch (request.method) {
      case 'ANNOUNCE':
        connection.sessionId ??= randomBytes(8).toString('hex');
        connection.publishing = source;
        connection.announcedSdp = request.body.toString('utf8');
        return reply(200);
      case 'SETUP': {
        const transport = request.headers.transport ?? '';
        if (!/RTP\/AVP\/TCP/i.test(transport)) return reply(461);
        const channels = interleavedChannels(transport) ?? [0, 1];
        // Only the first (video) stream is relayed; publishers are started without audio.
        connection.publishChannel ??= channels[0];
        return reply(200, {
          Transport: `RTP/AVP/TCP;unicast;interleaved=${channels[0]}-${channels[1]};mode=record`,
          Session: connection.sessionId ?? '0',
        });
      }
      case 'RECORD': {
        const sdp = connection.announcedSdp;
        if (!sdp || connection.publishing !== source) return reply(455);
        source.sdp = sdp;
        source.codec = codecFromSdp(sdp);
        source.epoch = ++this.epochCounter;
        source.publisher = connection;
        for (const resolve of source.ready.splice(0)) resolve();
        return reply(200, { Session: connection.sessionId ?? '0' });
      }
      case 'TEARDOWN':
        return reply(200);
      default:
        return reply(200);
    }
  }
}

/** The publisher's SDP reduced to its first media section, as viewers of a camera see it. */
function viewerSdp(publisherSdp: string): string {
  const lines = publisherSdp.split(/\r?\n/).filter(Boolean);
  const firstMedia = lines.findIndex((line) => line.startsWith('m='));
  const nextMedia = lines.findIndex((line, index) => index > firstMedia && line.startsWith('m='));
  const session = lines.slice(0, firstMedia).filter((line) => !line.startsWith('a=control'));
  const media = lines.slice(firstMedia, nextMedia < 0 ? undefined : nextMedia);
  return [...session, ...media].join('\r\n') + '\r\n';
}

function authorised(header: string | undefined, credentials: SimulatedCameraCredentials): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  return decoded === `${credentials.username}:${credentials.password}`;
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
