// npm run analyze -- --video FILE --config CAMERA.json [--fps N] [--model ID] [--start ISO-TIME]
// Runs the vision pipeline offline on a video file and prints JSON lines: one per event (line
// crossings and the start of each situation), then a summary. A stable interface: scripts and tests
// parse this output. --start: when the recording began (e.g. 2026-12-05T17:30:00+07:00), so rules'
// thresholds by time of day (schedule) apply as they would have live; events' `t` stays seconds into
// the video.
import { parseArgs } from 'node:util';
import { loadConfig } from '@cityops/core/config';
import { privacyMaskFilter } from '@cityops/ingest/camera/privacy-mask';
import { inputGeometry } from '@cityops/models/manifest';
import { CameraAnalysis } from '../camera-analysis.ts';
import { createDetector, detectorOptionsFromConfig } from '../detect/detector.ts';
import { loadAnalysisConfigFile } from '../rules/config.ts';
import type { CityClass } from '../detect/types.ts';
import type { RiderClass } from '../rules/riders.ts';
import { decodeVideoFile } from '../video/decode-file.ts';

const USAGE = 'usage: npm run analyze -- --video FILE --config CAMERA.json [--fps N] [--model ID] [--start ISO-TIME]';

interface Summary {
  type: 'summary';
  frames: number;
  lines: Record<string, Partial<Record<CityClass | RiderClass, { '+': number; '-': number }>>>;
  maxPersons: Record<string, number>;
  events: Record<string, number>;
}

async function main(): Promise<number> {
  let values: { video?: string; config?: string; fps?: string; model?: string; start?: string };
  try {
    ({ values } = parseArgs({
      options: { video: { type: 'string' }, config: { type: 'string' }, fps: { type: 'string' }, model: { type: 'string' }, start: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.video || !values.config) {
    console.error(USAGE);
    return 2;
  }
  const startMs = values.start === undefined ? 0 : Date.parse(values.start);
  if (Number.isNaN(startMs)) {
    console.error(`--start must be a date and time such as 2026-12-05T17:30:00+07:00, got ${values.start}\n${USAGE}`);
    return 2;
  }
  const analysisConfig = await loadAnalysisConfigFile(values.config);
  const fps = values.fps !== undefined ? Number(values.fps) : (analysisConfig.detectFps ?? 2);
  if (!(fps > 0 && fps <= 30)) {
    console.error(`--fps must be a number in (0, 30], got ${values.fps}\n${USAGE}`);
    return 2;
  }
  const appConfig = loadConfig(process.env, []);
  const detector = await createDetector({ ...detectorOptionsFromConfig(appConfig), ...(values.model ? { modelId: values.model } : {}) });
  try {
    const analysis = new CameraAnalysis({ config: analysisConfig, detector, timeZone: appConfig.CITY_TIME_ZONE });
    const summary: Summary = { type: 'summary', frames: 0, lines: {}, maxPersons: {}, events: {} };
    for (const line of analysisConfig.lines) summary.lines[line.id] = {};
    for (const zone of analysisConfig.zones) summary.maxPersons[zone.id] = 0;
    const print = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);
    const seconds = (ms: number) => Math.round(ms - startMs) / 1000;

    // the camera's detectInputSize (CAMERA.json), as camera-ingest would letterbox its frames
    const input = inputGeometry(detector.model.manifest, analysisConfig.detectInputSize);
    // Privacy masks are painted as camera-ingest paints them, so the model sees what it sees live.
    const privacyMask = privacyMaskFilter(analysisConfig.privacyMasks.map((mask) => mask.polygon));
    for await (const frame of decodeVideoFile(values.video, { fps, width: input.width, height: input.height, padValue: input.padValue, privacyMaskFilter: privacyMask })) {
      const result = await analysis.process(frame, startMs + frame.timestampMs);
      summary.frames++;
      for (const crossing of result.crossings) {
        const byClass = (summary.lines[crossing.lineId][crossing.class] ??= { '+': 0, '-': 0 });
        byClass[crossing.direction]++;
        summary.events.line_crossing = (summary.events.line_crossing ?? 0) + 1;
        print({ type: 'event', kind: 'line_crossing', lineId: crossing.lineId, t: seconds(crossing.timestampMs), class: crossing.class, trackId: crossing.trackId, direction: crossing.direction });
      }
      for (const [zoneId, counts] of Object.entries(result.occupancy)) {
        summary.maxPersons[zoneId] = Math.max(summary.maxPersons[zoneId], counts.person ?? 0);
      }
      for (const event of result.events) {
        if (event.phase !== 'start') continue; // one line per situation; updates and ends go to the alerts API live
        summary.events[event.kind] = (summary.events[event.kind] ?? 0) + 1;
        print({
          type: 'event',
          kind: event.kind,
          zoneId: event.zoneId,
          t: seconds(event.timestampMs),
          class: event.class,
          trackId: event.trackId,
          situationId: event.situationId,
          ...(event.count !== undefined ? { count: event.count } : {}),
          ...(event.sustainedCount !== undefined ? { sustainedCount: event.sustainedCount } : {}),
          durationSeconds: event.durationSeconds,
        });
      }
    }
    print(summary);
    return 0;
  } finally {
    await detector.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: Error & { code?: string }) => {
    console.error(`analyze failed${error.code ? ` (${error.code})` : ''}: ${error.message}`);
    process.exitCode = 1;
  },
);
