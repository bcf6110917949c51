// node-media-server inside the camera-ingest worker: each camera's ffmpeg pushes its stream copy over
// RTMP, viewers get HTTP-FLV (mpegts.js plays it) with the last GOP cached for an instant start.
// It listens on loopback only and requires node-media-server's own signed URLs for both publishing and
// playing (a random secret per process): nothing reaches it except this worker's ffmpeg processes and
// its live-view server (live-server.ts), which checks the viewer's CityOps signature first.
// A camera's stream must never stop the process: node-media-server's RTMP code runs in socket event
// handlers, where an exception is uncaught. guardNodeMediaServer() closes the one session that threw
// and wraps timestamps as RTMP defines them (32-bit milliseconds), which node-media-server does not;
// it also lets only a stream's accepted publisher feed it (a refused publish could, until it hung up).
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { reportCameraFailure } from './failures.ts';

const require = createRequire(import.meta.url);

interface NodeMediaServerInstance {
  run(): Promise<void>;
  stop(): Promise<void>;
  store?: { _onSignal?: (signal: NodeJS.Signals) => void };
  httpServer: { httpServer?: import('node:http').Server };
  rtmpServer: { tcpServer?: net.Server };
}

/**
 * How long a publish URL is good for by default. ffmpeg opens the push as soon as it has probed the
 * camera (analyzeduration 1 s); a run that shows no picture within CAMERA_STALL_SECONDS + 8 s is killed
 * and started again with a new URL anyway.
 */
export const PUBLISH_SIGN_SECONDS = 60;

/** node-media-server keeps its state in module globals: one instance per process. */
let instanceInProcess = false;

export interface LiveRelayOptions {
  logger: Logger;
  storeDir: string;
  /** node-media-server threw on this camera's session and closed it (its ffmpeg should push again). */
  onSessionFailed?: (cameraId: string) => void;
}

export class LiveRelay implements Component {
  readonly name = 'camera-live-relay';
  private nms?: NodeMediaServerInstance;
  private readonly secret = randomBytes(24).toString('hex');
  private rtmpPort = 0;
  private httpPort = 0;

  constructor(private readonly options: LiveRelayOptions) {}

  async start(): Promise<void> {
    // A programming error (node-media-server keeps global state): a plain Error.
    if (instanceInProcess) throw new Error('only one live relay (node-media-server) can run in a process');
    instanceInProcess = true;
    try {
      // node-media-server does not accept port 0: take two free ports now.
      this.rtmpPort = await freePort();
      this.httpPort = await freePort();
      const NodeMediaServer = require('node-media-server') as new (config: unknown) => NodeMediaServerInstance;
      routeLogs(this.options.logger);
      guardNodeMediaServer((streamName, error) => {
        const cameraId = cameraIdOf(streamName);
        reportCameraFailure(this.options.logger, 'relay_session', error, { camera: cameraId }, 'live relay session failed; closed it, the other cameras go on');
        if (cameraId !== undefined) this.options.onSessionFailed?.(cameraId);
      });
      this.nms = new NodeMediaServer({
        bind: '127.0.0.1',
        rtmp: { port: this.rtmpPort },
        http: { port: this.httpPort },
        auth: { play: true, publish: true, secret: this.secret },
        webadmin: { enable: false },
        store: { path: path.join(this.options.storeDir), flushInterval: 60_000 },
      });
      routeLogs(this.options.logger); // the constructor resets the log level
      // Its listen-error handlers exit the process; ours reject instead.
      const http = this.nms.httpServer.httpServer!;
      http.removeAllListeners('error');
      await this.nms.run();
      // Its store re-sends SIGINT/SIGTERM to the process after flushing, which ends the process before
      // CityOps has stopped its cameras. The process owns shutdown; the store still flushes on exit.
      const onSignal = this.nms.store?._onSignal;
      if (onSignal) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const rtmp = this.nms.rtmpServer.tcpServer!;
      rtmp.removeAllListeners('error');
      await Promise.all([listening(http), listening(rtmp)]);
    } catch (error) {
      instanceInProcess = false;
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (!this.nms) return;
    const http = this.nms.httpServer.httpServer;
    await this.nms.stop();
    http?.closeAllConnections();
    this.nms = undefined;
    instanceInProcess = false;
    sessionFailed = undefined;
  }

  /**
   * Where a camera's ffmpeg pushes its copy. The URL sits in ffmpeg's arguments, which anyone on the
   * machine can read (`ps`), so it is valid only for the push's start: node-media-server checks the sign
   * once, when the publish starts (BroadcastServer.postPublish), not while it runs. Each ffmpeg run asks
   * for a new one (CameraPipeline.launch calls relayUrl at every start).
   */
  publishUrl(cameraId: string, validForSeconds = PUBLISH_SIGN_SECONDS): string {
    const stream = streamName(cameraId);
    return `rtmp://127.0.0.1:${this.rtmpPort}/live/${stream}?sign=${this.sign(`/live/${stream}`, validForSeconds)}`;
  }

  /** Where the live-view server reads a camera's FLV from. */
  playUrl(cameraId: string): string {
    const stream = streamName(cameraId);
    return `http://127.0.0.1:${this.httpPort}/live/${stream}.flv?sign=${this.sign(`/live/${stream}`, 60)}`;
  }

  /** node-media-server's scheme: sign=<expiry>-md5(<path>-<expiry>-<secret>). Internal to this process. */
  private sign(streamPath: string, ttlSeconds: number): string {
    const expiry = Math.floor(Date.now() / 1000) + ttlSeconds;
    return `${expiry}-${createHash('md5').update(`${streamPath}-${expiry}-${this.secret}`).digest('hex')}`;
  }
}

/** node-media-server allows [A-Za-z0-9_-] in stream names; camera ids may also hold dots. */
function streamName(cameraId: string): string {
  return Buffer.from(cameraId, 'utf8').toString('base64url');
}

function cameraIdOf(streamName: string | undefined): string | undefined {
  return streamName ? Buffer.from(streamName, 'base64url').toString('utf8') : undefined;
}

interface RtmpProtocol {
  streamApp?: string;
  streamName?: string;
  parserData(buffer: Buffer): string | null;
  dataHandler(): unknown;
}
interface NodeMediaServerContext {
  broadcasts: Map<string, { publisher: { rtmp?: unknown } | null }>;
}
interface RtmpModule {
  prototype: RtmpProtocol;
  createMessage(packet: { dts: number }): Buffer;
}

/** The running relay's handler (one relay per process, like node-media-server's own state). */
let sessionFailed: ((streamName: string | undefined, error: unknown) => void) | undefined;
let guarded = false;
const RTMP_TIMESTAMP_RANGE = 2 ** 32;
const FAILED = Symbol('cityops relay session failed');

/** Patches node-media-server's RTMP protocol once per process (see the header comment). */
function guardNodeMediaServer(onSessionFailed: (streamName: string | undefined, error: unknown) => void): void {
  sessionFailed = onSessionFailed;
  if (guarded) return;
  guarded = true;
  const Rtmp = require('node-media-server/src/protocol/rtmp.js') as RtmpModule;
  // Every byte a publisher or player sends goes through parserData, and with it every packet relayed
  // to the stream's viewers. An exception there would be uncaught; returned as an error instead,
  // node-media-server ends that session's socket (RtmpSession.onData), and later data is refused.
  const parserData = Rtmp.prototype.parserData;
  Rtmp.prototype.parserData = function guardedParserData(this: RtmpProtocol & { [FAILED]?: boolean }, buffer: Buffer) {
    if (this[FAILED]) return 'session closed after an internal error';
    try {
      return parserData.call(this, buffer);
    } catch (error) {
      this[FAILED] = true;
      sessionFailed?.(this.streamName, error);
      return `internal error: ${(error as Error).message}`;
    }
  };
  // node-media-server relays the media messages of any RTMP session on a stream: a publish it refused
  // (expired or forged sign) is only half-closed (socket.end), and what that client keeps sending until
  // it notices reached the viewers. Only the stream's accepted publisher may feed it.
  const context = require('node-media-server/src/core/context.js') as NodeMediaServerContext;
  const dataHandler = Rtmp.prototype.dataHandler;
  Rtmp.prototype.dataHandler = function publisherOnlyDataHandler(this: RtmpProtocol) {
    const broadcast = context.broadcasts.get(`/${this.streamApp}/${this.streamName}`);
    if (broadcast?.publisher?.rtmp !== this) return undefined;
    return dataHandler.call(this);
  };
  // node-media-server shifts a resumed publish's timestamps past the previous one's last (its grace
  // window), and writes them with writeUInt32BE, which throws past 2^32 ms: a camera whose clock leaps
  // or loops, restarted a few times, got there. RTMP timestamps are modulo 2^32 (RTMP 1.0 §5.3.1.3).
  const createMessage = Rtmp.createMessage;
  Rtmp.createMessage = (packet) => {
    const dts = packet.dts;
    if (dts >= 0 && dts < RTMP_TIMESTAMP_RANGE) return createMessage(packet);
    packet.dts = ((dts % RTMP_TIMESTAMP_RANGE) + RTMP_TIMESTAMP_RANGE) % RTMP_TIMESTAMP_RANGE;
    try {
      return createMessage(packet);
    } finally {
      packet.dts = dts;
    }
  };
}

function routeLogs(logger: Logger): void {
  const nmsLogger = require('node-media-server/src/core/logger.js') as { level: string; log: (message: string, level?: string) => void };
  nmsLogger.level = 'warn';
  const child = logger.child({ component: 'node-media-server' });
  nmsLogger.log = (message: string, level = 'info') => {
    if (level === 'error') child.warn(message);
    else if (level === 'warn') child.info(message);
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function listening(server: net.Server): Promise<void> {
  if (server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
}
