// What a city's cameras really send sometimes: wrong passwords, URLs that are not RTSP, codecs we do
// not ingest, garbage, resolution changes mid-stream. Each ends in a clear state, never a crash, and
// never a retry storm.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraPipeline, CameraPipelineOptions } from '../../ingest/camera/pipeline.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { startSimulator, testPipeline, waitFor } from './support.ts';

let simulator: CameraSimulator;
let garbage: net.Server;
const pipelines: CameraPipeline[] = [];

beforeAll(async () => {
  simulator = await startSimulator([
    { id: 'cam-locked', scene: 'traffic', credentials: { username: 'admin', password: 'right-password' } },
    { id: 'cam-mpeg4', scene: 'traffic', codec: 'mpeg4' },
    { id: 'cam-resize', scene: 'traffic' },
    { id: 'cam-hevc', scene: 'people', codec: 'h265' },
  ]);
  // A "camera" that answers anything with random bytes.
  garbage = net.createServer((socket) => {
    socket.on('data', () => socket.write(randomBytes(512)));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await Promise.all(pipelines.map((pipeline) => pipeline.stop()));
  await simulator?.stop();
  await new Promise((resolve) => garbage?.close(resolve));
});

function pipelineFor(cameraId: string, url: string, options: Partial<CameraPipelineOptions> = {}): CameraPipeline {
  return testPipeline(pipelines, cameraId, url, { backoff: { minMs: 500, maxMs: 2000 }, ...options });
}

const withCredentials = (url: string, username: string, password: string) => url.replace('rtsp://', `rtsp://${username}:${password}@`);

describe('bad camera input', () => {
  it('says the password is wrong and does not retry it in a loop', async () => {
    const wrong = pipelineFor('cam-locked', withCredentials(simulator.url('cam-locked'), 'admin', 'wrong-password'));
    const right = pipelineFor('cam-locked-ok', withCredentials(simulator.url('cam-locked'), 'admin', 'right-password'));
    await Promise.all([wrong.start(), right.start()]);
    await waitFor('auth failure', () => wrong.status().reason === 'auth_failed', 15_000);
    expect(wrong.status()).toMatchObject({ state: 'offline', message: expect.stringMatching(/password/) });
    await waitFor('the right password to work', () => right.status().state === 'online', 20_000);
    // With a 0.5–2 s backoff for other failures, 6 s would allow several attempts; a refused password waits for a person.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(wrong.status().restarts).toBe(1);
    expect(wrong.ffmpegPid).toBeUndefined();
  });

  it('refuses a URL that is not RTSP without starting ffmpeg', async () => {
    const pipeline = pipelineFor('cam-http', 'http://127.0.0.1:1/stream.mjpg');
    await pipeline.start();
    expect(pipeline.status()).toMatchObject({ state: 'offline', reason: 'not_rtsp' });
    expect(pipeline.ffmpegPid).toBeUndefined();
  });

  it('refuses a stream that is neither H.264 nor H.265, naming the codec', async () => {
    const pipeline = pipelineFor('cam-mpeg4', simulator.url('cam-mpeg4'));
    await pipeline.start();
    await waitFor('codec refusal', () => pipeline.status().reason === 'unsupported_codec', 20_000);
    expect(pipeline.status().message).toMatch(/mpeg4.*H\.264 or H\.265/);
    expect(pipeline.status().framesReceived).toBe(0);
  });

  it('survives a camera that answers garbage, retrying with backoff', async () => {
    const { port } = garbage.address() as net.AddressInfo;
    const pipeline = pipelineFor('cam-garbage', `rtsp://127.0.0.1:${port}/stream`);
    await pipeline.start();
    await waitFor('two failed attempts', () => pipeline.status().restarts >= 2, 20_000);
    expect(pipeline.status()).toMatchObject({ state: 'offline', reason: expect.stringMatching(/invalid_data|exited|timeout/) });
  });

  it('follows a resolution change mid-stream without a restart, and keeps frames flowing when the live relay is down', async () => {
    const sizes: string[] = [];
    const pipeline = pipelineFor('cam-resize', simulator.url('cam-resize'), {
      // Nothing listens there: the relay copy fails, frames must not.
      relayUrl: () => 'rtmp://127.0.0.1:9/live/nobody',
      consumer: { onFrame: (_id, _frame, _w, _h, _t, from) => void sizes.push(`${from?.width}x${from?.height}`) },
    });
    await pipeline.start();
    await waitFor('frames at 640x360', () => sizes.includes('640x360'), 20_000);
    await simulator.fault('cam-resize', 'resize');
    await waitFor('frames at 480x270', () => sizes.includes('480x270'), 20_000);
    expect(pipeline.status()).toMatchObject({ state: 'online', width: 480, height: 270, restarts: 0 });
  });

  it('ingests H.265 frames and reports live view unavailable (FLV carries H.264)', async () => {
    const pipeline = pipelineFor('cam-hevc', simulator.url('cam-hevc'), { relayUrl: () => 'rtmp://127.0.0.1:9/live/nobody' });
    await pipeline.start();
    await waitFor('online', () => pipeline.status().state === 'online', 20_000);
    expect(pipeline.status()).toMatchObject({ codec: 'hevc', liveView: false });
  });
});
