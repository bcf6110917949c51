// A camera whose RTP timestamps jump backwards every few seconds and wrap past 2^32 (a proxy in front
// of a simulated camera rewrites them: see timestamp-jumping-proxy.ts), next to a normal camera, for
// WATCH_MS. Survives when no role exits, both cameras are still online at the end (the jumping camera
// possibly after restarts), and the api answers.
import type { Scenario } from '../scenario.ts';
import { LiveViewer } from '../live-viewer.ts';
import { TimestampJumpingProxy } from '../timestamp-jumping-proxy.ts';
import { freePort, sleep, waitUntil } from '../processes.ts';

const WATCH_MS = 90_000;

export const cameraTimestamps: Scenario = {
  name: 'camera-timestamps',
  timeoutMs: () => 900_000,
  async run({ system: create, onCleanup, log }) {
    // The proxy must know the simulator's port before the camera is registered; the simulator serves
    // cam-001 and cam-002, and the jumping camera is cam-002 seen through the proxy.
    const rtspPort = await freePort();
    const proxy = new TimestampJumpingProxy(rtspPort);
    await proxy.start();
    onCleanup(() => proxy.stop());
    const system = create({ cameras: 2, loadSensors: 0, roles: ['api', 'camera-ingest', 'analytics'], extraCameras: [{ id: 'cam-jumping', rtspUrl: `rtsp://127.0.0.1:${proxy.port}/cam-002` }], rtspPort });
    await system.start();
    const online = await waitUntil(() => system.camerasOnline(), (count) => count >= 2, 120_000);
    log(`${online.value} cameras online; watching for ${WATCH_MS / 1000} s`);
    // Someone watches it live: the stream then also flows through the worker's live relay.
    const viewer = new LiveViewer(system, 'cam-jumping');
    await viewer.start();
    onCleanup(() => viewer.stop());
    await sleep(WATCH_MS);
    await viewer.stop();
    const final = await system.db.query<{ camera_id: string; state: string; restarts: number; frames_received: string }>(
      `SELECT camera_id, state, restarts, frames_received::text FROM camera_status ORDER BY camera_id`,
    );
    const jumping = final.rows.find((row) => row.camera_id === 'cam-jumping');
    const api = await system.api('/healthz');
    const failures: string[] = [];
    if (system.unexpectedExits.length) failures.push(system.exitSummary());
    if (!jumping || jumping.state !== 'online') failures.push(`cam-jumping is ${jumping?.state ?? 'unknown'} at the end`);
    const others = final.rows.filter((row) => row.camera_id !== 'cam-jumping' && row.state !== 'online');
    if (others.length) failures.push(`${others.map((row) => row.camera_id).join(', ')} not online at the end`);
    if (api !== 200) failures.push(`api /healthz ${api}`);
    if (proxy.jumps === 0) failures.push('the proxy made no jump (no camera pulled the stream?)');
    return {
      survived: failures.length === 0,
      // Cameras lost: not delivering pictures at the end.
      lost: final.rows.filter((row) => row.state !== 'online').length + (jumping ? 0 : 1),
      conditions: `RTP timestamps start 4 s below 2^32 and jump back 20 s every 8 s (${proxy.jumps} jumps, ${proxy.wraps} wraps made) for ${WATCH_MS / 1000} s, next to 2 normal cameras, one operator watching it live (${viewer.sessions} sessions, ${Math.round(viewer.bytes / 1024)} KB received); cam-jumping ${jumping ? `${jumping.state}, ${jumping.restarts} ffmpeg restarts, ${jumping.frames_received} frames` : 'no status'}; ${system.exitSummary()}`,
      failures,
    };
  },
};
