// One camera under full analysis in an analytics worker, for as long as the worker leases its slot:
// frames in (JPEG from camera-ingest over MQTT, or the raw frame in memory when camera-ingest runs in the
// same process: ingest/frame/in-process-frame-channel.ts), detections → tracks → rules (CameraAnalysis), line
// crossings to traffic_counts, parking zones' minute samples to parking_occupancy, situations to alerts
// with a snapshot. The newest frame wins: a frame waiting to be analysed is replaced by a newer one (the
// older is dropped, counted). When to analyse is the worker's choice (it shares the detector between
// cameras): the session says it is ready.
import type { AlertSink } from '@cityops/core/alerts/outbox';
import type { AlertSeverity, LocalisedText } from '@cityops/contract/alerts';
import { namesOf } from '@cityops/contract/devices';
import type { Logger } from '@cityops/core/logger';
import { counter } from '@cityops/core/metrics';
import { FrameJpegDecoder, type RawFrame } from '@cityops/ingest/frame/bgr24-frame';
import type { FrameHeader } from '@cityops/ingest/frame/frame-message';
import type { InProcessFrameReceiver } from '@cityops/ingest/frame/in-process-frame-channel';
import { CameraAnalysis } from '../camera-analysis.ts';
import type { Detector } from '../detect/detector.ts';
import type { AnalysisConfig } from '../rules/config.ts';
import type { SituationEvent, SituationKind } from '../rules/events.ts';
import { ParkingMinuteSampler, parkingCapacities, type ParkingSampleBuffer } from '../parking/minute-sampler.ts';
import { renderSnapshot, type SnapshotBox } from '../snapshot.ts';
import type { TrackSnapshot } from '../track/tracker.ts';
import type { TrafficCountBuffer } from './traffic-counts.ts';

const framesAnalysed = counter('cityops_analysis_frames_total', 'frames analysed by this analytics worker');
const framesSkipped = counter('cityops_analysis_frames_skipped_total', 'frames received but not analysed, by reason', ['reason']);
const alertFailures = counter('cityops_analysis_alert_failures_total', 'situations that could not be raised or cleared as alerts');

const SEVERITY: Record<SituationKind, AlertSeverity> = { crowd: 'major', wrong_way: 'major', stalled_vehicle: 'minor', congestion: 'minor', illegal_parking: 'info' };
const TITLE: Record<SituationKind, (where: LocalisedText) => LocalisedText> = {
  crowd: (where) => ({ vi: `Đám đông tại ${where.vi}`, en: `Crowd at ${where.en}` }),
  stalled_vehicle: (where) => ({ vi: `Xe dừng bất thường tại ${where.vi}`, en: `Stalled vehicle at ${where.en}` }),
  wrong_way: (where) => ({ vi: `Xe đi ngược chiều tại ${where.vi}`, en: `Wrong-way vehicle at ${where.en}` }),
  congestion: (where) => ({ vi: `Ùn tắc tại ${where.vi}`, en: `Congestion at ${where.en}` }),
  illegal_parking: (where) => ({ vi: `Đỗ xe trái phép tại ${where.vi}`, en: `Illegal parking at ${where.en}` }),
};
const ENDED: LocalisedText = { vi: 'Tình huống đã kết thúc (phân tích hình ảnh)', en: 'The situation ended (video analysis)' };

export interface CameraSessionDeps {
  cameraId: string;
  cameraName: string;
  /** The camera's English name, when people use another one (English alert titles). */
  cameraNameEn?: string | null;
  config: AnalysisConfig;
  /** The city's time zone (CITY_TIME_ZONE): zone rules' thresholds by time of day. */
  timeZone: string;
  detector: Detector;
  /** The analytics role's durable outbox (core/alerts/outbox.ts), or a raiser directly in tests. */
  alerts: AlertSink;
  counts: TrafficCountBuffer;
  /** The worker's buffer of parking samples (written with the traffic counts). */
  parking: ParkingSampleBuffer;
  logger: Logger;
  /** Called after each analysed frame (progress for the slot table, the analysed-frame notice). */
  onAnalysed: (cameraId: string, frame: { capturedAt: number; objects: number }) => void;
  /** A frame waits: the worker calls analysePending() when the detector has room. */
  onReady: (session: CameraSession) => void;
}

/** A frame waiting for the detector: as it came over MQTT, or raw from camera-ingest in this process. */
type WaitingFrame = { kind: 'jpeg'; ts: number; header: FrameHeader; jpeg: Buffer } | { kind: 'raw'; ts: number; frame: RawFrame };

export class CameraSession implements InProcessFrameReceiver {
  private readonly analysis: CameraAnalysis;
  private readonly parking: ParkingMinuteSampler;
  private readonly decoder = new FrameJpegDecoder();
  private pending?: WaitingFrame;
  /**
   * Raw frames are copied into two buffers used in turn: one holds the waiting frame (overwritten by a
   * newer one), the other the frame being analysed. No allocation per frame.
   */
  private rawWaiting = new Uint8Array(0);
  private rawAnalysed = new Uint8Array(0);
  private working?: Promise<void>;
  private alertChain: Promise<void> = Promise.resolve();
  private lastTimestampMs = Number.NEGATIVE_INFINITY;
  private closed = false;
  frames = 0;
  /** Since when a frame has been waiting (the oldest wait, so cameras are served fairly). */
  waitingSinceMs = 0;

  constructor(private readonly deps: CameraSessionDeps) {
    this.analysis = new CameraAnalysis({ config: deps.config, detector: deps.detector, timeZone: deps.timeZone });
    this.parking = new ParkingMinuteSampler(deps.cameraId, parkingCapacities(deps.config));
  }

  get cameraId(): string {
    return this.deps.cameraId;
  }

  get hasPending(): boolean {
    return this.pending !== undefined && !this.closed;
  }

  /** A frame arrived: it waits (replacing an older waiting one) until the worker runs analysePending. */
  offer(header: FrameHeader, jpeg: Buffer): void {
    // The MQTT payload buffer is not reused by the client: keeping a reference is safe.
    if (this.accepts(header.ts)) this.wait({ kind: 'jpeg', ts: header.ts, header, jpeg });
  }

  /** A raw frame from camera-ingest in this process: copied now (the caller reuses its buffer). */
  offerRaw(frame: RawFrame, timestampMs: number): void {
    if (!this.accepts(timestampMs)) return;
    if (this.rawWaiting.length !== frame.data.length) this.rawWaiting = new Uint8Array(frame.data.length);
    this.rawWaiting.set(frame.data);
    const copy: RawFrame = { data: this.rawWaiting, width: frame.width, height: frame.height };
    if (frame.letterboxedFrom) copy.letterboxedFrom = { width: frame.letterboxedFrom.width, height: frame.letterboxedFrom.height };
    this.wait({ kind: 'raw', ts: timestampMs, frame: copy });
  }

  private accepts(timestampMs: number): boolean {
    if (this.closed) return false;
    if (timestampMs <= this.lastTimestampMs) {
      framesSkipped.inc({ reason: 'out_of_order' });
      return false;
    }
    return true;
  }

  private wait(frame: WaitingFrame): void {
    if (this.pending) framesSkipped.inc({ reason: 'superseded' });
    else this.waitingSinceMs = Date.now();
    this.pending = frame;
    if (!this.working) this.deps.onReady(this);
  }

  /** Analyses the waiting frame (if any); frames arriving meanwhile make the session ready again after. */
  analysePending(): Promise<void> {
    if (this.working) return this.working;
    this.working = (async () => {
      const next = this.pending;
      this.pending = undefined;
      // The waiting raw buffer becomes the analysed one; the next raw frame is copied into the other.
      if (next?.kind === 'raw') [this.rawWaiting, this.rawAnalysed] = [this.rawAnalysed, this.rawWaiting];
      if (!next || this.closed || next.ts <= this.lastTimestampMs) return;
      try {
        await this.analyse(next);
      } catch (error) {
        framesSkipped.inc({ reason: 'failed' });
        this.deps.logger.warn({ err: error, cameraId: this.deps.cameraId }, 'a frame could not be analysed');
      }
    })().finally(() => {
      this.working = undefined;
      if (this.hasPending) this.deps.onReady(this);
    });
    return this.working;
  }

  /** Stops taking frames, finishes the one in progress and the alert calls already made. */
  async close(): Promise<void> {
    this.closed = true;
    this.pending = undefined;
    await this.working;
    await this.alertChain;
  }

  private async analyse(next: WaitingFrame): Promise<void> {
    const frame = next.kind === 'raw' ? next.frame : await this.decodeJpeg(next.header, next.jpeg);
    if (this.closed) return;
    const result = await this.analysis.process(frame, next.ts);
    this.lastTimestampMs = next.ts;
    this.frames++;
    framesAnalysed.inc();
    for (const crossing of result.crossings) this.deps.counts.add(this.deps.cameraId, crossing);
    if (this.parking.zones) this.deps.parking.add(this.parking.add(next.ts, result.parked));
    for (const event of result.events) this.report(event, frame, result.tracks);
    this.deps.onAnalysed(this.deps.cameraId, { capturedAt: next.ts, objects: result.tracks.length });
  }

  private async decodeJpeg(header: FrameHeader, jpeg: Buffer): Promise<RawFrame> {
    // camera-ingest letterboxed the frame to the camera's input size (detectInputSize or the model's).
    const input = this.deps.detector.inputFor(header.width, header.height);
    const decoded = await this.decoder.decode(jpeg, input.width, input.height);
    return {
      ...decoded,
      ...(header.sourceWidth && header.sourceHeight ? { letterboxedFrom: { width: header.sourceWidth, height: header.sourceHeight } } : {}),
    };
  }

  /** "Camera name (zone)" in each language. */
  private place(zoneId: string): LocalisedText {
    const names = namesOf({ name: this.deps.cameraName, nameEn: this.deps.cameraNameEn });
    return { vi: `${names.vi} (${zoneId})`, en: `${names.en} (${zoneId})` };
  }

  /** Situations become alerts in order, one call at a time per camera; the snapshot is taken now. */
  private report(event: SituationEvent, frame: RawFrame, tracks: TrackSnapshot[]): void {
    const key = { sourceType: 'camera' as const, sourceId: this.deps.cameraId, kind: event.kind, zoneId: event.zoneId };
    // renderSnapshot copies the frame before its first await: the decoder may reuse its buffer after this.
    const snapshot = event.phase === 'end' ? undefined : renderSnapshot(frame, boxesFor(event, tracks)).catch(() => undefined);
    this.alertChain = this.alertChain.then(async () => {
      try {
        if (event.phase === 'end') {
          await this.deps.alerts.clear(key, ENDED);
          return;
        }
        await this.deps.alerts.raise({
          ...key,
          severity: SEVERITY[event.kind],
          title: TITLE[event.kind](this.place(event.zoneId)),
          observedAt: new Date(event.timestampMs),
          evidence: {
            snapshotJpeg: await snapshot,
            data: {
              situationId: event.situationId,
              phase: event.phase,
              class: event.class,
              trackId: event.trackId,
              ...(event.count !== undefined ? { count: event.count } : {}),
              ...(event.sustainedCount !== undefined ? { sustainedCount: event.sustainedCount } : {}),
              durationSeconds: event.durationSeconds,
            },
          },
        });
      } catch (error) {
        alertFailures.inc();
        this.deps.logger.warn({ err: error, cameraId: this.deps.cameraId, kind: event.kind, phase: event.phase }, 'could not report a situation to the alerts API');
      }
    });
  }
}

/** The tracks the situation is about: the one track, or every track of the classes a zone rule counts. */
function boxesFor(event: SituationEvent, tracks: TrackSnapshot[]): SnapshotBox[] {
  const relevant =
    event.trackId !== null
      ? tracks.filter((track) => track.id === event.trackId)
      : tracks.filter((track) => (event.kind === 'crowd' ? track.class === 'person' : track.class !== 'person' && track.class !== 'bicycle'));
  return relevant.map((track) => ({ box: track.box, label: `${track.class} #${track.id}` }));
}
