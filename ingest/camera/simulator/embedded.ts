// The camera simulator as part of the embedded start: SIMULATED_CAMERAS cameras on SIM_RTSP_PORT,
// the same ids and scenes the demo seed registers (cam-001 … at rtsp://127.0.0.1:SIM_RTSP_PORT/cam-NNN).
import path from 'node:path';
import { assetDirectoryWith } from '@cityops/core/demo-assets';
import type { RoleContext } from '@cityops/core/role-context';
import { demoCameraScene } from '@cityops/devices/demo-seed';
import { CameraSimulator } from './camera-simulator.ts';

export function createCameraSimulation(context: Pick<RoleContext, 'config' | 'logger'>): CameraSimulator {
  const { config, logger } = context;
  return new CameraSimulator({
    port: config.SIM_RTSP_PORT,
    cameras: Array.from({ length: config.SIMULATED_CAMERAS }, (_, index) => ({
      id: `cam-${String(index + 1).padStart(3, '0')}`,
      scene: demoCameraScene(index),
    })),
    assetDir: assetDirectoryWith(config, 'video/traffic.mp4'),
    cacheDir: path.join(config.dataDir, 'simulator-cache'),
    ffmpegPath: config.FFMPEG_PATH,
    logger: logger.child({ component: 'camera-simulator' }),
  });
}
