// Cameras whose timestamps jump must not stop the live relay, nor the process. node-media-server shifts
// a resumed publish's timestamps past the previous publish's last one and wrote them unwrapped, so a
// camera near the 32-bit millisecond range that reconnected threw a RangeError in a socket handler and
// ended every role. Real ffmpeg publishers, the real node-media-server, real HTTP-FLV viewers.
import { describe, expect, it } from 'vitest';
import { FfmpegProcess } from '../../ingest/camera/ffmpeg.ts';
import { FFMPEG, startSimulator, testPipeline, useRelayTestBed, waitFor } from './support.ts';

/** FLV carries 31 bits of milliseconds: start 10 s before that, as a camera up for 24.8 days would. */
const NEAR_FLV_LIMIT_SECONDS = (2 ** 31 - 10_000) / 1000;

const bed = useRelayTestBed();
const { publishers, viewers, pipelines } = bed;

function publish(cameraId: string, tsOffsetSeconds = 0): FfmpegProcess {
  const publisher = new FfmpegProcess({
    ffmpegPath: FFMPEG,
    args: [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=10',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-bf', '0', '-pix_fmt', 'yuv420p',
      '-output_ts_offset', String(tsOffsetSeconds),
      '-f', 'flv', bed.relay.publishUrl(cameraId),
    ],
  });
  publishers.push(publisher);
  return publisher;
}

interface Viewer {
  bytes: () => number;
  /** Timestamps (ms) of the video tags received, in order. */
  timestamps: number[];
}

/** An HTTP-FLV viewer that reads the tags' timestamps (FLV: 24 bits, then the upper 8). */
async function watch(cameraId: string): Promise<Viewer> {
  const controller = new AbortController();
  viewers.push(controller);
  const response = await fetch(bed.relay.playUrl(cameraId), { signal: controller.signal });
  expect(response.status).toBe(200);
  let received = 0;
  let pending = Buffer.alloc(0);
  let offset = 13; // FLV header and the first PreviousTagSize
  const timestamps: number[] = [];
  const reader = response.body!.getReader();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      received += value.length;
      pending = Buffer.concat([pending, value]);
      while (pending.length >= offset + 11) {
        const size = pending.readUIntBE(offset + 1, 3);
        if (pending.length < offset + 11 + size + 4) break;
        if (pending[offset] === 9) timestamps.push((pending.readUIntBE(offset + 4, 3) | (pending[offset + 7] << 24)) >>> 0);
        pending = pending.subarray(offset + 11 + size + 4);
        offset = 0;
      }
    }
  })().catch(() => {});
  return { bytes: () => received, timestamps };
}

async function receivesMore(viewer: Viewer, what: string): Promise<void> {
  const before = viewer.bytes();
  await waitFor(what, () => viewer.bytes() > before + 20_000, 20_000);
}

describe('live relay and jumping camera timestamps', () => {
  it('keeps relaying a camera whose timeline runs past 2^32 ms across reconnects, and the other cameras', { timeout: 120_000 }, async () => {
    publish('cam-steady');
    const steadyViewer = await watch('cam-steady');
    const leapViewer = await watch('cam-leap');
    const seen = (what: string, test: (ts: number) => boolean, from = 0) =>
      waitFor(what, () => leapViewer.timestamps.slice(from).some(test), 30_000);
    await receivesMore(steadyViewer, 'cam-steady relayed');

    // Each time the camera comes back within node-media-server's grace window, its timeline resumes
    // after the last timestamp. Three sessions near FLV's 2^31 ms make it pass 2^32 ms (as 50 days of
    // a camera that reconnects now and then would).
    let publisher = publish('cam-leap', NEAR_FLV_LIMIT_SECONDS);
    await seen('first session relayed', (ts) => ts > 2 ** 31 - 8000);
    await publisher.stop(500);
    publisher = publish('cam-leap', NEAR_FLV_LIMIT_SECONDS);
    await seen('second session relayed, resumed after the first', (ts) => ts > 2 ** 32 - 15_000);
    await publisher.stop(500);
    const mark = leapViewer.timestamps.length;
    publish('cam-leap', NEAR_FLV_LIMIT_SECONDS);
    // 2^32 - 15 s + 2^31 - 10 s, wrapped modulo 2^32 as RTMP defines.
    await waitFor('third session relayed past 2^32 ms', () => leapViewer.timestamps.slice(mark).filter((ts) => ts < 2 ** 31).length >= 10, 30_000);
    await receivesMore(steadyViewer, 'cam-steady still relayed');
  });

  it('keeps a camera whose RTP timestamps loop, wrap and leap online with live view', { timeout: 120_000 }, async () => {
    const simulator = (bed.simulator = await startSimulator([{ id: 'cam-clock', scene: 'traffic' }]));
    const pipeline = testPipeline(pipelines, 'cam-clock', simulator.url('cam-clock'), { relayUrl: () => bed.relay.publishUrl('cam-clock') });
    await pipeline.start();
    await waitFor('cam-clock online', () => pipeline.status().state === 'online', 30_000);
    const viewer = await watch('cam-clock');
    for (const fault of ['time-loop', 'time-wrap', 'time-leap'] as const) {
      await simulator.fault('cam-clock', fault);
      const frames = pipeline.status().framesReceived;
      await receivesMore(viewer, `live view after ${fault}`);
      await waitFor(`frames after ${fault}`, () => pipeline.status().framesReceived > frames + 4, 20_000);
    }
    expect(pipeline.status()).toMatchObject({ state: 'online', restarts: 0 });
  });
});
