// The live relay's publish URL is in ffmpeg's arguments, readable by anyone on the machine (`ps`): it must
// be good only for the push's start, and a camera's ffmpeg started again later must get a new one.
// Real node-media-server, real ffmpeg publishers and pipeline, real HTTP-FLV viewers.
import { describe, expect, it } from 'vitest';
import { FfmpegProcess } from '../../ingest/camera/ffmpeg.ts';
import { FFMPEG, ffmpegProcesses, startSimulator, testPipeline, useRelayTestBed, waitFor } from './support.ts';

const bed = useRelayTestBed();
const { publishers, viewers, pipelines } = bed;

/** A test-pattern camera pushing to the given URL. */
function publish(url: string): FfmpegProcess {
  const publisher = new FfmpegProcess({
    ffmpegPath: FFMPEG,
    args: [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=10',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-bf', '0', '-pix_fmt', 'yuv420p',
      '-f', 'flv', url,
    ],
  });
  publishers.push(publisher);
  return publisher;
}

/** An HTTP-FLV viewer of a camera through the relay: bytes received so far. */
async function watch(cameraId: string): Promise<() => number> {
  const controller = new AbortController();
  viewers.push(controller);
  const response = await fetch(bed.relay.playUrl(cameraId), { signal: controller.signal });
  expect(response.status).toBe(200);
  let received = 0;
  const reader = response.body!.getReader();
  void (async () => {
    for (let read = await reader.read(); !read.done; read = await reader.read()) received += read.value.length;
  })().catch(() => {});
  return () => received;
}

const expiryOf = (url: string) => Number(new URL(url).searchParams.get('sign')!.split('-')[0]);

describe('live relay publish signature', () => {
  it('is valid for a minute at most', () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const expiry = expiryOf(bed.relay.publishUrl('cam-any'));
    expect(expiry).toBeGreaterThanOrEqual(nowSeconds + 30);
    expect(expiry).toBeLessThanOrEqual(nowSeconds + 61);
  });

  it('refuses a push whose signature has expired and takes one with a fresh signature', { timeout: 60_000 }, async () => {
    const received = await watch('cam-sign');
    // As someone who copied the URL from `ps` a while ago would try it.
    const stale = publish(bed.relay.publishUrl('cam-sign', -5));
    const { code } = await stale.exited;
    expect(code).not.toBe(0);
    // The FLV file header (13 bytes) the viewer gets at once, and not one media tag of the refused push.
    expect(received()).toBeLessThanOrEqual(13);

    publish(bed.relay.publishUrl('cam-sign'));
    await waitFor('the fresh push relayed', () => received() > 20_000, 20_000);
  });

  it('gives a camera ffmpeg started again a new URL; the one read from `ps` is refused once expired', { timeout: 180_000 }, async () => {
    const simulator = (bed.simulator = await startSimulator([{ id: 'cam-restart', scene: 'traffic' }]));
    const marker = simulator.url('cam-restart');
    const pipeline = testPipeline(pipelines, 'cam-restart', marker, {
      // Valid for 15 s only (enough for a start on a loaded machine): a URL built once and reused would
      // be refused at the restart.
      relayUrl: () => bed.relay.publishUrl('cam-restart', 15),
    });
    await pipeline.start();
    const received = await watch('cam-restart');
    await waitFor('the first run relayed', () => received() > 20_000, 30_000);
    const publishUrlIn = (row: { args: string }) => /rtmp:\/\/\S+\?sign=\d+-[0-9a-f]{32}/.exec(row.args)?.[0];
    const [first] = ffmpegProcesses(marker);
    const leakedUrl = publishUrlIn(first)!;
    expect(leakedUrl).toBeDefined();
    await waitFor('the first URL to expire', () => Date.now() / 1000 > expiryOf(leakedUrl) + 1, 30_000);

    pipeline.restartStream('test: ffmpeg started again after its publish URL expired');
    const second = await waitFor('a second ffmpeg run', () => ffmpegProcesses(marker).find((row) => row.pid !== first.pid), 20_000);
    expect(expiryOf(publishUrlIn(second)!)).toBeGreaterThan(expiryOf(leakedUrl));
    const before = received();
    await waitFor('the second run relayed', () => received() > before + 20_000, 30_000);
    expect(pipeline.status().state).toBe('online');

    // Someone who read the first URL from `ps` cannot push with it now, even with the camera gone.
    await pipeline.stop();
    const intruder = publish(leakedUrl);
    expect((await intruder.exited).code).not.toBe(0);
  });
});
