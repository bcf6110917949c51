// The camera-ingest worker's live-view server: HTTP-FLV for mpegts.js and JPEG snapshots, each only
// with a valid signed URL (live-signing.ts) issued by the api role. The signature is the credential
// (no cookies), so any origin may fetch (CORS *); unsigned, tampered or expired requests get 403.
// Video comes from the worker's loopback node-media-server; every viewing start is audited.
import http from 'node:http';
import type net from 'node:net';
import { recordAudit } from '@cityops/core/audit';
import type { Queryable } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { notSharedMessage, type Sharing } from '@cityops/devices/private-cameras/consent';
import { counter, gauge } from '@cityops/core/metrics';
import { encodeJpeg, type JpegOptions } from '../frame/bgr24-frame.ts';
import { viewerUsername } from './live-repository.ts';
import { checkCameraAccess, type SignedPurpose } from './live-signing.ts';
import type { LiveRelay } from './live-relay.ts';
import type { CameraPipeline } from './pipeline.ts';

const refused = counter('cityops_camera_live_refused_total', 'live-view and snapshot requests refused, by reason', ['reason']);
const viewers = gauge('cityops_camera_live_viewers', 'HTTP-FLV viewers connected to this worker');

/** Snapshots and camera-alert pictures: the camera's picture, letterbox bars cropped away. */
export const CAMERA_PICTURE_JPEG: JpegOptions = { quality: 82, cropLetterbox: true };

export interface LiveServerOptions {
  host: string;
  port: number;
  /** URL others reach this server at; default http://host:port. */
  publicUrl?: string;
  signingKey: () => Buffer;
  relay: LiveRelay;
  pipeline: (cameraId: string) => CameraPipeline | undefined;
  /** What the camera's owner shares now (camera-sharing.ts); city cameras share everything. */
  sharing: (cameraId: string) => Sharing;
  db: Queryable;
  logger: Logger;
}

export class LiveServer implements Component {
  readonly name = 'camera-live-server';
  private server?: http.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Open HTTP-FLV viewers per camera, to cut them off when an owner stops sharing. */
  private readonly viewersByCamera = new Map<string, Set<http.ServerResponse>>();

  constructor(private readonly options: LiveServerOptions) {}

  get url(): string {
    if (this.options.publicUrl) return this.options.publicUrl.replace(/\/$/, '');
    const address = this.server?.address() as net.AddressInfo | undefined;
    const host = this.options.host === '0.0.0.0' ? '127.0.0.1' : this.options.host;
    return `http://${host}:${address?.port ?? this.options.port}`;
  }

  async start(): Promise<void> {
    const server = http.createServer((request, response) => {
      this.handle(request, response).catch((error) => {
        this.options.logger.warn({ err: error }, 'live-view request failed');
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** Ends every open live view of this camera (its owner paused or ended sharing, or its hours are over). */
  stopViewing(cameraId: string): number {
    const open = this.viewersByCamera.get(cameraId);
    if (!open?.size) return 0;
    for (const response of open) response.destroy();
    this.options.logger.info({ camera: cameraId, viewers: open.size }, 'live view of a private camera stopped: its owner does not share it now');
    const count = open.size;
    open.clear();
    return count;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Cache-Control', 'no-store');
    if (request.method === 'OPTIONS') return void response.writeHead(204, { 'Access-Control-Allow-Methods': 'GET' }).end();
    const url = new URL(request.url ?? '/', 'http://live');
    const live = /^\/live\/([^/]+)\.flv$/.exec(url.pathname);
    const snapshot = /^\/snapshot\/([^/]+)\.jpg$/.exec(url.pathname);
    if (request.method !== 'GET' || (!live && !snapshot)) return this.refuse(response, 404, 'not_found', 'no such resource');
    const purpose: SignedPurpose = live ? 'live' : 'snapshot';
    const cameraId = decodeURIComponent((live ?? snapshot)![1]);
    const check = checkCameraAccess(this.options.signingKey(), purpose, cameraId, url.searchParams);
    if (!check.ok) {
      const message = check.reason === 'expired' ? 'this link has expired: ask the dashboard for a new one' : 'a signed link is required';
      return this.refuse(response, 403, check.reason, message);
    }
    const pipeline = this.options.pipeline(cameraId);
    if (!pipeline) return this.refuse(response, 404, 'not_here', 'this worker does not pull that camera (ask the dashboard again)');
    // A signed URL issued before the owner paused must not open the camera afterwards.
    const sharing = this.options.sharing(cameraId);
    if (!sharing.live) return this.refuse(response, 403, 'not_shared', notSharedMessage(sharing));
    if (live) return this.serveLive(request, response, cameraId, pipeline, check.subject);
    return this.serveSnapshot(response, pipeline);
  }

  private refuse(response: http.ServerResponse, status: number, reason: string, message: string): void {
    refused.inc({ reason });
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: reason, message } }));
  }

  private async serveLive(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    cameraId: string,
    pipeline: CameraPipeline,
    subject: string,
  ): Promise<void> {
    const status = pipeline.status();
    if (!status.liveView) {
      return this.refuse(response, 409, 'live_unavailable', 'live view is not available for this camera (no stream, or a codec FLV cannot carry)');
    }
    // node-media-server would hold the viewer's connection open and send nothing until the camera is back.
    if (status.state === 'offline') return this.refuse(response, 503, 'camera_offline', 'the camera sends no picture right now');
    const userId = /^\d+$/.test(subject) ? Number(subject) : undefined;
    await this.auditViewing(cameraId, userId, subject, request.socket.remoteAddress).catch((error) => this.options.logger.warn({ err: error }, 'could not audit a live viewing'));
    const upstream = http.get(this.options.relay.playUrl(cameraId), (source) => {
      if (source.statusCode !== 200) {
        source.resume();
        return this.refuse(response, 503, 'relay_unavailable', 'the live relay has no stream for this camera yet');
      }
      response.writeHead(200, { 'Content-Type': 'video/x-flv' });
      viewers.inc();
      source.pipe(response);
      let open = this.viewersByCamera.get(cameraId);
      if (!open) this.viewersByCamera.set(cameraId, (open = new Set()));
      open.add(response);
      const done = () => {
        viewers.dec();
        open.delete(response);
        upstream.destroy();
      };
      response.once('close', done);
    });
    upstream.on('error', () => {
      if (!response.headersSent) this.refuse(response, 503, 'relay_unavailable', 'the live relay is not reachable');
      else response.destroy();
    });
    request.once('close', () => upstream.destroy());
  }

  /** The signature names the user by id; the audit log shows people their name, as for every other action. */
  private async auditViewing(cameraId: string, userId: number | undefined, subject: string, sourceAddress: string | undefined): Promise<void> {
    const name = userId ? await viewerUsername(this.options.db, userId) : undefined;
    const username = name ?? (userId ? `user:${userId}` : subject);
    await recordAudit(this.options.db, { userId, username, sourceAddress }, { action: 'live_view_started', entityType: 'camera', entityId: cameraId });
  }

  private async serveSnapshot(response: http.ServerResponse, pipeline: CameraPipeline): Promise<void> {
    const frame = await pipeline.nextFrame(5000);
    if (!frame) return this.refuse(response, 503, 'no_picture', 'the camera delivers no picture right now');
    response.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(await encodeJpeg(frame, CAMERA_PICTURE_JPEG));
  }
}

