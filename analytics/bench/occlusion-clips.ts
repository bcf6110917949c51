// A test set for tracking through passing traffic, made with ffmpeg from the sample street video, with
// what should happen in each clip written down beside it. Used by tests/vision/occlusion.test.ts and by
// `npm run bench -- detect` (the `vision.id_switches` figures).
//
// Frame 30 of traffic.mp4 shows two cars standing in their lanes (a dark one, a silver one). Held for
// 40 s they are stopped vehicles; a car cut out of the same frame (the silver one, with its patch of road)
// is then driven across the picture in front of them, hiding them as a passing car does. Variants:
// mirrored, sped up, cropped (objects larger), a car that stops in front for 5 s, traffic in both lanes;
// and the real moving traffic looped, where nothing stands still.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Box } from '@cityops/models/letterbox';
import { inputGeometry } from '@cityops/models/manifest';
import { CameraAnalysis } from '../camera-analysis.ts';
import type { Detector } from '../detect/detector.ts';
import { parseAnalysisConfig } from '../rules/config.ts';
import { decodeVideoFile } from '../video/decode-file.ts';

const run = promisify(execFile);

export interface OcclusionClip {
  name: string;
  file: string;
  /** What the clip shows, for the figure's conditions. */
  description: string;
  /** stalled_vehicle alerts expected with a 20 s rule over the whole picture: one per stopped vehicle. */
  expectedStalled: number;
}

/** The rule the clips are written for. */
export const OCCLUSION_RULE_SECONDS = 20;
export const OCCLUSION_ANALYSIS_FPS = 2;
const SECONDS = 40;

/** A passing car: the silver car of frame 30 with its patch of road (160 × 72 px of the 640 × 360 picture). */
const SPRITE_CROP = 'crop=160:72:135:216';
/** The dark car's lane (the sprite's top edge) and where the sprite covers the dark car exactly. */
const DARK_LANE_Y = 134;
const OVER_DARK_CAR_X = 222;
const SILVER_LANE_Y = 214;

interface ClipRecipe {
  name: string;
  description: string;
  expectedStalled: number;
  /** ffmpeg arguments after the inputs: [0] the held frame, [1] the sprite. */
  filter?: string;
  /** A clip not made from the held frame. */
  moving?: true;
}

/** ffmpeg expressions: commas escaped for the filtergraph. */
const expr = (text: string) => text.replace(/,/g, '\\,');
const passing = (start: number, period: number, speed: number, y: number, rightToLeft = false) =>
  `overlay=x='${expr(rightToLeft ? `640-${speed}*mod(t-${start},${period})` : `-160+${speed}*mod(t-${start},${period})`)}':y=${y}:enable='${expr(`gte(t,${start})*lt(mod(t-${start},${period}),${(800 / speed).toFixed(2)})`)}'`;
/** Drives in, stands over the dark car for 5 s, drives off; every 14 s from t = 3. */
const stopping = (() => {
  const u = 'mod(t-3,14)';
  const arrive = ((OVER_DARK_CAR_X + 160) / 270).toFixed(2);
  const leave = (Number(arrive) + 5).toFixed(2);
  return `overlay=x='${expr(`if(lt(${u},${arrive}),-160+270*${u},if(lt(${u},${leave}),${OVER_DARK_CAR_X},${OVER_DARK_CAR_X}+270*(${u}-${leave})))`)}':y=${DARK_LANE_Y}:enable='${expr(`gte(t,3)*lt(t,31)*lt(${u},10)`)}'`;
})();

const RECIPES: ClipRecipe[] = [
  { name: 'passing', description: 'a car passes in front of a stopped one every 6 s', expectedStalled: 2, filter: `[0][1]${passing(2, 6, 270, DARK_LANE_Y)}` },
  { name: 'passing-mirrored', description: 'the same, mirrored', expectedStalled: 2, filter: `[0][1]${passing(2, 6, 270, DARK_LANE_Y)},hflip` },
  { name: 'passing-fast', description: 'a car passes twice as fast, every 3 s', expectedStalled: 2, filter: `[0][1]${passing(2, 3, 540, DARK_LANE_Y)}` },
  { name: 'passing-cropped', description: 'the same as passing, cropped to 480 × 240 and enlarged', expectedStalled: 2, filter: `[0][1]${passing(2, 6, 270, DARK_LANE_Y)},crop=480:240:80:90,scale=640:320` },
  { name: 'stopping-in-front', description: 'a car stops in front of a stopped one for 5 s, twice', expectedStalled: 2, filter: `[0][1]${stopping}` },
  {
    name: 'both-lanes',
    description: 'cars pass in front of both stopped ones, in opposite directions',
    expectedStalled: 2,
    filter: `[0][1]${passing(2, 6, 270, DARK_LANE_Y)}[a];[a][2]${passing(4, 6, 270, SILVER_LANE_Y, true)}`,
  },
  { name: 'moving-queue', description: 'the sample street looped: traffic that moves', expectedStalled: 0, moving: true },
];

/** Makes the clips (once; kept in `dir`) from the asset mirror's traffic.mp4. */
export async function makeOcclusionClips(assetDir: string, dir: string, ffmpegPath = 'ffmpeg'): Promise<OcclusionClip[]> {
  mkdirSync(dir, { recursive: true });
  const source = path.join(assetDir, 'video', 'traffic.mp4');
  const held = path.join(dir, 'frame30.png');
  const sprite = path.join(dir, 'sprite.png');
  const ffmpeg = (args: string[]) => run(ffmpegPath, ['-hide_banner', '-v', 'error', '-y', ...args], { maxBuffer: 16 * 1024 * 1024 });
  if (!existsSync(held)) await ffmpeg(['-i', source, '-vf', 'select=eq(n\\,30)', '-frames:v', '1', held]);
  if (!existsSync(sprite)) await ffmpeg(['-i', held, '-vf', SPRITE_CROP, sprite]);
  const clips: OcclusionClip[] = [];
  for (const recipe of RECIPES) {
    const file = path.join(dir, `${recipe.name}.mp4`);
    if (!existsSync(file)) {
      const encode = ['-t', String(SECONDS), '-r', '10', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', file];
      if (recipe.moving) await ffmpeg(['-stream_loop', '1', '-i', source, ...encode]);
      else await ffmpeg(['-loop', '1', '-i', held, '-loop', '1', '-i', sprite, '-loop', '1', '-i', sprite, '-filter_complex', recipe.filter!, ...encode]);
    }
    clips.push({ name: recipe.name, file, description: recipe.description, expectedStalled: recipe.expectedStalled });
  }
  return clips;
}

export interface OcclusionOutcome {
  frames: number;
  /** Vehicles standing still in the clip's first frame, before anything passes. */
  stoppedVehicles: number;
  /**
   * Per stopped vehicle: the tracks that started at its place beyond the first (its id lost and made
   * anew), plus its place's ids later seen elsewhere (carried away by a moving car); summed. A car that
   * drives up and stops in front of it is another vehicle, not a switch: its track started elsewhere.
   */
  idSwitches: number;
  stalledAlerts: number;
}

/** Runs the real model, tracker and stalled-vehicle rule over one clip and counts what happened. */
export async function analyseOcclusionClip(detector: Detector, clip: OcclusionClip): Promise<OcclusionOutcome> {
  const config = parseAnalysisConfig({ zones: [{ id: 'road', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], rules: [{ kind: 'stalled_vehicle', seconds: OCCLUSION_RULE_SECONDS }] }] });
  const analysis = new CameraAnalysis({ config, detector });
  const input = inputGeometry(detector.model.manifest);
  let stopped: Box[] | undefined;
  const firstBoxes = new Map<number, Box>();
  const placeIds: Array<Set<number>> = [];
  const carriedAway: Array<Set<number>> = [];
  let frames = 0;
  let stalledAlerts = 0;
  for await (const frame of decodeVideoFile(clip.file, { fps: OCCLUSION_ANALYSIS_FPS, width: input.width, height: input.height, padValue: input.padValue })) {
    const result = await analysis.process(frame, frame.timestampMs);
    frames++;
    stalledAlerts += result.events.filter((event) => event.kind === 'stalled_vehicle' && event.phase === 'start').length;
    // The first frame shows the stopped vehicles alone: they are the places to watch.
    stopped ??= clip.expectedStalled > 0 ? result.detections.filter((detection) => detection.score >= 0.3).map((detection) => ({ ...detection })) : [];
    for (const track of result.tracks) if (!firstBoxes.has(track.id)) firstBoxes.set(track.id, track.previous?.box ?? track.box);
    stopped.forEach((place, index) => {
      const ids = (placeIds[index] ??= new Set());
      const away = (carriedAway[index] ??= new Set());
      for (const track of result.tracks) {
        if (iou(firstBoxes.get(track.id)!, place) >= 0.5) ids.add(track.id);
        if (track.seen && ids.has(track.id) && iou(track.box, place) < 0.1) away.add(track.id);
      }
    });
  }
  const idSwitches = (stopped ?? []).reduce((sum, _place, index) => sum + Math.max(0, placeIds[index].size - 1) + carriedAway[index].size, 0);
  return { frames, stoppedVehicles: stopped?.length ?? 0, idSwitches, stalledAlerts };
}

function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}
