// The analytics role: the slot scheduler (one leader among all analytics processes, by advisory lock)
// and an analysis worker that leases slots, receives the frames of its cameras from camera-ingest over
// MQTT (or in memory when camera-ingest runs in this process: FRAME_TRANSPORT=auto) and runs detection,
// tracking and rules on them. Start several on several machines to add capacity: each measures what it
// can take, and SLOT_COUNT (unset) follows the sum.
import { hostname } from 'node:os';
import path from 'node:path';
import { DurableAlertOutbox } from '@cityops/core/alerts/outbox';
import { createAlertRaiser } from '@cityops/core/alerts/raise';
import type { Component } from '@cityops/core/lifecycle';
import { createLivePublisher } from '@cityops/core/live/publisher';
import type { RoleContext } from '@cityops/core/role-context';
import { averageEnabledDetectFps } from '@cityops/devices/camera-repository';
import type { InProcessFrameChannel } from '@cityops/ingest/frame/in-process-frame-channel';
import type { MqttClient } from 'mqtt';
import { createDetector, detectorOptionsFromConfig, type Detector } from './detect/detector.ts';
import { AnalysisWorker } from './live/analysis-worker.ts';
import { capacityFor, measureMsPerFrame } from './live/capacity.ts';
import { SlotLeader } from './slots/leader.ts';
import { slotLeaderSettingsFromConfig } from './slots/settings.ts';

/** Detect rate assumed for capacity when no camera is registered yet (the registry default). */
const DEFAULT_DETECT_FPS = 2;

export class AnalyticsRole implements Component {
  readonly name = 'analytics';
  private leader?: SlotLeader;
  private worker?: AnalysisWorker;
  private detector?: Detector;
  private mqtt?: MqttClient;
  private alertOutbox?: DurableAlertOutbox;

  constructor(
    private readonly context: RoleContext,
    private readonly options: { localFrames?: InProcessFrameChannel } = {},
  ) {}

  async start(): Promise<void> {
    const { config, db, logger } = this.context;
    const workerId = config.ANALYTICS_WORKER_ID ?? `analytics-${hostname()}-${process.pid}`;
    const live = createLivePublisher(db);
    try {
      this.leader = new SlotLeader({ db, logger, live, id: workerId, settings: slotLeaderSettingsFromConfig(config) });
      await this.leader.start();

      if (!config.MQTT_URL) {
        logger.warn('analytics: no MQTT broker configured; the slot scheduler runs, but no frames can be analysed here');
        return;
      }
      try {
        this.detector = await createDetector(detectorOptionsFromConfig(config));
      } catch (error) {
        // The rest of the system keeps running: the cheap tier and the scheduler work without a model,
        // and the slot state says no worker can analyse (measured capacity 0).
        logger.error({ err: error }, 'analytics: the detection model cannot be loaded; this process analyses no camera until it is fixed and restarted');
        return;
      }
      const msPerFrame = await measureMsPerFrame(this.detector);
      const fps = await averageDetectFps(this.context);
      const capacity = config.ANALYTICS_CAPACITY ?? capacityFor(msPerFrame, config.DETECT_SESSIONS, fps);
      logger.info({ workerId, msPerFrame: Math.round(msPerFrame * 10) / 10, detectFps: fps, capacity, configured: config.ANALYTICS_CAPACITY !== undefined }, 'analytics worker capacity');
      this.mqtt = await this.context.connectMqtt(`cityops-analytics-${workerId}`.slice(0, 64), { clean: true });
      // Vision situations wait on disk while the database is away (core/alerts/outbox.ts).
      this.alertOutbox = new DurableAlertOutbox({
        producer: 'analytics',
        directory: path.join(config.dataDir, 'alert-outbox', 'analytics'),
        alerts: createAlertRaiser({ db, live, mqtt: this.mqtt }),
        logger,
        maxBytes: config.ALERT_OUTBOX_MAX_MB * 1024 * 1024,
      });
      await this.alertOutbox.start();
      this.worker = new AnalysisWorker({
        db,
        mqtt: this.mqtt,
        detector: this.detector,
        alerts: this.alertOutbox,
        logger,
        workerId,
        capacity,
        msPerFrame,
        leaseMs: config.SLOT_LEASE_SECONDS * 1000,
        concurrency: config.DETECT_SESSIONS + 1,
        localFrames: this.options.localFrames,
        timeZone: config.CITY_TIME_ZONE,
      });
      await this.worker.start();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.worker?.stop();
    await this.alertOutbox?.stop();
    this.alertOutbox = undefined;
    await this.leader?.stop();
    await this.mqtt?.endAsync().catch(() => undefined);
    await this.detector?.close();
    this.worker = undefined;
    this.leader = undefined;
    this.mqtt = undefined;
    this.detector = undefined;
  }
}

async function averageDetectFps(context: RoleContext): Promise<number> {
  return (await averageEnabledDetectFps(context.db)) ?? DEFAULT_DETECT_FPS;
}

export async function createRole(context: RoleContext, options: { localFrames?: InProcessFrameChannel } = {}): Promise<Component> {
  return new AnalyticsRole(context, options);
}
