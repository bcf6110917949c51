// `npm run sim:cameras` — simulated RTSP cameras on loopback (see simulator/camera-simulator.ts).
//   npm run sim:cameras -- [--cameras 4] [--port 8554] [--size 640x360] [--substream 640x360] [--onvif] [--spread-phases]
//                                   serve cam-001 … cam-NNN at --size; type faults on stdin; --substream
//                                   also serves each camera's substream at cam-NNN/sub in that size;
//                                   --onvif also answers ONVIF discovery and media calls, one device
//                                   listing every camera; --spread-phases delays each camera by its own
//                                   0–1 s, so cameras of one scene do not send their keyframes at the same instant
//   npm run sim:cameras -- fault cam-002 freeze [--port 8554] inject a fault into a running simulator
// Faults: stop, resume, freeze, black, scene-change, resize, disconnect, time-loop, time-wrap, time-leap.
import path from 'node:path';
import readline from 'node:readline';
import { loadConfig } from '@cityops/core/config';
import { createLogger } from '@cityops/core/logger';
import { demoCameraScene } from '@cityops/devices/demo-seed';
import { CameraSimulator, CAMERA_FAULTS, substreamId, type CameraFault } from './simulator/camera-simulator.ts';
import { sendSimulatorFault } from './simulator/rtsp-control.ts';
import { SimulatedOnvifDevice } from '../onvif/simulated-device.ts';

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

function sizeOption(args: string[], name: string): { width: number; height: number } | undefined {
  const value = option(args, name);
  if (value === undefined) return undefined;
  const match = /^(\d+)x(\d+)$/.exec(value);
  if (!match || Number(match[1]) % 2 || Number(match[2]) % 2) throw new Error(`--${name} wants WIDTHxHEIGHT in even numbers, e.g. 640x360 (got "${value}")`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

async function main() {
  const args = process.argv.slice(2);
  const config = loadConfig(process.env, []);
  const port = Number(option(args, 'port') ?? config.SIM_RTSP_PORT);

  if (args[0] === 'fault') {
    const [, cameraId, fault] = args;
    if (!cameraId || !fault) {
      console.error(`usage: npm run sim:cameras -- fault <camera-id> <${CAMERA_FAULTS.join('|')}> [--port ${port}]`);
      process.exit(2);
    }
    await sendSimulatorFault(port, cameraId, fault);
    console.log(`${cameraId}: ${fault}`);
    return;
  }

  const count = Number(option(args, 'cameras') ?? (config.SIMULATED_CAMERAS || 4));
  const logger = createLogger(config.LOG_LEVEL);
  const size = sizeOption(args, 'size');
  const substream = sizeOption(args, 'substream');
  const simulator = new CameraSimulator({
    port,
    ...size,
    cameras: Array.from({ length: count }, (_, index) => ({ id: `cam-${String(index + 1).padStart(3, '0')}`, scene: demoCameraScene(index), ...(substream ? { substream } : {}) })),
    assetDir: config.ASSET_MIRROR_DIR,
    cacheDir: path.join(config.dataDir, 'simulator-cache'),
    ffmpegPath: config.FFMPEG_PATH,
    logger,
    spreadPhases: args.includes('--spread-phases'),
  });
  await simulator.start();
  await simulator.ready();
  console.log(`\n  ${count} simulated cameras (RTSP over TCP):`);
  for (let index = 0; index < count; index++) {
    const id = `cam-${String(index + 1).padStart(3, '0')}`;
    console.log(`    ${simulator.url(id)}${substream ? `  (substream ${simulator.url(substreamId(id))})` : ''}`);
  }
  let onvif: SimulatedOnvifDevice | undefined;
  if (args.includes('--onvif')) {
    onvif = new SimulatedOnvifDevice({
      name: 'CityOps simulated cameras',
      discovery: true,
      profiles: Array.from({ length: count }, (_, index) => {
        const id = `cam-${String(index + 1).padStart(3, '0')}`;
        return { token: id, name: id, width: 640, height: 360, fps: 15, encoding: 'H264' as const, rtspUrl: simulator.url(id) };
      }),
    });
    await onvif.start();
    console.log(`  ONVIF device: ${onvif.deviceServiceUrl} (answers WS-Discovery on 239.255.255.250:3702)`);
  }
  console.log(`  Type "<fault> <camera>" (${CAMERA_FAULTS.join(', ')}), e.g. "freeze cam-001". Ctrl-C stops.\n`);

  const input = readline.createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const [fault, cameraId] = line.trim().split(/\s+/);
    if (!fault) return;
    if (!(CAMERA_FAULTS as readonly string[]).includes(fault) || !cameraId) {
      console.log(`  ? "<fault> <camera>", fault one of ${CAMERA_FAULTS.join(', ')}`);
      return;
    }
    simulator.fault(cameraId, fault as CameraFault).then(
      () => console.log(`  ${cameraId}: ${fault}`),
      (error: Error) => console.log(`  ${error.message}`),
    );
  });
  const shutdown = async () => {
    input.close();
    await onvif?.stop();
    await simulator.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((error) => {
  console.error(`sim:cameras: ${(error as Error).message}`);
  process.exit(1);
});
