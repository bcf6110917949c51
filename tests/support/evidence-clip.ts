// A real evidence clip for tests of what people do with clips (play, export): an H.264 MP4 made by
// ffmpeg as the clip service makes them (moov first), stored through the clip repository. The clip
// service's own path from camera to file is tested in tests/cameras/worker.test.ts.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Queryable } from '../../core/database/pool.ts';
import { markClipSaved } from '../../ingest/camera/clip-repository.ts';
import { probeDuration } from '../../ingest/camera/clip-service.ts';

const run = promisify(execFile);

/** Writes a `seconds`-long moving test picture as the clip of `alertId` (its alert_clips row must exist). */
export async function saveRealClip(db: Queryable, alertId: number, dir: string, seconds = 3): Promise<{ filePath: string; bytes: number; durationSeconds: number }> {
  const filePath = path.join(dir, `clip-${alertId}.mp4`);
  await run('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=10:duration=${seconds}`,
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '10', '-movflags', '+faststart', '-y', filePath,
  ]);
  const bytes = statSync(filePath).size;
  const durationSeconds = await probeDuration('ffmpeg', filePath);
  await markClipSaved(db, alertId, { filePath, bytes, clipStart: new Date(Date.now() - seconds * 1000), durationSeconds, retentionSeconds: 3600 });
  return { filePath, bytes, durationSeconds };
}
