// What the tests need from the machine besides node_modules, checked once before any test runs: a
// missing program is named in one line with the command that installs it, instead of dozens of
// failing tests each saying it differently.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Debian package that provides each program. */
const PACKAGES = { ffmpeg: 'ffmpeg', chromium: 'chromium', mosquitto: 'mosquitto' } as const;

type Program = keyof typeof PACKAGES;

function onPath(program: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The programs this run needs that the machine lacks; mosquitto only when the run starts its own brokers. */
export function missingPrograms({ needMosquitto }: { needMosquitto: boolean }): Program[] {
  const missing: Program[] = [];
  if (!onPath('ffmpeg') || !onPath('ffprobe')) missing.push('ffmpeg');
  // The browser tests launch CHROMIUM_PATH, by default Debian's /usr/bin/chromium (tests/browser/harness.ts).
  if (!executable(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) missing.push('chromium');
  if (needMosquitto && !onPath('mosquitto')) missing.push('mosquitto');
  return missing;
}

export function assertPrograms(options: { needMosquitto: boolean }): void {
  const missing = missingPrograms(options);
  if (missing.length === 0) return;
  throw new Error(
    `The tests need ${missing.join(', ')}, not found on this machine: install with \`apt-get install -y ${missing.map((program) => PACKAGES[program]).join(' ')}\`` +
      (missing.includes('chromium') ? ' (or set CHROMIUM_PATH)' : '') +
      (missing.includes('mosquitto') ? ' (or set TEST_MQTT_URL to a running MQTT 5 broker)' : ''),
  );
}
