// The camera-ingest role: one worker process pulling its share of the cameras (ingest/camera/worker.ts).
// Run several (`npm start -- --role camera-ingest` on several machines): cameras are shared by leases.
// Every sampled frame goes to analysis slots (analytics/slots/ingest-hook.ts): a motion score for every
// camera (the cheap tier), and, for cameras holding a slot, the frame to the analytics workers over MQTT.
import os from 'node:os';
import { SlotFrameHook } from '@cityops/analytics/slots/ingest-hook';
import { ComponentGroup, type Component } from '@cityops/core/lifecycle';
import type { RoleContext } from '@cityops/core/role-context';
import type { FrameConsumer } from '@cityops/ingest/camera/frame-reader';
import type { InProcessFrameChannel } from '@cityops/ingest/frame/in-process-frame-channel';
import { CameraIngestWorker } from '@cityops/ingest/camera/worker';

export async function createRole(context: RoleContext, options: { consumer?: FrameConsumer; localFrames?: InProcessFrameChannel } = {}): Promise<Component> {
  if (options.consumer) return new CameraIngestWorker(context, { consumer: options.consumer });
  const { config, db, logger } = context;
  const reporter = `camera-ingest-${os.hostname()}-${process.pid}`;
  const slots = new SlotFrameHook({
    db,
    logger,
    reporter,
    connectMqtt: config.MQTT_URL ? () => context.connectMqtt(`cityops-frames-${os.hostname()}-${process.pid}`.slice(0, 64)) : undefined,
    reportIntervalMs: config.CHEAP_TIER_REPORT_SECONDS * 1000,
    jpegQuality: config.ANALYTICS_FRAME_JPEG_QUALITY,
    localFrames: options.localFrames,
  });
  // The hook starts first and stops last: it is there for every frame the worker delivers.
  return new ComponentGroup([slots, new CameraIngestWorker(context, { consumer: slots })]);
}
