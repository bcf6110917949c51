// One test file's own MQTT 5 broker, when no TEST_MQTT_URL is given: `mosquitto` from the PATH on a
// free loopback port, with a generated configuration (anonymous on loopback, persistence in its own
// directory). Every sensor worker subscribes to `cityops/sensors/+/reading` and every slot worker to
// the frame topics, so a broker shared between files would let one file's traffic reach another's
// workers; with a broker per file no file sees another's messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { ChildWatchdog } from '../../core/child-watchdog.ts';
import { ownedDirName, removeAbandonedDirs } from './abandoned-dirs.ts';
import { freePort } from './free-port.ts';

const BROKER_DIR_PREFIX = 'cityops-test-broker-';

export interface FileBroker {
  url: string;
  stop(): Promise<void>;
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function startMosquitto(dir: string, port: number): Promise<ChildProcess> {
  const configFile = path.join(dir, 'mosquitto.conf');
  writeFileSync(
    configFile,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'log_dest stderr', ''].join('\n'),
    { mode: 0o644 },
  );
  const child = spawn('mosquitto', ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`mosquitto exited (code ${code}): ${output.trim().split('\n').slice(-2).join(' | ')}`)));
  });
  exited.catch(() => undefined);
  // Ready when it accepts a connection; it binds within milliseconds, or exits saying why not.
  for (;;) {
    const ready = await Promise.race([canConnect(port), exited]);
    if (ready) return child;
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 20)), exited]);
  }
}

export async function startFileBroker(): Promise<FileBroker> {
  removeAbandonedDirs(BROKER_DIR_PREFIX);
  const dir = ownedDirName(BROKER_DIR_PREFIX);
  mkdirSync(dir);
  // As root, mosquitto drops to its own user, which must write its store here.
  chmodSync(dir, 0o777);
  const watchdog = new ChildWatchdog(2_000);
  await watchdog.start();
  let broker: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; !broker; attempt++) {
    port = await freePort();
    try {
      broker = await startMosquitto(dir, port);
    } catch (error) {
      // Another process may take the free port before mosquitto binds it: try another.
      if (attempt >= 5 || !/in use/i.test((error as Error).message)) {
        await watchdog.stop();
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  // If this test file's process is killed, the broker goes with it.
  watchdog.watch(broker.pid!, 'SIGKILL');
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      if (broker.exitCode === null && broker.signalCode === null) {
        const exited = new Promise<void>((resolve) => broker.once('exit', () => resolve()));
        broker.kill('SIGKILL');
        await exited;
      }
      watchdog.unwatch(broker.pid!);
      rmSync(dir, { recursive: true, force: true });
      // Last: the watchdog is unreferenced, so nothing else may wait behind it.
      await watchdog.stop();
    },
  };
}
